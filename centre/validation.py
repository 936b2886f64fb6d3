"""One shape for what is wrong with an input: field name -> problems, each a message code.

Services find every problem at once and raise `FieldErrors`; routes show each message beside
its field (`centre.forms.show_errors`), keeping everything that was typed. The words of
every code live in one catalogue, `centre.messages`, in the three languages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Problem:
    """A message code, with the values its message names (limits, a letter; never data
    about a person). A value given as {"fr": …, "nl": …, "en": …} is shown in the page's
    language."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


class FieldErrors(Exception):
    """Every problem of an input, by field; empty means none."""

    def __init__(self, problems: Mapping[str, list[str]] | None = None) -> None:
        super().__init__()
        self.problems: dict[str, list[Problem]] = {}
        for name, codes in (problems or {}).items():
            for code in codes:
                self.add(name, code)

    def add(self, name: str, code: str, **params: Any) -> None:
        self.problems.setdefault(name, []).append(Problem(code, params))

    def merge(self, other: FieldErrors) -> None:
        for name, problems in other.problems.items():
            self.problems.setdefault(name, []).extend(problems)

    def raise_if_any(self) -> None:
        if self:
            raise self

    def get(self, name: str) -> list[Problem]:
        return self.problems.get(name, [])

    def codes(self, name: str) -> list[str]:
        return [problem.code for problem in self.get(name)]

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __contains__(self, name: object) -> bool:
        return name in self.problems

    def __iter__(self) -> Iterator[str]:
        return iter(self.problems)

    def __str__(self) -> str:
        # Field names and codes only: never the submitted values.
        return ", ".join(f"{name}: {'/'.join(self.codes(name))}" for name in self.problems)


def single(name: str, code: str, **params: Any) -> FieldErrors:
    """FieldErrors with one problem."""
    errors = FieldErrors()
    errors.add(name, code, **params)
    return errors


class ChangedSinceOpenedError(Exception):
    """Someone saved the same record since this form was opened (optimistic locking).

    The route shows the form again with what was typed, and says so; nothing is overwritten.
    """


def check_version(current: int, submitted: int | None) -> None:
    """ChangedSinceOpenedError unless the form was opened on the record's current version."""
    if submitted != current:
        raise ChangedSinceOpenedError()


# Dates before this are typing mistakes (a year typed wrong), not the centre's history.
EARLIEST = date(2000, 1, 1)


def check_day(problems: FieldErrors, name: str, day: date | None, latest: date) -> None:
    """A date of something that happened: given, not after `latest`, not absurdly old."""
    if day is None:
        problems.add(name, "required")
    elif day > latest:
        problems.add(name, "date_future")
    elif day < EARLIEST:
        problems.add(name, "date_too_old")
