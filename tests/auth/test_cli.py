"""`flask users create` and `users ensure-admin` for the first admin and for scripts."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.auth.models import Role, User


def test_create_user_reads_password_from_stdin(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "Desk.One", "--role", "reception"],
        input="amber window falcon river\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "desk.one"))
    assert user is not None and user.role is Role.RECEPTION and not user.must_change_password


def test_create_user_refuses_a_common_password(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "desk.two", "--role", "reception"], input="password1234\n"
    )
    assert result.exit_code != 0 and "too common" in result.output
    assert session.scalar(select(User)) is None


def test_ensure_admin_creates_one_admin_once(app: Flask, session: Session) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["users", "ensure-admin"])
    assert first.exit_code == 0 and "one-time password" in first.output
    second = runner.invoke(args=["users", "ensure-admin"])
    assert "exists already" in second.output
    admins = session.scalars(select(User).where(User.role == Role.ADMIN)).all()
    assert len(admins) == 1 and admins[0].must_change_password
