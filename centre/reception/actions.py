"""The audited actions of reception."""

from flask_babel import lazy_gettext as _l

from centre.audit.actions import declare

VISIT_LOGGED = declare("visit.logged", _l("Visit logged"), object_type="visit")
VISIT_CORRECTED = declare("visit.corrected", _l("Visit corrected"), object_type="visit")
# Its object type names the reason, from a closed list: "visit:duplicate".
VISIT_DELETED = declare("visit.deleted", _l("Visit deleted"))
INCIDENT_LOGGED = declare("incident.logged", _l("Incident logged"), object_type="incident")
INCIDENT_UPDATED = declare("incident.updated", _l("Incident updated"), object_type="incident")
HANDOVER_WRITTEN = declare("handover.written", _l("Handover note written"), object_type="handover")
