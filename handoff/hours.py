"""Business hours of the human team, e.g. ``Mon-Fri 09:00-18:00, Sat 10:00-14:00``.

Empty means always open. Outside these hours, or with no agent online, a
customer who asks for a person is told so and may leave a message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPAN = re.compile(r"^\s*(\w{3})(?:\s*-\s*(\w{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class OpeningSpan:
    days: frozenset[int]
    opens: dt.time
    closes: dt.time


class BusinessHours:
    def __init__(self, spec: str, timezone: str = "UTC") -> None:
        self.spans = [self._parse(part) for part in spec.split(",") if part.strip()]
        self.zone = ZoneInfo(timezone)

    @staticmethod
    def _parse(part: str) -> OpeningSpan:
        match = _SPAN.match(part.lower())
        if not match or match[1] not in DAYS or (match[2] and match[2] not in DAYS):
            raise ValueError(f"business hours: cannot read {part.strip()!r}; write e.g. 'Mon-Fri 09:00-18:00'")
        first = DAYS.index(match[1])
        last = DAYS.index(match[2]) if match[2] else first
        days = (
            frozenset(range(first, last + 1)) if first <= last else frozenset([*range(first, 7), *range(0, last + 1)])
        )
        return OpeningSpan(days, dt.time(int(match[3]), int(match[4])), dt.time(int(match[5]), int(match[6])))

    def is_open(self, now: dt.datetime | None = None) -> bool:
        if not self.spans:
            return True
        local = (now or dt.datetime.now(dt.UTC)).astimezone(self.zone)
        return any(local.weekday() in s.days and s.opens <= local.time() < s.closes for s in self.spans)
