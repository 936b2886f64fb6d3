"""Offset pagination for list pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(
    session: Session,
    query: Select[*tuple[Any, ...]],
    *,
    page: int,
    per_page: int,
    rows: bool = False,
) -> Page[Any]:
    """One page of `query`'s results: objects, or with `rows` whole rows (several columns)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, page), pages)
    window = query.limit(per_page).offset((number - 1) * per_page)
    items = session.execute(window).all() if rows else session.scalars(window).all()
    return Page(items=items, number=number, per_page=per_page, total=total)
