"""Opening hours: weekday spans, closed dates, and when the room opens or closes next."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from installation.config import parse_config
from installation.errors import ConfigError
from installation.schedule import Schedule, format_moment, parse_closed, parse_hours

# Monday 15 December 2025 is a Monday; 22 and 29 December are the next Mondays.
MON = datetime(2025, 12, 15)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 12, day, hour, minute, second)


def gallery() -> Schedule:
    """Tuesday to Saturday 10-18 with a lunch break on Saturday; Sunday and Monday closed."""
    return Schedule.from_strings(
        {
            "tuesday": "10:00-18:00",
            "wednesday": "10:00-18:00",
            "thursday": "10:00-20:30",
            "friday": "10:00-18:00",
            "saturday": "10:00-13:00, 14:00-18:00",
        },
        closed=["2025-12-25", "2025-12-31..2026-01-01"],
        default="closed",
    )


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("10:00-18:00", ((600, 1080),)),
        (" 9:30 - 12:00 ,13:00-17:45", ((570, 720), (780, 1065))),
        ("00:00-24:00", ((0, 1440),)),
        ("Always", ((0, 1440),)),
        ("closed", ()),
    ],
)
def test_hours_parse_into_minute_spans(text: str, spans: tuple[tuple[int, int], ...]) -> None:
    assert parse_hours(text) == spans


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("10-18", "not a span"),
        ("10:00-25:00", "not a span"),
        ("10:60-12:00", "not a span"),
        ("18:00-02:00", "split it at midnight"),
        ("10:00-14:00, 13:00-18:00", "overlap"),
        ("", "not a span"),
    ],
)
def test_bad_hours_say_what_is_expected(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_hours(text)


def test_closed_dates_are_single_days_or_inclusive_spans() -> None:
    assert parse_closed("2025-12-24..2025-12-26") == (date(2025, 12, 24), date(2025, 12, 26))
    for bad in ("2025-12-32", "25-12-2025", "2025-12-26..2025-12-24", "tomorrow"):
        with pytest.raises(ValueError):
            parse_closed(bad)


def test_open_exactly_within_the_hours_of_each_weekday() -> None:
    week = gallery()
    assert not week.is_open(at(15, 12))  # Monday closed
    assert not week.is_open(at(16, 9, 59, 59))
    assert week.is_open(at(16, 10))  # opening minute included
    assert week.is_open(at(16, 17, 59, 59))
    assert not week.is_open(at(16, 18))  # closing minute excluded
    assert week.is_open(at(18, 20, 15))  # late Thursday
    assert not week.is_open(at(20, 13, 30))  # Saturday lunch break
    assert week.is_open(at(20, 14))


def test_closed_dates_win_over_the_weekday() -> None:
    week = gallery()
    assert not week.is_open(at(25, 12))  # Christmas, a Thursday
    assert not week.is_open(at(31, 12))
    assert not week.is_open(datetime(2026, 1, 1, 12))
    assert week.is_open(datetime(2026, 1, 2, 12))


def test_the_next_change_steps_over_closed_days() -> None:
    week = gallery()
    assert week.next_change(at(16, 12)) == at(16, 18)
    assert week.next_change(at(16, 18)) == at(17, 10)  # the moment of closing counts as closed
    assert week.next_change(at(20, 12)) == at(20, 13)  # lunch
    assert week.next_change(at(20, 13)) == at(20, 14)
    assert week.next_change(at(20, 18)) == at(23, 10)  # over Sunday and Monday
    assert week.next_change(at(24, 18)) == at(26, 10)  # over Christmas
    assert week.next_change(at(30, 18)) == datetime(2026, 1, 2, 10)  # over New Year's Eve and Day


def test_days_open_around_midnight_do_not_change_at_midnight() -> None:
    week = Schedule.from_strings({"friday": "18:00-24:00", "saturday": "00:00-02:00"}, default="closed")
    assert week.is_open(at(19, 23, 59)) and week.is_open(at(20, 1))
    assert week.next_change(at(19, 20)) == at(20, 2)


def test_always_open_and_never_open_have_no_next_change() -> None:
    assert Schedule.always().next_change(MON) is None
    assert Schedule.from_strings({}, default="closed").next_change(MON) is None
    assert Schedule.always().is_always_open and not gallery().is_always_open


def test_the_week_reads_in_one_line() -> None:
    assert gallery().describe() == (
        "Mon closed; Tue-Wed 10:00-18:00; Thu 10:00-20:30; Fri 10:00-18:00; "
        "Sat 10:00-13:00, 14:00-18:00; Sun closed; 2 closed dates"
    )


def test_moments_read_as_people_say_them() -> None:
    assert format_moment(at(16, 18), at(16, 12)) == "18:00"
    assert format_moment(at(17, 10), at(16, 19)) == "tomorrow 10:00"
    assert format_moment(at(23, 10), at(20, 19)) == "Tue 23 Dec 10:00"
    assert format_moment(None, at(20, 19)) == "never"


def test_the_config_checks_the_hours_and_names_key_and_line() -> None:
    text = '[[cameras]]\nsource = "pattern:bars"\n\n[hours]\nmonday = "10:00-18:00"\ntuesday = "10-18"\n'
    with pytest.raises(ConfigError, match=r"^a\.toml: hours\.tuesday: '10-18' is not a span .* \(line 6\)$"):
        parse_config(text, "a.toml")
    dates = (
        '[[cameras]]\nsource = "pattern:bars"\n'
        '[hours]\nclosed_dates = [2025-12-25, "2026-01-01..2026-01-02"]\n'
    )
    config = parse_config(dates, "a.toml")
    assert config.hours.closed_dates == ["2025-12-25", "2026-01-01..2026-01-02"]  # TOML dates welcome
    week = Schedule.from_config(config.hours)
    assert not week.is_open(at(25, 12)) and week.is_open(at(24, 12))
