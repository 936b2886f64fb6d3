"""Accounts: passwords, creation, disabling, resets and authentication. Pure: no request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from centre.audit.services import Outcome, record, record_alone
from centre.db import utcnow
from centre.validation import single

from . import actions
from .models import LoginFailure, Role, User, UserSession

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# Throttling: more failures than this within the window locks out further tries for a while.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class AuthError(Exception):
    """Base of the account errors routes turn into messages."""


class InvalidCredentialsError(AuthError):
    pass


class ThrottledError(AuthError):
    pass


class UnknownUserError(AuthError):
    pass


class CannotChangeOwnAccountError(AuthError):
    pass


@dataclass(frozen=True)
class PasswordPolicy:
    time_cost: int
    memory_cost: int

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(time_cost=self.time_cost, memory_cost=self.memory_cost)


def check_password_strength(password: str, *, username: str = "", field: str = "password") -> None:
    """FieldErrors on `field` unless the password is long enough and not a common one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise single(field, "password_short", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise single(field, "password_long", n=MAX_PASSWORD_LENGTH)
    # zxcvbn matches against lists of the most used passwords, words and keyboard patterns.
    if zxcvbn(password[:100], user_inputs=[username, "centre"])["score"] < 3:
        raise single(field, "password_common")


def hash_password(policy: PasswordPolicy, password: str) -> str:
    return policy.hasher().hash(password)


@cache
def dummy_hash(policy: PasswordPolicy) -> str:
    """A hash no password matches, verified for unknown and disabled accounts.

    Without it a failed login answers at once for an unknown name and only after Argon2 for
    a known one: the timing tells which usernames exist.
    """
    return hash_password(policy, secrets.token_urlsafe(32))


def password_matches(policy: PasswordPolicy, password_hash: str, password: str) -> bool:
    try:
        return policy.hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def usernames(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """Who these users are, by name, for pages that show who wrote or did something."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


def active_users(session: Session, role: Role) -> list[User]:
    """Active accounts of a role, by name (e.g. the social workers a case can be given to)."""
    return list(
        session.scalars(
            select(User).where(User.role == role, User.active.is_(True)).order_by(User.username)
        )
    )


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not (3 <= len(name) <= 64) or not all(c.isalnum() or c in "._-" for c in name):
        raise single("username", "username_invalid")
    return name


def generate_one_time_password() -> str:
    # Readable and long: given by an admin to a colleague, changed at first login.
    return "-".join(secrets.token_hex(3) for _ in range(4))


def create_user(
    session: Session,
    policy: PasswordPolicy,
    *,
    actor_id: int | None,
    username: str,
    role: Role,
    password: str | None = None,
) -> tuple[User, str | None]:
    """Create a user; without a password, a one-time one is returned and must be changed."""
    name = normalise_username(username)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise single("username", "username_taken")
    one_time = None
    if password is None:
        one_time = generate_one_time_password()
    else:
        check_password_strength(password, username=name)
    user = User(
        username=name,
        role=role,
        password_hash=hash_password(policy, password or one_time or ""),
        must_change_password=password is None,
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    record(session, actions.USER_CREATED, by=actor_id, on=user.id)
    return user, one_time


def end_all_sessions(session: Session, user_id: int) -> int:
    result = session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def set_active(session: Session, *, actor_id: int | None, user: User, active: bool) -> None:
    if user.id == actor_id:
        raise CannotChangeOwnAccountError()
    user.active = active
    if not active:
        end_all_sessions(session, user.id)
    record(
        session, actions.USER_ENABLED if active else actions.USER_DISABLED, by=actor_id, on=user.id
    )


def set_role(session: Session, *, actor_id: int, user: User, role: Role) -> None:
    if user.id == actor_id:
        raise CannotChangeOwnAccountError()
    if user.role != role:
        user.role = role
        end_all_sessions(session, user.id)  # permissions changed: log in again
        record(session, actions.USER_ROLE_CHANGED, by=actor_id, on=user.id)


def reset_password(session: Session, policy: PasswordPolicy, *, actor_id: int, user: User) -> str:
    """Give the user a one-time password; their open sessions end."""
    one_time = generate_one_time_password()
    user.password_hash = hash_password(policy, one_time)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    end_all_sessions(session, user.id)
    # The user was told to ask an administrator: a reset must also lift the lock.
    clear_failures(session, user)
    record(session, actions.USER_PASSWORD_RESET, by=actor_id, on=user.id)
    return one_time


def change_password(
    session: Session,
    policy: PasswordPolicy,
    *,
    user: User,
    current: str,
    new: str,
    keep_session_token_hash: str | None,
) -> None:
    """Change one's own password; every other session of the user ends."""
    if not password_matches(policy, user.password_hash, current):
        raise single("current", "password_wrong")
    if new == current:
        raise single("new", "password_same")
    check_password_strength(new, username=user.username, field="new")
    user.password_hash = hash_password(policy, new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    others = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_session_token_hash is not None:
        others = others.where(UserSession.token_hash != keep_session_token_hash)
    session.execute(others)
    record(session, actions.PASSWORD_CHANGED, by=user.id, on=user.id)


def clear_failures(session: Session, user: User) -> int:
    """Forget the account's failed logins; how many there were."""
    result = session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def is_locked(session: Session, user: User) -> bool:
    """Whether failed logins lock the account now (an administrator can lift it)."""
    return _failures_since(session, LoginFailure.username == user.username) >= (
        MAX_FAILURES_PER_ACCOUNT
    )


def unlock(session: Session, *, actor_id: int | None, user: User) -> bool:
    """Lift the lock that failed logins put on the account; False if it had none."""
    if clear_failures(session, user) == 0:
        return False
    record(session, actions.USER_UNLOCKED, by=actor_id, on=user.id)
    return True


def log_out(session: Session, *, user: User, locked: bool) -> None:
    """Record a logout, or a shared terminal locked for the next colleague."""
    record(session, actions.LOCK if locked else actions.LOGOUT, by=user.id, on=user.id)


def record_throttled_login(session: Session) -> None:
    """A login refused for too many failures: recorded though the request fails."""
    record_alone(session, actions.LOGIN_THROTTLED, by=None, outcome=Outcome.REFUSED)


def record_refusal(session: Session, *, actor_id: int, endpoint: str) -> None:
    """A page the user's role may not open: recorded though the request fails."""
    record_alone(
        session, actions.ACCESS_REFUSED, by=actor_id, on=endpoint[:64], outcome=Outcome.REFUSED
    )


def address_hash(secret_key: str, address: str) -> str:
    return hmac.new(secret_key.encode(), address.encode(), hashlib.sha256).hexdigest()


def _failures_since(session: Session, matching: ColumnElement[bool]) -> int:
    since = utcnow() - THROTTLE_WINDOW
    return int(
        session.scalar(
            select(func.count()).select_from(LoginFailure).where(matching, LoginFailure.at >= since)
        )
        or 0
    )


def is_throttled(session: Session, *, username: str, address_digest: str) -> bool:
    return (
        _failures_since(session, LoginFailure.username == username) >= MAX_FAILURES_PER_ACCOUNT
        or _failures_since(session, LoginFailure.address_hash == address_digest)
        >= MAX_FAILURES_PER_ADDRESS
    )


def authenticate(
    session: Session,
    policy: PasswordPolicy,
    *,
    username: str,
    password: str,
    address_digest: str,
) -> User:
    """The active user with these credentials, or a named error.

    Failures are written in `session`; the caller commits them even though login failed.
    """
    name = username.strip().lower()[:64]
    if is_throttled(session, username=name, address_digest=address_digest):
        raise ThrottledError()  # the caller records it: the refused request rolls back
    user = session.scalar(select(User).where(User.username == name))
    # Argon2 runs whether or not the account exists and is active: the same time for all.
    stored = user.password_hash if user is not None and user.active else dummy_hash(policy)
    if not password_matches(policy, stored, password) or user is None or not user.active:
        session.add(LoginFailure(username=name, address_hash=address_digest, at=utcnow()))
        record(
            session,
            actions.LOGIN_FAILED,
            by=user.id if user else None,
            on=user.id if user else None,
            outcome=Outcome.FAILURE,
        )
        raise InvalidCredentialsError()
    clear_failures(session, user)
    user.last_login_at = utcnow()
    if policy.hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(policy, password)
    record(session, actions.LOGIN, by=user.id, on=user.id)
    return user


def purge_expired_sessions(session: Session, idle: timedelta, absolute: timedelta) -> int:
    now = utcnow()
    result = session.execute(
        delete(UserSession).where(
            (UserSession.last_seen_at < now - idle) | (UserSession.created_at < now - absolute)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
