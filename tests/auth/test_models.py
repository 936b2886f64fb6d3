"""The user model speaks Flask-Login's user protocol."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from centre.auth.models import Role, User


def test_is_active_follows_the_active_column(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.RECEPTION)
    session.commit()
    assert user.active and user.is_active
    user.active = False
    session.commit()
    session.expire_all()
    disabled = session.get_one(User, user.id)
    assert not disabled.active and disabled.is_active is False


def test_get_id_is_the_id_as_text(session: Session, make_user: Callable[..., User]) -> None:
    first, second = make_user(Role.RECEPTION), make_user(Role.ADMIN)
    assert first.get_id() == str(first.id) and second.get_id() == str(second.id)
    assert first.get_id() != second.get_id()


def test_a_user_is_authenticated_and_never_anonymous(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.SOCIAL_WORKER, active=False)
    # Flask-Login asks is_active for a disabled account; being a user is not in question.
    assert user.is_authenticated is True and user.is_anonymous is False
