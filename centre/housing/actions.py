"""The audited actions of housing (ids only: a stay's id and the person's, never a value)."""

from flask_babel import lazy_gettext as _l

from centre.audit.actions import declare

# Stays and the bed board.
STAY_ENTERED = declare("stay.entered", _l("Stay entered"), object_type="stay")
STAY_MOVED_IN = declare("stay.moved_in", _l("Move-in recorded"), object_type="stay")
STAY_EXITED = declare("stay.exited", _l("Stay exited"), object_type="stay")
MAX_STAY_OVERRIDDEN = declare(
    "stay.max_stay_overridden", _l("Maximum stay overridden"), object_type="stay"
)
BED_BLOCKED = declare("bed.blocked", _l("Bed blocked"), object_type="bed")
BED_UNBLOCKED = declare("bed.unblocked", _l("Bed unblocked"), object_type="bed")

# Waiting lists.
APPLICATION_MADE = declare(
    "housing_application.made", _l("Waiting-list application made"), object_type="application"
)
APPLICATION_UPDATED = declare(
    "housing_application.updated",
    _l("Waiting-list application updated"),
    object_type="application",
)

# Programmes (maintained by managers and administrators).
PROGRAMME_CREATED = declare("programme.created", _l("Programme created"), object_type="programme")
PROGRAMME_UPDATED = declare("programme.updated", _l("Programme updated"), object_type="programme")
PROGRAMME_DEACTIVATED = declare(
    "programme.deactivated", _l("Programme deactivated"), object_type="programme"
)
