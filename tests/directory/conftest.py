"""Partners for directory tests: made through the service, as an editor would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from centre.auth.models import Role, User
from centre.directory import services
from centre.directory.models import Commune, Language, Partner, PartnerKind
from tests import factories


def partner_values(name: str = "Projet Lama", **overrides: Any) -> services.PartnerValues:
    fields: dict[str, Any] = {
        "name": name,
        "kind": PartnerKind.DRUG_TREATMENT,
        "communes": frozenset({Commune.BRUXELLES}),
        "languages": frozenset({Language.FR}),
        **overrides,
    }
    return services.PartnerValues(**fields)


@pytest.fixture
def editor(session: Session, app: Flask) -> User:
    return factories.user(session, app, role=Role.MANAGER)


@pytest.fixture
def make_partner(session: Session, editor: User) -> Callable[..., Partner]:
    """A partner created and committed; `active=False` deactivates it after."""

    def _make(name: str = "Projet Lama", *, active: bool = True, **overrides: Any) -> Partner:
        partner = services.create_partner(
            session, actor_id=editor.id, values=partner_values(name, **overrides)
        )
        if not active:
            services.set_active(session, actor_id=editor.id, partner=partner, active=False)
        session.commit()
        return partner

    return _make
