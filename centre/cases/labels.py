"""Case files' choice labels, translated: statuses, reasons, domains, kinds, TDI codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import (
    CancelReason,
    CaseEventKind,
    CaseStatus,
    ClosureReason,
    DeclineReason,
    Drug,
    Frequency,
    GoalStatus,
    Injecting,
    InsuranceStatus,
    LabourStatus,
    LifeDomain,
    LivingWhere,
    NoteKind,
    ReaffiliationStep,
    ReferralOutcome,
    ReferralSource,
    ReferralStatus,
    Route,
    Substitution,
    Testing,
    TreatmentStatus,
    Urgency,
)

CASE_STATUS_LABELS = {
    CaseStatus.OPEN: _l("Open"),
    CaseStatus.CLOSED: _l("Closed"),
    CaseStatus.REOPENED: _l("Reopened"),
}
CLOSURE_REASON_LABELS = {
    ClosureReason.GOALS_REACHED: _l("Goals reached"),
    ClosureReason.MOVED_AWAY: _l("Moved away"),
    ClosureReason.REFERRED_ELSEWHERE: _l("Referred elsewhere"),
    ClosureReason.LOST_CONTACT: _l("Lost contact"),
    ClosureReason.DECEASED: _l("Deceased"),
    ClosureReason.IMPRISONED: _l("Imprisoned"),
    ClosureReason.PERSONS_CHOICE: _l("The person's choice"),
    ClosureReason.OTHER: _l("Other"),
}
CASE_EVENT_LABELS = {
    CaseEventKind.OPENED: _l("Case opened"),
    CaseEventKind.CLOSED: _l("Case closed"),
    CaseEventKind.REOPENED: _l("Case reopened"),
    CaseEventKind.WORKERS_CHANGED: _l("Workers changed"),
}
LIFE_DOMAIN_LABELS = {
    LifeDomain.HEALTH: _l("Health"),
    LifeDomain.SUBSTANCE_USE: _l("Substance use"),
    LifeDomain.HOUSING: _l("Housing"),
    LifeDomain.INCOME_RIGHTS: _l("Income and rights"),
    LifeDomain.EMPLOYMENT_ACTIVITY: _l("Employment and activity"),
    LifeDomain.SOCIAL_TIES: _l("Social ties"),
    LifeDomain.JUSTICE: _l("Justice"),
    LifeDomain.OTHER: _l("Other"),
}
GOAL_STATUS_LABELS = {
    GoalStatus.PROPOSED: _l("Proposed"),
    GoalStatus.IN_PROGRESS: _l("In progress"),
    GoalStatus.REACHED: _l("Reached"),
    GoalStatus.DROPPED: _l("Dropped"),
}
NOTE_KIND_LABELS = {
    NoteKind.SOCIAL_INTERVIEW: _l("Social interview"),
    NoteKind.MEDICAL_ORIENTATION: _l("Medical orientation"),
    NoteKind.PHONE_CALL: _l("Phone call"),
    NoteKind.HOME_VISIT: _l("Home visit"),
    NoteKind.OUTREACH_CONTACT: _l("Outreach contact"),
    NoteKind.PARTNER_MEETING: _l("Meeting with a partner"),
    NoteKind.OTHER: _l("Other"),
}
URGENCY_LABELS = {
    Urgency.ROUTINE: _l("Routine"),
    Urgency.SOON: _l("Within the week"),
    Urgency.URGENT: _l("Urgent"),
}
REFERRAL_STATUS_LABELS = {
    ReferralStatus.PROPOSED: _l("Proposed"),
    ReferralStatus.SENT: _l("Sent"),
    ReferralStatus.ACCEPTED: _l("Accepted by the partner"),
    ReferralStatus.DECLINED: _l("Declined by the partner"),
    ReferralStatus.APPOINTMENT_SET: _l("Appointment set"),
    ReferralStatus.ATTENDED: _l("Attended"),
    ReferralStatus.NOT_ATTENDED: _l("Not attended"),
    ReferralStatus.CLOSED: _l("Closed"),
    ReferralStatus.CANCELLED: _l("Cancelled"),
}
DECLINE_REASON_LABELS = {
    DeclineReason.NO_CAPACITY: _l("No place or capacity"),
    DeclineReason.NOT_IN_SCOPE: _l("Not what the service does"),
    DeclineReason.NOT_ELIGIBLE: _l("The person is not eligible"),
    DeclineReason.OTHER: _l("Other"),
}
CANCEL_REASON_LABELS = {
    CancelReason.PERSON_DECLINED: _l("The person no longer wants it"),
    CancelReason.NO_LONGER_NEEDED: _l("No longer needed"),
    CancelReason.REFERRED_ELSEWHERE: _l("Referred elsewhere"),
    CancelReason.ENTERED_BY_MISTAKE: _l("Entered by mistake"),
    CancelReason.OTHER: _l("Other"),
}
REFERRAL_OUTCOME_LABELS = {
    ReferralOutcome.CARE_STARTED: _l("Care started"),
    ReferralOutcome.COMPLETED: _l("Completed"),
    ReferralOutcome.DROPPED_OUT: _l("Dropped out"),
    ReferralOutcome.REFUSED_BY_PERSON: _l("Refused by the person"),
    ReferralOutcome.OTHER: _l("Other"),
}
INSURANCE_STATUS_LABELS = {
    InsuranceStatus.INSURED: _l("Insured with a health insurance fund"),
    InsuranceStatus.NOT_IN_ORDER: _l("Insurance not in order"),
    InsuranceStatus.URGENT_MEDICAL_AID: _l("Urgent medical aid (CPAS/OCMW)"),
    InsuranceStatus.IRREGULAR_STAY: _l("Irregular stay"),
    InsuranceStatus.UNKNOWN: _l("Not known"),
}
REAFFILIATION_STEP_LABELS = {
    ReaffiliationStep.DOCUMENTS_GATHERED: _l("Documents gathered"),
    ReaffiliationStep.REQUEST_FILED: _l("Request filed"),
    ReaffiliationStep.AFFILIATED: _l("Affiliated"),
    ReaffiliationStep.REFUSED: _l("Refused"),
}
NOT_KNOWN = _l("Not known")
DRUG_LABELS = {
    Drug.HEROIN: _l("Heroin"),
    Drug.METHADONE: _l("Methadone (misused)"),
    Drug.BUPRENORPHINE: _l("Buprenorphine (misused)"),
    Drug.FENTANYLS: _l("Fentanyls (misused)"),
    Drug.OPIOIDS_OTHER: _l("Other opioids"),
    Drug.COCAINE_POWDER: _l("Cocaine powder"),
    Drug.CRACK: _l("Crack cocaine"),
    Drug.COCAINE_OTHER: _l("Other cocaine"),
    Drug.AMPHETAMINES: _l("Amphetamines"),
    Drug.METHAMPHETAMINE: _l("Methamphetamine"),
    Drug.MDMA: _l("MDMA"),
    Drug.CATHINONES: _l("Synthetic cathinones"),
    Drug.STIMULANTS_OTHER: _l("Other stimulants"),
    Drug.BARBITURATES: _l("Barbiturates"),
    Drug.BENZODIAZEPINES: _l("Benzodiazepines"),
    Drug.GHB: _l("GHB/GBL"),
    Drug.SEDATIVES_OTHER: _l("Other hypnotics and sedatives"),
    Drug.LSD: _l("LSD"),
    Drug.KETAMINE: _l("Ketamine"),
    Drug.HALLUCINOGENS_OTHER: _l("Other hallucinogens"),
    Drug.INHALANTS: _l("Volatile inhalants"),
    Drug.CANNABIS: _l("Cannabis (herbal, resin)"),
    Drug.SYNTHETIC_CANNABINOIDS: _l("Synthetic cannabinoids"),
    Drug.CANNABIS_OTHER: _l("Other cannabis"),
    Drug.ALCOHOL: _l("Alcohol (secondary drug only)"),
    Drug.OTHER: _l("Other substance"),
    Drug.NOT_KNOWN: NOT_KNOWN,
}
ROUTE_LABELS = {
    Route.INJECT: _l("Inject"),
    Route.SMOKE: _l("Smoke or inhale"),
    Route.EAT_DRINK: _l("Eat or drink"),
    Route.SNIFF: _l("Sniff"),
    Route.OTHER: _l("Other"),
    Route.NOT_KNOWN: NOT_KNOWN,
}
FREQUENCY_LABELS = {
    Frequency.DAILY: _l("Daily"),
    Frequency.FOUR_TO_SIX_DAYS: _l("4 to 6 days a week"),
    Frequency.TWO_TO_THREE_DAYS: _l("2 or 3 days a week"),
    Frequency.WEEKLY_OR_LESS: _l("Once a week or less"),
    Frequency.NOT_USED: _l("Not used in the last 30 days"),
    Frequency.NOT_KNOWN: NOT_KNOWN,
}
INJECTING_LABELS = {
    Injecting.NEVER: _l("Never injected"),
    Injecting.NOT_LAST_12_MONTHS: _l("Injected, not in the last 12 months"),
    Injecting.LAST_12_MONTHS: _l("Injected in the last 12 months, not the last 30 days"),
    Injecting.LAST_30_DAYS: _l("Injected in the last 30 days"),
    Injecting.WONT_ANSWER: _l("Does not want to answer"),
    Injecting.NOT_KNOWN: NOT_KNOWN,
}
SUBSTITUTION_LABELS = {
    Substitution.NEVER: _l("Never"),
    Substitution.EVER_NOT_CURRENTLY: _l("In the past, not now"),
    Substitution.CURRENTLY: _l("Currently"),
    Substitution.NOT_KNOWN: NOT_KNOWN,
}
TESTING_LABELS = {
    Testing.NEVER: _l("Never tested"),
    Testing.NOT_LAST_12_MONTHS: _l("Tested, not in the last 12 months"),
    Testing.LAST_12_MONTHS: _l("Tested in the last 12 months"),
    Testing.WONT_ANSWER: _l("Does not want to answer"),
    Testing.NOT_KNOWN: NOT_KNOWN,
}
TREATMENT_STATUS_LABELS = {
    TreatmentStatus.NEVER_TREATED: _l("Never treated before"),
    TreatmentStatus.PREVIOUSLY_TREATED: _l("Treated before"),
    TreatmentStatus.NOT_KNOWN: NOT_KNOWN,
}
REFERRAL_SOURCE_LABELS = {
    ReferralSource.JUSTICE: _l("Court, probation or police"),
    ReferralSource.GP: _l("General practitioner"),
    ReferralSource.DRUG_TREATMENT: _l("Another drug treatment centre"),
    ReferralSource.HEALTH_SOCIAL: _l("Another health, medical or social service"),
    ReferralSource.EDUCATION: _l("Educational services"),
    ReferralSource.SELF_FAMILY_FRIENDS: _l("Self, family or friends"),
    ReferralSource.OTHER: _l("Other"),
    ReferralSource.NOT_KNOWN: NOT_KNOWN,
}
LIVING_WHERE_LABELS = {
    LivingWhere.STABLE: _l("Stable accommodation"),
    LivingWhere.UNSTABLE_OR_HOMELESS: _l("Unstable accommodation or homeless"),
    LivingWhere.DETENTION: _l("Detention"),
    LivingWhere.OTHER: _l("Other"),
    LivingWhere.NOT_KNOWN: NOT_KNOWN,
}
LABOUR_STATUS_LABELS = {
    LabourStatus.OCCASIONALLY_EMPLOYED: _l("Occasionally employed"),
    LabourStatus.REGULARLY_EMPLOYED: _l("Regularly employed"),
    LabourStatus.STUDENT: _l("Student"),
    LabourStatus.UNEMPLOYED: _l("Unemployed"),
    LabourStatus.BENEFITS_PENSION_DISABLED: _l("Benefits, pension, house-maker or disabled"),
    LabourStatus.OTHER: _l("Other"),
    LabourStatus.NOT_KNOWN: NOT_KNOWN,
}
