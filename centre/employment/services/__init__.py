"""Day-labour actions, one module per subject; pure (a session and the actor in)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import PhaseStep, SignUp


def day_labour_clashes(session: Session, kept_id: int, merged_id: int) -> bool:
    """Both persons signed up for one offer, or reached one phase: a merge would break the
    one-per-person rules."""
    for column, model in ((SignUp.offer_id, SignUp), (PhaseStep.phase_id, PhaseStep)):
        held = [
            set(session.scalars(select(column).where(model.person_id == person)))
            for person in (kept_id, merged_id)
        ]
        if held[0] & held[1]:
            return True
    return False
