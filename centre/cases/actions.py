"""The audited actions of case files (ids only; a note's body is never in an event)."""

from flask_babel import lazy_gettext as _l

from centre.audit.actions import declare

CASE_OPENED = declare("case.opened", _l("Case opened"), object_type="case")
CASE_UPDATED = declare("case.updated", _l("Case updated"), object_type="case")
CASE_CLOSED = declare("case.closed", _l("Case closed"), object_type="case")
CASE_REOPENED = declare("case.reopened", _l("Case reopened"), object_type="case")
GOAL_ADDED = declare("goal.added", _l("Goal added"), object_type="goal")
GOAL_UPDATED = declare("goal.updated", _l("Goal updated"), object_type="goal")
NOTE_WRITTEN = declare("note.written", _l("Note written"), object_type="note")
NOTE_CORRECTED = declare("note.corrected", _l("Note corrected"), object_type="note")
NOTE_READ = declare("note.read", _l("Note read"), object_type="note")
REFERRAL_MADE = declare("referral.made", _l("Referral made"), object_type="referral")
REFERRAL_UPDATED = declare("referral.updated", _l("Referral updated"), object_type="referral")
REFERRAL_REMARK_READ = declare(
    "referral.remark_read", _l("Referral remark read"), object_type="referral"
)
INSURANCE_RECORDED = declare(
    "rights.insurance_recorded", _l("Health-insurance status recorded"), object_type="person"
)
REAFFILIATION_STEP = declare(
    "rights.reaffiliation_step", _l("Re-affiliation step recorded"), object_type="person"
)
PROFILE_ASSESSED = declare(
    "profile.assessed", _l("Substance-use profile recorded"), object_type="person"
)
PERSONS_MERGED = declare("person.merged", _l("Persons merged"), object_type="merge")
MERGE_UNDONE = declare("person.merge_undone", _l("Merge undone"), object_type="merge")
