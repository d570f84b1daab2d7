"""A team's opening times as plain data, and the arithmetic on them (no queries).

A :class:`Calendar` holds the weekly intervals in the team's time zone and the local days closed by a holiday.
An interval belongs to the day it opens on; one that closes at or before its opening time ends the next day
(22:00-02:00), so 00:00-00:00 is a whole day. A holiday closes its whole local day, also the part of the
previous evening's interval that runs past midnight into it. A calendar without weekly intervals is open
around the clock (holidays still close it).

All arithmetic is done in UTC, so a day that changes its clock (daylight saving) counts its real minutes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALWAYS = {weekday: ((time(0), time(0)),) for weekday in range(7)}
SEARCH_DAYS = 400  # how far ahead a due time or an opening is looked for before giving up
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    weekly: Mapping[int, Sequence[tuple[time, time]]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def has_hours(self) -> bool:
        return any(self.weekly.values())

    def _weekly(self) -> Mapping[int, Sequence[tuple[time, time]]]:
        return self.weekly if self.has_hours else ALWAYS

    def day_intervals(self, day: date) -> list[Interval]:
        """The open intervals that start on local ``day``, in UTC."""
        if day in self.holidays:
            return []
        out: list[Interval] = []
        for opens, closes in self._weekly().get(day.weekday(), ()):
            end_day = day if closes > opens else day + timedelta(days=1)
            end_time = time(0) if end_day != day and end_day in self.holidays else closes
            start = datetime.combine(day, opens, tzinfo=self.tz).astimezone(UTC)
            end = datetime.combine(end_day, end_time, tzinfo=self.tz).astimezone(UTC)
            if end > start:
                out.append((start, end))
        return out

    def intervals(self, start: datetime, *, days: int = SEARCH_DAYS) -> Iterator[Interval]:
        """The open intervals from ``start`` onwards (clipped to it), merged and in order, for ``days`` days."""
        first = start.astimezone(self.tz).date() - timedelta(days=1)  # yesterday's interval may run past midnight
        pending: Interval | None = None
        for offset in range(days + 1):
            for begin, end in sorted(self.day_intervals(first + timedelta(days=offset))):
                if end <= start:
                    continue
                begin = max(begin, start)
                if pending is None:
                    pending = (begin, end)
                elif begin <= pending[1]:
                    pending = (pending[0], max(pending[1], end))
                else:
                    yield pending
                    pending = (begin, end)
        if pending is not None:
            yield pending

    def is_open(self, at: datetime) -> bool:
        day = at.astimezone(self.tz).date()
        return any(begin <= at < end for d in (day - timedelta(days=1), day) for begin, end in self.day_intervals(d))

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Open seconds in [start, end)."""
        if end <= start:
            return 0.0
        days = (end.astimezone(self.tz).date() - start.astimezone(self.tz).date()).days + 1
        total = 0.0
        for begin, finish in self.intervals(start, days=days):
            if begin >= end:
                break
            total += (min(finish, end) - begin).total_seconds()
        return total

    def add_seconds(self, start: datetime, seconds: float) -> datetime | None:
        """The moment ``seconds`` of open time after ``start``; None when the calendar never opens that long."""
        left = seconds
        for begin, end in self.intervals(start):
            length = (end - begin).total_seconds()
            if left <= length:
                return begin + timedelta(seconds=left)
            left -= length
        return None

    def next_opening(self, at: datetime) -> datetime | None:
        """``at`` itself when open, else the next moment it opens (None if not within the search)."""
        return next((begin for begin, _end in self.intervals(at)), None)
