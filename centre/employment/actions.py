"""The audited actions of day labour (ids only: a sign-up's or a pay line's id and the
person's, never hours or amounts)."""

from flask_babel import lazy_gettext as _l

from centre.audit.actions import declare

# Attendance and pay.
ATTENDANCE_RECORDED = declare(
    "work_attendance.recorded", _l("Day-labour attendance recorded"), object_type="signup"
)
PAID = declare("work_pay.paid", _l("Day-labour pay handed out"), object_type="pay_line")
PAY_CORRECTED = declare(
    "work_pay.corrected", _l("Day-labour pay corrected"), object_type="pay_line"
)
