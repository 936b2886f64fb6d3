"""People's choice labels, translated: what other domains may show of a person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import ConsentMethod, ErasureReason, Gender

GENDER_LABELS = {
    Gender.WOMAN: _l("Woman"),
    Gender.MAN: _l("Man"),
    Gender.NON_BINARY: _l("Non-binary"),
    Gender.NOT_STATED: _l("Not stated"),
}
CONSENT_METHOD_LABELS = {
    ConsentMethod.ORAL: _l("Oral (the person agreed aloud)"),
    ConsentMethod.WRITTEN: _l("Written (signed form)"),
}
RESIDENCE_STATUS_LABELS = {
    "belgian": _l("Belgian"),
    "eu_citizen": _l("EU citizen"),
    "residence_permit": _l("Non-EU, with a residence permit"),
    "asylum_seeker": _l("Asylum seeker"),
    "undocumented": _l("Without papers"),
    "other": _l("Other"),
    "unknown": _l("Not known"),
}
HEALTH_INSURANCE_LABELS = {
    "mutuality": _l("Insured (health insurance fund)"),
    "urgent_medical_aid": _l("Urgent medical aid (CPAS/OCMW)"),
    "none": _l("Not insured"),
    "unknown": _l("Not known"),
}
ERASURE_REASON_LABELS = {
    ErasureReason.REQUEST: _l("The person asked for it"),
    ErasureReason.CONSENT_WITHDRAWN: _l("The person withdrew consent"),
    ErasureReason.DUPLICATE: _l("Entered on the wrong person (duplicate)"),
    ErasureReason.RETENTION: _l("Retention period over"),
}
