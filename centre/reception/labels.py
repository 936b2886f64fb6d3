"""Reception's choice labels, translated: what other domains and exports may show."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import AgeBand, DeletionReason, IncidentKind, IncidentOutcome

AGE_BAND_LABELS = {
    band: (_l("Not known") if band is AgeBand.NOT_KNOWN else band.value) for band in AgeBand
}
INCIDENT_KIND_LABELS = {
    IncidentKind.OVERDOSE: _l("Overdose"),
    IncidentKind.MEDICAL_EMERGENCY: _l("Medical emergency"),
    IncidentKind.AGGRESSION: _l("Aggression"),
    IncidentKind.OTHER: _l("Other"),
}
INCIDENT_OUTCOME_LABELS = {
    IncidentOutcome.RECOVERED_ON_SITE: _l("Recovered on site"),
    IncidentOutcome.HOSPITAL: _l("Taken to hospital"),
    IncidentOutcome.LEFT: _l("Left before the end"),
    IncidentOutcome.DIED: _l("Died"),
    IncidentOutcome.UNKNOWN: _l("Not known yet"),
}
DELETION_REASON_LABELS = {
    DeletionReason.MISTAKE: _l("Entered by mistake"),
    DeletionReason.DUPLICATE: _l("Entered twice"),
    DeletionReason.WRONG_PERSON: _l("Wrong person code"),
    DeletionReason.OTHER: _l("Other reason"),
}
