"""Housing's choice labels, translated: programme types, exits, blocks, waiting lists."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .models import (
    ApplicationStatus,
    BlockReason,
    CapacityUnit,
    Destination,
    DestinationGroup,
    ExitReason,
    OverrideReason,
    Priority,
    ProgrammeType,
    StayEventKind,
)

PROGRAMME_TYPE_LABELS = {
    ProgrammeType.EMERGENCY_SHELTER: _l("Emergency shelter"),
    ProgrammeType.NIGHT_SHELTER: _l("Night shelter"),
    ProgrammeType.TRANSIT_HOME: _l("Transit Home"),
    ProgrammeType.HOUSING_FIRST: _l("Housing First"),
    ProgrammeType.SUPERVISED_HOUSING: _l("Supervised housing"),
    ProgrammeType.SOCIAL_RENTAL_AGENCY: _l("Social rental agency (AIS/SVK)"),
    ProgrammeType.OTHER: _l("Other"),
}
CAPACITY_UNIT_LABELS = {
    CapacityUnit.BEDS: _l("Beds"),
    CapacityUnit.UNITS: _l("Units (flats or rooms)"),
}
BLOCK_REASON_LABELS = {
    BlockReason.CLEANING: _l("Cleaning"),
    BlockReason.REPAIR: _l("Repair"),
    BlockReason.PEST_CONTROL: _l("Pest control"),
    BlockReason.SAFETY: _l("Safety"),
    BlockReason.OTHER: _l("Other"),
}
# The HMIS grouping with local labels (../shared/reference/housing.md).
DESTINATION_GROUP_LABELS = {
    DestinationGroup.HOMELESS: _l("Homeless situation"),
    DestinationGroup.INSTITUTIONAL: _l("Institution"),
    DestinationGroup.TEMPORARY: _l("Temporary housing"),
    DestinationGroup.PERMANENT: _l("Permanent housing"),
    DestinationGroup.OTHER: _l("Other or not known"),
}
DESTINATION_LABELS = {
    Destination.STREET: _l("Street or place not meant for habitation"),
    Destination.EMERGENCY_SHELTER: _l("Emergency shelter"),
    Destination.NIGHT_SHELTER: _l("Night shelter"),
    Destination.PSYCHIATRIC_HOSPITAL: _l("Psychiatric hospital"),
    Destination.TREATMENT_DETOX: _l("Substance-use treatment or detox"),
    Destination.HOSPITAL: _l("Hospital"),
    Destination.PRISON: _l("Prison"),
    Destination.LONG_TERM_CARE: _l("Long-term care"),
    Destination.TRANSITIONAL_HOUSING: _l("Transitional housing"),
    Destination.FAMILY_FRIENDS_TEMPORARY: _l("Family or friends, temporarily"),
    Destination.HOTEL_HOSTEL: _l("Hotel or hostel"),
    Destination.HOST_HOME: _l("Host home"),
    Destination.OWN_RENTAL: _l("Own rental (private or social)"),
    Destination.OWNED: _l("Owned home"),
    Destination.FAMILY_FRIENDS_PERMANENT: _l("Family or friends, permanently"),
    Destination.RENTAL_WITH_SUPPORT: _l("Rental with support (Housing First, supervised)"),
    Destination.DECEASED: _l("Deceased"),
    Destination.OTHER: _l("Other"),
    Destination.NO_EXIT_INTERVIEW: _l("No exit interview"),
    Destination.NOT_KNOWN: _l("Not known"),
    Destination.NOT_COLLECTED: _l("Not collected"),
}
EXIT_REASON_LABELS = {
    ExitReason.MOVED_ON: _l("Moved on"),
    ExitReason.OWN_CHOICE: _l("The person's choice"),
    ExitReason.EXCLUSION: _l("Exclusion"),
    ExitReason.HOSPITAL: _l("Hospital"),
    ExitReason.PRISON: _l("Prison"),
    ExitReason.DECEASED: _l("Deceased"),
    ExitReason.LOST_CONTACT: _l("Lost contact"),
    ExitReason.OTHER: _l("Other"),
}
OVERRIDE_REASON_LABELS = {
    OverrideReason.COLD_WEATHER: _l("Cold weather"),
    OverrideReason.HEALTH: _l("Health"),
    OverrideReason.MOVE_ON_ARRANGED: _l("Move-on arranged"),
    OverrideReason.SAFETY: _l("Safety"),
    OverrideReason.OTHER: _l("Other"),
}
STAY_EVENT_LABELS = {
    StayEventKind.ENTERED: _l("Entered"),
    StayEventKind.MOVED_IN: _l("Moved in"),
    StayEventKind.EXITED: _l("Exited"),
    StayEventKind.OVERRIDDEN: _l("Stay extended past the maximum"),
}
PRIORITY_LABELS = {
    Priority.URGENT: _l("Urgent"),
    Priority.HIGH: _l("High"),
    Priority.NORMAL: _l("Normal"),
}
APPLICATION_STATUS_LABELS = {
    ApplicationStatus.WAITING: _l("Waiting"),
    ApplicationStatus.OFFERED: _l("Offered"),
    ApplicationStatus.ACCEPTED: _l("Accepted"),
    ApplicationStatus.DECLINED: _l("Declined by the person"),
    ApplicationStatus.REFUSED: _l("Refused by the programme"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
}


def max_stay_text(max_nights: int | None, window_days: int | None) -> str:
    """A programme's maximum stay in words: "13 nights per stay", "20 nights in any 30 days"."""
    if max_nights is None:
        return _("No maximum")
    if window_days is None:
        return ngettext("%(num)d night per stay", "%(num)d nights per stay", max_nights)
    return ngettext(
        "%(num)d night in any %(days)d days",
        "%(num)d nights in any %(days)d days",
        max_nights,
        days=window_days,
    )
