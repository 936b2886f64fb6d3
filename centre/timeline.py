"""A person's pathway is one timeline gathered from every domain, so every row has one shape.

Each domain offers selects of `entry(...)` columns for one person (reception its visits and
incidents, cases its case events, goals, notes, referrals and rights steps; housing and
day-labour theirs); the pathway page unions them and pages through them newest first. The
rows carry codes and ids only: each domain's labels turn them into words on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Date,
    Integer,
    String,
    cast,
    literal,
    null,
    type_coerce,
)
from sqlalchemy.types import TypeEngine

from centre.db import UTCDateTime

Column = ColumnExpressionArgument[Any]


@dataclass(frozen=True)
class Entry:
    """One row of a pathway: what happened (`source` and `what`), when, by whom, about what."""

    source: str  # "visit", "note", "referral", …: which domain's row, and how to show it
    row_id: int
    at: datetime  # the moment it happened or was recorded: the timeline's order
    on: date | None  # the date the entry declares, when it has one (a note's "written on")
    what: str | None  # a code of the source's own closed list (a note type, a status…)
    detail: str | None  # a second code (a closure reason, an incident's outcome…)
    by_id: int | None
    about_id: int | None  # the object it belongs to (a case, a goal, a referral, a site)


def entry(
    source: str,
    row_id: Column,
    at: Column,
    *,
    on: Column | None = None,
    what: Column | None = None,
    detail: Column | None = None,
    by_id: Column | None = None,
    about_id: Column | None = None,
) -> list[ColumnElement[Any]]:
    """The columns of one source's select, typed alike so PostgreSQL accepts the union and
    every row comes back with plain strings (an enum column's type would refuse another
    source's codes)."""
    return [
        literal(source, String()).label("source"),
        _as(row_id, Integer()).label("row_id"),
        _as(at, UTCDateTime()).label("at"),
        _as(on, Date()).label("on"),
        _as(what, String()).label("what"),
        _as(detail, String()).label("detail"),
        _as(by_id, Integer()).label("by_id"),
        _as(about_id, Integer()).label("about_id"),
    ]


def _as(column: Column | None, kind: TypeEngine[Any]) -> ColumnElement[Any]:
    # A missing column is a typed NULL (PostgreSQL must know a union column's type); a present
    # one keeps its SQL untouched (SQLite would read CAST(… AS DATE) as a number) and is only
    # read back as `kind`.
    if column is None:
        return cast(null(), kind)
    return type_coerce(column, kind)
