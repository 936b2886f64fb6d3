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


def test_disable_enable_and_unlock_from_the_command_line(app: Flask, session: Session) -> None:
    from centre.auth.models import LoginFailure, UserSession
    from centre.db import utcnow
    from tests import factories
    from tests.conftest import reread

    user = factories.user(session, app, username="night.desk")
    session.add(UserSession(token_hash="0" * 64, user_id=user.id, last_seen_at=utcnow()))
    for _ in range(5):
        session.add(LoginFailure(username="night.desk", address_hash="a" * 64, at=utcnow()))
    session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["users", "unlock", "Night.Desk"])
    assert result.exit_code == 0 and "unlocked night.desk" in result.output
    reread(session)
    assert session.scalar(select(LoginFailure)) is None
    assert "was not locked" in runner.invoke(args=["users", "unlock", "night.desk"]).output

    result = runner.invoke(args=["users", "disable", "night.desk"])
    assert result.exit_code == 0, result.output
    reread(session)
    assert not session.get_one(User, user.id).active
    assert session.scalar(select(UserSession)) is None
    assert runner.invoke(args=["users", "enable", "night.desk"]).exit_code == 0
    reread(session)
    assert session.get_one(User, user.id).active

    missing = runner.invoke(args=["users", "disable", "nobody"])
    assert missing.exit_code != 0 and "no user named" in missing.output
