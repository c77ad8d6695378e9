"""What the counters hand to the database: counts keyed by day, establishment, role, service."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from lien.usage.models import ALL_SERVICES


@dataclass(frozen=True, order=True)
class Key:
    day: date
    establishment_id: int
    role: str
    service: str

    def whole_day(self) -> Key:
        return Key(self.day, self.establishment_id, self.role, ALL_SERVICES)

    def encode(self) -> str:
        return f"{self.day.isoformat()}|{self.establishment_id}|{self.role}|{self.service}"

    @classmethod
    def decode(cls, text: str) -> Key:
        day, establishment_id, role, service = text.split("|")
        return cls(date.fromisoformat(day), int(establishment_id), role, service)


@dataclass
class Batch:
    """Counts taken from the counters, to add to DailyUsage.

    Page views and sessions are increments; visitors are the unique visitors counted so far
    for the day (DailyUsage keeps the larger of its value and this one). A batch with a code
    is added at most once.
    """

    page_views: Counter[Key] = field(default_factory=Counter)
    sessions: Counter[Key] = field(default_factory=Counter)
    visitors: dict[Key, int] = field(default_factory=dict)
    code: str = ""

    def is_empty(self) -> bool:
        return not (self.page_views or self.sessions or self.visitors)
