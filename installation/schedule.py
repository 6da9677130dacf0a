"""Opening hours: when the room is open, and when that changes next.

Each weekday has its hours as one string (``"10:00-18:00"``, several spans
separated by commas, ``"always"`` or ``"closed"``), and whole dates can be
closed (``"2025-12-25"`` or a span ``"2025-12-24..2025-12-26"``). Times are
the machine's local wall-clock time. The clock is always passed in, so the
kiosk's tests move time instead of waiting for it.

>>> week = Schedule.from_strings({"monday": "10:00-18:00"}, closed=["2025-12-22"], default="closed")
>>> week.is_open(datetime(2025, 12, 15, 9, 59)), week.is_open(datetime(2025, 12, 15, 10, 0))
(False, True)
>>> week.is_open(datetime(2025, 12, 22, 12, 0))  # a Monday, but closed that date
False
>>> week.next_change(datetime(2025, 12, 15, 12, 0))
datetime.datetime(2025, 12, 15, 18, 0)
>>> week.next_change(datetime(2025, 12, 15, 18, 0))  # next Monday is closed: the one after
datetime.datetime(2025, 12, 29, 10, 0)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from installation.errors import ConfigError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: Minutes from midnight, start included, end excluded; end may be 24:00 (1440).
Span = tuple[int, int]

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Far enough to step over a closed stretch of a year and still find the next opening.
_HORIZON_DAYS = 400


def _minutes(text: str) -> int:
    match = _TIME.match(text)
    if not match:
        raise ValueError(text)
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(text)
    return hours * 60 + minutes


def parse_hours(text: str) -> tuple[Span, ...]:
    """One weekday's hours as spans of minutes.

    >>> parse_hours("10:00-13:00, 14:00-18:30")
    ((600, 780), (840, 1110))
    >>> parse_hours("always"), parse_hours("closed")
    (((0, 1440),), ())
    >>> parse_hours("18:00-02:00")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 18:00-02:00 ends before it starts; split it at midnight: "18:00-24:00" and ...
    """
    value = text.strip().lower()
    if value == "always":
        return ((0, 1440),)
    if value == "closed":
        return ()
    spans: list[Span] = []
    for part in value.split(","):
        try:
            start_text, end_text = part.split("-")
            start, end = _minutes(start_text), _minutes(end_text)
        except ValueError:
            raise ValueError(
                f'{part.strip()!r} is not a span such as "10:00-18:00"; '
                'write spans like "10:00-13:00, 14:00-18:00", or "always", or "closed"'
            ) from None
        if end <= start:
            raise ValueError(
                f"{part.strip()} ends before it starts; split it at midnight: "
                f'"{start_text.strip()}-24:00" and "00:00-{end_text.strip()}" the next day'
            )
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise ValueError(f"{text.strip()!r}: the spans overlap")
    return tuple(spans)


def parse_closed(text: str) -> tuple[date, date]:
    """A closed date or an inclusive span of dates.

    >>> parse_closed("2025-12-24..2025-12-26")
    (datetime.date(2025, 12, 24), datetime.date(2025, 12, 26))
    >>> parse_closed("2026-01-01")
    (datetime.date(2026, 1, 1), datetime.date(2026, 1, 1))
    """
    parts = [p.strip() for p in text.split("..")]
    try:
        if len(parts) > 2 or not all(_DATE.match(p) for p in parts):
            raise ValueError(text)
        first, last = date.fromisoformat(parts[0]), date.fromisoformat(parts[-1])
    except ValueError:
        raise ValueError(
            f'{text!r} is not a date such as "2025-12-25" or a span such as "2025-12-24..2025-12-26"'
        ) from None
    if last < first:
        raise ValueError(f"{text!r}: the span ends before it starts")
    return first, last


class Schedule:
    """Opening hours per weekday plus closed dates."""

    def __init__(self, week: Sequence[tuple[Span, ...]], closed: Iterable[tuple[date, date]] = ()) -> None:
        if len(week) != 7:
            raise ValueError("a week has 7 days")
        self.week = tuple(tuple(day) for day in week)
        self.closed = tuple(closed)

    @classmethod
    def always(cls) -> Schedule:
        """Open day and night, every day."""
        return cls([((0, 1440),)] * 7)

    @classmethod
    def from_strings(
        cls, days: Mapping[str, str], closed: Iterable[str] = (), default: str = "always"
    ) -> Schedule:
        """From weekday names to hour strings (missing days get ``default``) and closed-date strings."""
        return cls(
            [parse_hours(days.get(name, default)) for name in WEEKDAYS], [parse_closed(c) for c in closed]
        )

    @classmethod
    def from_config(cls, hours: object) -> Schedule:
        """From the config's ``[hours]`` table (already checked on load)."""
        days = {name: str(getattr(hours, name)) for name in WEEKDAYS}
        return cls.from_strings(days, list(getattr(hours, "closed_dates", [])))

    @property
    def is_always_open(self) -> bool:
        return not self.closed and all(day == ((0, 1440),) for day in self.week)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        """The hours open on ``day`` (none on a closed date)."""
        if any(first <= day <= last for first, last in self.closed):
            return ()
        return self.week[day.weekday()]

    def is_open(self, when: datetime) -> bool:
        minute = when.hour * 60 + when.minute + when.second / 60 + when.microsecond / 60e6
        return any(start <= minute < end for start, end in self.spans_on(when.date()))

    def next_change(self, when: datetime) -> datetime | None:
        """The first moment after ``when`` at which the room opens or closes; None if it never does."""
        now_open = self.is_open(when)
        day = when.date()
        for offset in range(_HORIZON_DAYS):
            d = day + timedelta(days=offset)
            midnight = datetime(d.year, d.month, d.day)
            # Every span edge on this day, plus midnight (a closed date starts there).
            edges = sorted({0, *(m for span in self.spans_on(d) for m in span)})
            for minute in edges:
                moment = midnight + timedelta(minutes=minute)
                if moment > when and self.is_open(moment) != now_open:
                    return moment
        return None

    def describe(self) -> str:
        """The week in one line, e.g. ``Mon-Fri 10:00-18:00; Sat-Sun closed``.

        >>> weekend = {"saturday": "closed", "sunday": "closed"}
        >>> Schedule.from_strings(weekend, default="10:00-18:00").describe()
        'Mon-Fri 10:00-18:00; Sat-Sun closed'
        >>> Schedule.always().describe()
        'always open'
        """
        if self.is_always_open:
            return "always open"
        names = [n[:3].capitalize() for n in WEEKDAYS]
        groups: list[tuple[int, int, str]] = []
        for i, day in enumerate(self.week):
            text = _spans_text(day)
            if groups and groups[-1][2] == text:
                groups[-1] = (groups[-1][0], i, text)
            else:
                groups.append((i, i, text))
        parts = [(names[a] if a == b else f"{names[a]}-{names[b]}") + f" {t}" for a, b, t in groups]
        if self.closed:
            parts.append(f"{len(self.closed)} closed date{'s' if len(self.closed) != 1 else ''}")
        return "; ".join(parts)


def _spans_text(spans: tuple[Span, ...]) -> str:
    if not spans:
        return "closed"
    if spans == ((0, 1440),):
        return "open all day"
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in spans)


def parse_daily(text: str) -> tuple[Span, ...]:
    """Hours that are the same every day (the kiosk's ``steering_hours``): spans as a weekday's,
    ``"always"`` or ``"never"``.

    >>> parse_daily("never"), parse_daily("09:30-12:00")
    ((), ((570, 720),))
    """
    return parse_hours("closed" if text.strip().lower() == "never" else text)


def within(spans: Sequence[Span], moment: datetime) -> bool:
    """True when the time of day of ``moment`` lies in one of ``spans``.

    >>> within(parse_daily("10:00-17:00"), datetime(2025, 12, 15, 16, 59)), within((), datetime(2025, 12, 15))
    (True, False)
    """
    minute = moment.hour * 60 + moment.minute
    return any(start <= minute < end for start, end in spans)


def check_hours(hours: object) -> None:
    """Raises ConfigError naming the ``[hours]`` key that does not parse."""
    for name in WEEKDAYS:
        try:
            parse_hours(str(getattr(hours, name)))
        except ValueError as exc:
            raise ConfigError(f"hours.{name}: {exc}") from None
    for i, text in enumerate(getattr(hours, "closed_dates", [])):
        try:
            parse_closed(text)
        except ValueError as exc:
            raise ConfigError(f"hours.closed_dates[{i}]: {exc}") from None


def format_moment(moment: datetime | None, now: datetime) -> str:
    """A coming moment for people: ``18:00``, ``tomorrow 10:00`` or ``Mon 29 Dec 10:00``.

    >>> format_moment(datetime(2025, 12, 16, 10, 0), datetime(2025, 12, 15, 20, 0))
    'tomorrow 10:00'
    """
    if moment is None:
        return "never"
    clock = moment.strftime("%H:%M")
    days = (moment.date() - now.date()).days
    if days == 0:
        return clock
    if days == 1:
        return f"tomorrow {clock}"
    return f"{WEEKDAYS[moment.weekday()][:3].capitalize()} {moment.day} {moment.strftime('%b')} {clock}"
