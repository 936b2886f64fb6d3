"""The words of every validation code (`centre.validation`), once, in fr / nl / en.

A code keeps one meaning and one message wherever it is raised: a person code mistyped on
the visit screen reads the same as in the person search.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from centre.i18n import language
from centre.validation import Problem

MESSAGES: dict[str, Any] = {
    # Any field
    "required": _l("This field is required."),
    "too_long": _l("Too long: keep it short."),
    "length": _l("At most %(n)d characters."),
    "range": _l("Between %(low)d and %(high)d."),
    "not_a_number": _l("Type a whole number."),
    # Person codes and national register numbers
    "code_length": _l("A code has 8 characters, e.g. K7MQ-3XZ9."),
    "code_character": _l("This code contains a character that codes never use."),
    "code_check": _l("This code is mistyped: its last character does not match. Check it again."),
    "code_mistyped": _l("This code is mistyped. Check it and try again."),
    "code_unknown": _l("No person has this code."),
    "code_unknown_or_empty": _l("No person has this code. Check it, or leave it empty."),
    "niss_format": _l("A national register number has 11 digits."),
    "niss_date": _l("The first six digits are not a possible birth date."),
    "niss_check": _l("This number is mistyped: its check digits do not match."),
    # People
    "search_empty": _l("Give a national register number, or a last name with a birth date."),
    "identity_without_consent": _l(
        "Identity can be kept only if the person agrees. Tick the box, or empty the identity "
        "fields."
    ),
    "consent_method": _l("Say how the person gave consent."),
    # Notes of a person's file
    "note_too_long": _l(
        "A note has at most %(n)d characters; this one has %(count)d. Shorten it, or write "
        "the rest in a second note."
    ),
    "note_date_future": _l("A note is about something that happened: not a date in the future."),
    "note_date_too_old": _l("Check the year: a note's date is from 2000 on."),
    "note_not_author": _l(
        "Only the worker who wrote this note can correct it. Your text is kept below: save it "
        "as an addendum."
    ),
    "note_correction_closed": _l(
        "This note was written more than 24 hours ago and can no longer be corrected. Your "
        "text is kept below: save it as an addendum."
    ),
    "note_erased": _l(
        "This note was erased with the person's identity: it can no longer be corrected."
    ),
    # Reception
    "inactive": _l("This item is no longer in use. Choose another one."),
    "negative": _l("A quantity cannot be negative."),
    "absurd": _l("This quantity is not possible. Check it."),
    "above_max": _l("More than usual for one visit. Tick “Large quantities are right” if so."),
    "return_both": _l("Give either a counted number or a container volume, not both."),
    "litres_range": _l("A container volume is between 0.1 and 100 litres."),
    "naloxone_range": _l("Between 0 and 20 doses."),
    "naloxone_kind": _l("Naloxone goes with an overdose or a medical emergency."),
    "time_range": _l("The time must be within the last 7 days, not in the future."),
    "empty": _l(
        "Nothing to save: give the person's code, tick a service (for example the "
        "reception itself), or give material or a return."
    ),
    "incomplete": _l("The form arrived incomplete, so nothing was changed. Reload the page."),
    # Accounts
    "password_short": _l("The password must have at least %(n)d characters."),
    "password_long": _l("The password must have at most %(n)d characters."),
    "password_common": _l(
        "This password is too common or too easy to guess (a common password, word or "
        "pattern). Try a few unrelated words."
    ),
    "password_same": _l("The new password must differ from the current one."),
    "password_wrong": _l("The current password is wrong."),
    "username_invalid": _l("Use 3 to 64 letters, digits, dots, dashes or underscores."),
    "username_taken": _l("This username is already taken."),
    # Dates
    "date_future": _l("This date is in the future."),
    "date_too_old": _l("Check the year: this date is too long ago."),
    "date_too_far": _l("Check the year: this date is too far ahead."),
    # Case files and plans
    "case_already_open": _l("This person already has an open case."),
    "case_closed": _l("This case is closed. Reopen it to change it."),
    "case_not_closed": _l("This case is open already."),
    "closed_before_opened": _l("A case cannot close before the day it was opened."),
    "worker_invalid": _l("Choose an active social worker."),
    "worker_twice": _l("The second worker must be someone else than the key worker."),
    "before_agreed": _l("This date is before the day the goal was agreed."),
    # Any record edited by two people at once
    "changed_since_opened": _l(
        "Someone else saved this since you opened it. Your input is kept below: check their "
        "changes (open the page again in another tab), then save again."
    ),
    # Partner directory
    "control_character": _l("Remove the invisible control characters from this text."),
    "email_format": _l("Type an e-mail address such as info@example.be."),
    "website_format": _l("Type a web address such as https://www.example.be."),
    "phone_format": _l(
        "Type a phone number of at least 6 digits, with only spaces and + ( ) . / - between "
        "them, e.g. +32 2 123 45 67."
    ),
    "communes_required": _l(
        "Tick at least one commune the service serves (all 19 for the whole region)."
    ),
    "languages_required": _l("Tick at least one language the service can be reached in."),
    "other_languages_missing": _l("Name the other languages, e.g. Arabic, Romanian."),
    # Catalogues
    "key_format": _l("Use 2 to 40 lower-case letters, digits or underscores, e.g. naloxone_kit."),
    "key_taken": _l("This key is already used in this catalogue. Choose another one."),
    "shortcut_format": _l("One letter, a to z, or nothing."),
    "shortcut_taken": _l(
        "The letter %(letter)s is already used by the active service “%(service)s”."
    ),
    # Care-orientation referrals
    "partner_choose": _l("Choose the partner service: search the directory, then pick one."),
    "referral_in_future": _l("A referral cannot be dated in the future."),
    "referral_too_old": _l("Check the year: a referral is entered at most a year late."),
    "too_far_ahead": _l("Check the year: at most two years ahead."),
    "follow_up_before_referral": _l("The follow-up cannot be before the referral date."),
    "sharing_without_consent": _l(
        "The person has not agreed that we share their identity with partners, so the partner "
        "gets the code only. Record that consent on the person's page first."
    ),
    "status_jump": _l(
        "This step cannot follow the referral's current status. Choose one of the steps offered."
    ),
    "referral_finished": _l("This referral is finished: it has no follow-up any more."),
    "step_in_future": _l("A step cannot be dated in the future."),
    "step_before_referral": _l("This date is before the referral itself."),
    "step_before_last": _l("This date is before the referral's last step."),
    "step_before_appointment": _l("This date is before the appointment."),
    "appointment_before_referral": _l("The appointment cannot be before the referral date."),
    "follow_up_before_step": _l("The next follow-up cannot be before the date of this step."),
    # Rights, health insurance and the substance-use profile
    "reaffiliation_decision_without_request": _l(
        "A decision (affiliated or refused) follows a filed request. Record the request first."
    ),
    "reaffiliation_request_pending": _l(
        "A request is already filed and waits for its decision. Record the decision (affiliated "
        "or refused) first; a new pathway can start after it."
    ),
    "reaffiliation_documents_again": _l(
        "The documents are already gathered: the next step is filing the request."
    ),
    "reaffiliation_before_last": _l(
        "This date is before the last step of the re-affiliation. Check the date."
    ),
    "alcohol_primary": _l(
        "Alcohol is recorded as a secondary drug only. Choose the main other substance as the "
        "primary drug, or “Not known”."
    ),
    "secondary_same_as_primary": _l(
        "The secondary drug must differ from the primary drug. Choose another one, or “Not known”."
    ),
    "injecting_never_but_route": _l(
        "The usual route is injecting, so the person has injected: check this answer or the route."
    ),
    # Housing: stays and the bed board
    "move_in_before_entry": _l("The move-in cannot be before the entry date."),
    "move_in_after_exit": _l("The move-in cannot be after the exit date."),
    "already_moved_in": _l("The move-in of this stay is recorded already."),
    "already_exited": _l("This stay has ended already."),
    "exit_before_entry": _l("The exit cannot be before the entry date."),
    "exit_before_move_in": _l("The exit cannot be before the move-in date."),
    "programme_inactive": _l("This programme is closed: choose an active one."),
    "programme_full": _l("This programme is full on that date: no free bed or place."),
    "bed_invalid": _l("Choose one of this programme's beds."),
    "bed_blocked": _l("This bed is blocked on that night: choose another."),
    "bed_occupied": _l("Someone already has this bed on that night: choose another."),
    "person_has_stay": _l(
        "This person already has a stay running on that date: record its exit first."
    ),
    # Housing: programmes and the ladder
    "programme_name_taken": _l(
        "Another programme, perhaps an inactive one, already has this name. Choose another one."
    ),
    "run_by_none": _l("Choose the site where the centre runs it, or the partner that runs it."),
    "run_by_both": _l(
        "A programme is run either by the centre at one of its sites or by a partner: not both."
    ),
    "site_inactive": _l("Choose one of the centre's active sites."),
    "partner_inactive": _l("Choose an active partner of the directory."),
    "run_by_locked": _l(
        "This programme already has stays: it cannot move between the centre and a partner. "
        "Deactivate it and create a new programme instead."
    ),
    "capacity_beds_occupied": _l(
        "%(occupied)d of the beds are occupied: the capacity cannot go below %(occupied)d "
        "until they are free."
    ),
    "window_without_max": _l("Give the number of nights first, then the window it counts in."),
    "window_shorter_than_max": _l(
        "The window must be at least as long as the number of nights (%(nights)d)."
    ),
    "ladder_step_inactive": _l("Choose an active step of the ladder."),
    "ladder_step_in_use": _l(
        "This step cannot be deactivated: %(count)d active programme(s) stand on it "
        "(%(programmes)s). Move them to another step first."
    ),
    # Housing: waiting lists
    "programme_without_list": _l(
        "Emergency and night shelters give their beds night by night on the bed board: they "
        "have no waiting list."
    ),
    "application_pending": _l(
        "This person is already on this programme's waiting list: change that application instead."
    ),
    "application_final": _l(
        "This application is closed (accepted, declined, refused or withdrawn): it no longer "
        "changes. Make a new application if the person applies again."
    ),
    "application_status_jump": _l(
        "This change cannot follow the application's current status. Choose one of those offered."
    ),
    "before_application": _l("This date is before the application date."),
    "before_last_change": _l("This date is before the application's last change."),
    "bed_taken": _l("Someone gave this bed away a moment ago: choose another."),
    # Day labour: offers and the morning sign-up
    "ends_before_start": _l("The end must be after the start."),
    "rate_invalid": _l("An hourly rate in euros and cents, from 0 to 100."),
    "offer_cancelled": _l("This job was cancelled: nobody can sign up for it."),
    "already_signed_up": _l("This person is already signed up for this job."),
    "same_time_slot": _l("This person is signed up for another job at the same time that day."),
    "phase_reached_already": _l("This person reached this phase already, on another date."),
    "offer_full": _l("This job is full. Choose another, or put the person in the waiting order."),
    # Duplicates: two codes found to be the same person, merged, and the merge undone
    "merge_same_code": _l("This is this person's own code. Type the code of the other record."),
    "merge_already_merged": _l(
        "Code %(merged)s was already merged into %(kept)s: it is the same person now."
    ),
    "merge_both_open": _l(
        "Both persons have an open case, and a person has one open case at a time. Close one "
        "of the two cases first, then merge."
    ),
    "merge_both_housed": _l(
        "Both persons have a housing stay running, and a person stays in one place at a time. "
        "Record the exit of one of the two stays first, then merge."
    ),
    "merge_both_day_labour": _l(
        "Both persons signed up for the same day job, or reached the same work phase. Cancel "
        "one of the two first, then merge."
    ),
    "merge_both_waiting": _l(
        "Both persons are on the same programme's waiting list. Withdraw one of the two "
        "applications first, then merge."
    ),
    "merge_undo_refused": _l("This merge cannot be undone."),
    "merge_already_undone": _l("This merge was already undone."),
    "merge_undo_too_late": _l(
        "A merge can be undone within %(days)d days of it only: this one is final."
    ),
    "merge_undo_later_first": _l(
        "This person was merged into %(code)s since. Undo that merge first, from the file "
        "of %(code)s."
    ),
    "merge_undo_erased": _l(
        "An identity was erased since the merge, and with it the key that the moved notes "
        "and remarks need: this merge can no longer be undone."
    ),
    # Day labour: attendance and pay
    "hours_not_a_number": _l("Type the hours worked as a number, e.g. 3.75."),
    "hours_positive": _l("Hours worked must be more than 0. Someone who did not work is absent."),
    "hours_quarter": _l("Hours are counted to the quarter hour: e.g. 3, 3.25, 3.5 or 3.75."),
    "hours_beyond_offer": _l("More hours than the job lasted (%(hours)s h)."),
    "hours_left_early": _l(
        "Someone who left early worked fewer hours than the job lasted. Correct the hours, "
        "or mark the person present."
    ),
    "hours_when_absent": _l("Someone absent worked no hours: leave the hours empty."),
    "correction_unchanged": _l("These are the hours already paid: there is nothing to correct."),
}


def message(problem: Problem | str) -> str:
    """The message of a problem (or a bare code) in the page's language."""
    if isinstance(problem, str):
        problem = Problem(problem)
    text = str(MESSAGES[problem.code])
    if not problem.params:
        return text
    current = language()
    return text % {
        name: value.get(current, next(iter(value.values()))) if isinstance(value, dict) else value
        for name, value in problem.params.items()
    }
