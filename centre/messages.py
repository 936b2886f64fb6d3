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
    # Any record edited by two people at once
    "changed_since_opened": _l(
        "Someone else saved this since you opened it. Your input is kept below: check their "
        "changes (open the page again in another tab), then save again."
    ),
    # Catalogues
    "key_format": _l("Use 2 to 40 lower-case letters, digits or underscores, e.g. naloxone_kit."),
    "key_taken": _l("This key is already used in this catalogue. Choose another one."),
    "shortcut_format": _l("One letter, a to z, or nothing."),
    "shortcut_taken": _l(
        "The letter %(letter)s is already used by the active service “%(service)s”."
    ),
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
