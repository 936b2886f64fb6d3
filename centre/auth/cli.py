"""`flask --app wsgi users …`: accounts from the command line (first admin, scripts)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre import db
from centre.messages import message
from centre.validation import FieldErrors

from . import services
from .models import Role, User

users_cli = AppGroup("users", help="Staff accounts.")


def _policy() -> services.PasswordPolicy:
    return services.PasswordPolicy(
        time_cost=current_app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=current_app.config["PASSWORD_HASH_MEMORY_COST"],
    )


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\n")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--one-time", is_flag=True, help="Generate a one-time password to change at first login."
)
def create(username: str, role: str, one_time: bool) -> None:
    """Create USERNAME with ROLE; the password comes from standard input or a prompt."""
    password = None if one_time else _read_password()
    with db.database().new_session() as dbs:
        try:
            user, generated = services.create_user(
                dbs,
                _policy(),
                actor_id=None,
                username=username,
                role=Role(role),
                password=password,
            )
        except FieldErrors as problems:
            # The web's own messages, in English: the command line is not translated.
            with force_locale("en"):
                said = "; ".join(
                    f"{name} refused: {message(problem)}"
                    for name in problems
                    for problem in problems.get(name)
                )
            raise click.ClickException(said) from None
        dbs.commit()
    click.echo(f"created user {user.username} ({user.role.value})")
    if generated:
        click.echo(f"one-time password (to be changed at first login): {generated}")


@users_cli.command("ensure-admin")
def ensure_admin() -> None:
    """Create an `admin` account with a one-time password unless an active admin exists."""
    with db.database().new_session() as dbs:
        exists = dbs.scalar(
            select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).limit(1)
        )
        if exists is not None:
            click.echo("An administrator account exists already.")
            return
        name = "admin"
        if dbs.scalar(select(User.id).where(User.username == name)) is not None:
            name = "administrator"
        user, one_time = services.create_user(
            dbs, _policy(), actor_id=None, username=name, role=Role.ADMIN
        )
        dbs.commit()
    click.echo("")
    click.echo("  First administrator created.")
    click.echo(f"  Log in as '{user.username}' with the one-time password: {one_time}")
    click.echo("  You will be asked to choose your own password.")
    click.echo("")


def _user_named(dbs: Session, username: str) -> User:
    user = dbs.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


@users_cli.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable USERNAME: they cannot log in, and their open sessions end at once."""
    _set_active(username, active=False)


@users_cli.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable USERNAME again."""
    _set_active(username, active=True)


def _set_active(username: str, *, active: bool) -> None:
    with db.database().new_session() as dbs:
        user = _user_named(dbs, username)
        services.set_active(dbs, actor_id=None, user=user, active=active)
        dbs.commit()
    click.echo(
        f"enabled {user.username}"
        if active
        else f"disabled {user.username}; their sessions were ended"
    )


@users_cli.command("unlock")
@click.argument("username")
def unlock(username: str) -> None:
    """Lift the lock that failed logins put on USERNAME."""
    with db.database().new_session() as dbs:
        user = _user_named(dbs, username)
        unlocked = services.unlock(dbs, actor_id=None, user=user)
        dbs.commit()
    click.echo(f"unlocked {user.username}" if unlocked else f"{user.username} was not locked")
