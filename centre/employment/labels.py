"""Words for day labour's closed lists, in the page's language."""

from flask_babel import lazy_gettext as _l

from .models import Attendance, CeilingOverride, OfferStatus, PayKind

ATTENDANCE_LABELS = {
    Attendance.PRESENT: _l("Present"),
    Attendance.ABSENT: _l("Absent"),
    Attendance.LEFT_EARLY: _l("Left early"),
}
CEILING_OVERRIDE_LABELS = {
    CeilingOverride.BENEFITS_CHECKED: _l("Benefit rules checked: no loss"),
    CeilingOverride.NO_BENEFITS: _l("No benefits to lose"),
    CeilingOverride.SOCIAL_WORKER_AGREED: _l("Agreed with the social worker"),
    CeilingOverride.OTHER: _l("Other"),
}
OFFER_STATUS_LABELS = {OfferStatus.OPEN: _l("Open"), OfferStatus.CANCELLED: _l("Cancelled")}
PAY_KIND_LABELS = {PayKind.PAY: _l("Pay"), PayKind.CORRECTION: _l("Correction")}
# What the ceilings are called when the sign-up warns about one.
CEILING_LABELS = {
    "hours_a_day": _l("Hours a day"),
    "days_a_week": _l("Days a week"),
    "earnings_a_month": _l("Earnings a month"),
}
