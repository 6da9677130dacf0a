"""The counts as plain-text tables for the terminal (``installation stats``)."""

from __future__ import annotations

from datetime import timedelta

from installation.stats.store import CONTROL_LABELS, Counts, Summary


def _duration(seconds: float) -> str:
    """``seconds`` for people: ``45 s``, ``12 min``, ``3 h 05 min``.

    >>> _duration(44.6), _duration(720), _duration(11100)
    ('45 s', '12 min', '3 h 05 min')
    """
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def format_table(summary: Summary) -> str:
    """The summary as plain-text tables for the terminal."""
    lines = []
    if summary.first is not None and summary.last is not None:
        span = f"{summary.first:%Y-%m-%d %H:%M} to {summary.last + timedelta(minutes=1):%Y-%m-%d %H:%M}"
        lines.append(f"{summary.minutes} minute(s) with something counted, {span}")
        lines.append("")
    names = sorted(summary.cameras)
    width = max([len("camera"), len("all cameras"), *map(len, names)])
    lines.append(f"{'camera':<{width}}  {'faces':>6}  {'exposed':>10}  {'hidden':>10}  {'exposed share':>13}")

    def line(name: str, c: Counts) -> str:
        shown = c.exposed_s + c.hidden_s
        share = f"{100 * c.exposed_s / shown:.0f} %" if shown else "-"
        times = f"{_duration(c.exposed_s):>10}  {_duration(c.hidden_s):>10}"
        return f"{name:<{width}}  {c.faces_seen:>6}  {times}  {share:>13}"

    for name in names:
        lines.append(line(name, summary.cameras[name]))
    if len(names) > 1:
        lines.append(line("all cameras", summary.total))
    lines += ["", "faces per hour"]
    for hour in sorted(summary.hours):
        lines.append(f"  {hour:%Y-%m-%d %H}:00  {sum(summary.hours[hour].values()):>6}")
    t = summary.total
    lines += ["", "controls used"]
    for label, column in CONTROL_LABELS:
        lines.append(f"  {label:<14}{getattr(t, column):>6}")
    lines.append(f"  by touch {t.by_touch}, by key {t.by_key}, by panel {t.by_panel} ({t.changes} changes)")
    return "\n".join(lines)
