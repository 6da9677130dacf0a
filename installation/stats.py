"""Anonymous statistics: counts per camera and minute, appended to a CSV; ``installation stats``.

What is counted, in memory, while the room runs: per camera and minute, how
many faces were seen, how many seconds some face was on screen exposed and
how many hidden, and how often visitors changed the controls, by input
(touch screen, keyboard, physical panel) and by control. Never an image, a
crop, a position, a track or anything else about a person: only these
numbers reach the file.

The file is ``stats.csv`` in the platform's user data folder
(``platformdirs.user_data_dir("monitoring-room")``, on Linux
``~/.local/share/monitoring-room``), or in ``$MONITORING_ROOM_DATA_DIR``. It is
only ever appended to: finished minutes once a minute, the current one when
the room closes, so a crash loses at most the last minute. A line that
cannot be read is reported (file and line number) and skipped.

Columns (one row per camera and minute in which something was counted)::

    kind,minute,camera,faces_seen,exposed_s,hidden_s,by_touch,by_key,by_panel,
    effect_changes,strength_changes,camera_changes,view_changes,language_changes

``kind`` is ``minute`` for counts, ``demo`` for counts of a camera that
plays the bundled footage (``installation demo``; ``run``, ``workshop`` or
``kiosk`` without a config: the faces are the footage's, not visitors';
``installation stats`` shows them only with ``--demo``), and ``session`` for the row that
``installation stats --reset`` appends (its ``minute`` is when the new session
began; its other fields are empty). ``minute`` is local time, ``YYYY-MM-DDTHH:MM``.

``camera`` is the one free text in the file, so it is written to be safe in
a spreadsheet and to keep each row on one line: line breaks and other control
characters become spaces, and a name that starts like a formula (``=``,
``+``, ``-``, ``@``) gets a ``'`` in front, as OWASP recommends for CSV
files, which ``installation stats`` takes off again.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import math
import os
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from installation.errors import UsageError

if TYPE_CHECKING:
    from installation.pipeline import Processed
    from installation.state import ControlChange

log = logging.getLogger(__name__)

#: Environment variable naming another folder for the statistics (tests, several rooms on one machine).
DATA_DIR_ENV = "MONITORING_ROOM_DATA_DIR"
FILE_NAME = "stats.csv"
MINUTE_FORMAT = "%Y-%m-%dT%H:%M"

#: Control names (``ControlChange.name``) -> their column.
CONTROL_COLUMNS = {
    "effect": "effect_changes",
    "strength": "strength_changes",
    "camera": "camera_changes",
    "boxes": "view_changes",
    "language": "language_changes",
}
INPUT_COLUMNS = {"touch": "by_touch", "key": "by_key", "panel": "by_panel"}
#: How the controls are named in the table and the chart, with their columns.
CONTROL_LABELS = (
    ("effect", "effect_changes"),
    ("strength", "strength_changes"),
    ("camera", "camera_changes"),
    ("machine view", "view_changes"),
    ("language", "language_changes"),
)
COUNT_COLUMNS = ("faces_seen", "exposed_s", "hidden_s", *INPUT_COLUMNS.values(), *CONTROL_COLUMNS.values())
COLUMNS = ("kind", "minute", "camera", *COUNT_COLUMNS)
#: A cell that starts with one of these is a formula to a spreadsheet (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Older files may hold a camera name with line breaks, quoted over this many more lines at most.
MAX_NAME_LINES = 8


def camera_cell(name: str) -> str:
    """A camera name as the file holds it: on one line, and text, never a formula, in a spreadsheet.

    >>> camera_cell("Hall\\nEast"), camera_cell("=HYPERLINK(\\"http://x\\")"), camera_cell("Kiosk")
    ('Hall East', '\\'=HYPERLINK("http://x")', 'Kiosk')
    """
    # Whatever splits a line anywhere (str.splitlines: \n, \r, \x0b, \x0c, \x1c-\x1e, \x85, U+2028,
    # U+2029) and the other control characters.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in name)
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def camera_name(cell: str) -> str:
    """The name :func:`camera_cell` wrote (a file from older versions reads as it was written).

    >>> camera_name(camera_cell("=1+1")), camera_name(camera_cell("'=1+1")), camera_name("'quoted'")
    ('=1+1', "'=1+1", "'quoted'")
    """
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Where the statistics live: ``override``, else ``$MONITORING_ROOM_DATA_DIR``, else the user data folder.

    >>> data_dir("/tmp/room-stats")
    PosixPath('/tmp/room-stats')
    """
    if override:
        return Path(override).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("monitoring-room"))


def stats_file(override: str | os.PathLike[str] | None = None) -> Path:
    """The statistics CSV in :func:`data_dir`."""
    return data_dir(override) / FILE_NAME


def plays_bundled_footage(source: str) -> bool:
    """True for a camera source that is the bundled footage (a clip, or the folder of them).

    >>> from installation.groundtruth import bundled_clips
    >>> plays_bundled_footage(str(bundled_clips()[0])), plays_bundled_footage("camera:0")
    (True, False)
    """
    from installation.resources import footage_dir

    try:  # camera:0 or rtsp://... is no file there
        path = Path(source).expanduser().resolve()
        footage = footage_dir().resolve()
        return path.exists() and (path == footage or footage in path.parents)
    except (OSError, RuntimeError, ValueError):
        return False


def minute_label(when: float) -> str:
    """The local minute of a clock time (seconds since the epoch), as written in the file."""
    return datetime.fromtimestamp(when).strftime(MINUTE_FORMAT)


# -- rows ------------------------------------------------------------------------------


@dataclass
class Counts:
    """The counts of one camera in one minute (or a sum of such).

    >>> a = Counts(faces_seen=2, hidden_s=30.0)
    >>> a.add(Counts(faces_seen=1, exposed_s=5.0)); a.faces_seen, a.exposed_s, a.empty
    (3, 5.0, False)
    >>> Counts(hidden_s=0.03).empty
    True
    """

    faces_seen: int = 0
    exposed_s: float = 0.0
    hidden_s: float = 0.0
    by_touch: int = 0
    by_key: int = 0
    by_panel: int = 0
    effect_changes: int = 0
    strength_changes: int = 0
    camera_changes: int = 0
    view_changes: int = 0
    language_changes: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def empty(self) -> bool:
        """Nothing that would show in the file (seconds are written to a tenth)."""
        return all(round(getattr(self, f.name), 1) == 0 for f in fields(self))

    @property
    def changes(self) -> int:
        return self.by_touch + self.by_key + self.by_panel


@dataclass(frozen=True)
class Row:
    """One line of the file: a camera's minute (``demo``: on the bundled footage), or the start of a
    session (``camera`` empty)."""

    kind: str
    minute: datetime
    camera: str = ""
    counts: Counts = field(default_factory=Counts)

    def cells(self) -> list[str]:
        head = [self.kind, self.minute.strftime(MINUTE_FORMAT), camera_cell(self.camera)]
        if self.kind == "session":
            return head + [""] * len(COUNT_COLUMNS)
        values = []
        for name in COUNT_COLUMNS:
            value = getattr(self.counts, name)
            values.append(f"{value:.1f}" if isinstance(value, float) else str(value))
        return head + values


def parse_row(cells: Sequence[str]) -> Row:
    """A row from its CSV cells; a ``ValueError`` saying what is wrong otherwise.

    >>> parse_row(["minute", "2024-05-01T10:03", "Kiosk", "2", "1.5", "40.0"] + ["0"] * 8).counts.faces_seen
    2
    >>> parse_row(["minute", "yesterday", "Kiosk"])
    Traceback (most recent call last):
    ...
    ValueError: expected 14 fields, found 3
    """
    if len(cells) != len(COLUMNS):
        raise ValueError(f"expected {len(COLUMNS)} fields, found {len(cells)}")
    kind, minute_text, camera = cells[0], cells[1], camera_name(cells[2])
    if kind not in ("minute", "demo", "session"):
        raise ValueError(f"unknown kind {kind!r}")
    try:
        minute = datetime.strptime(minute_text, MINUTE_FORMAT)
    except ValueError:
        raise ValueError(f"minute {minute_text!r} is not YYYY-MM-DDTHH:MM") from None
    if kind == "session":
        return Row("session", minute)
    if not camera:
        raise ValueError("no camera name")
    values: dict[str, Any] = {}
    for name, text in zip(COUNT_COLUMNS, cells[3:], strict=True):
        try:
            value: float = float(text) if name.endswith("_s") else int(text)
        except ValueError:
            raise ValueError(f"{name} {text!r} is not a number") from None
        if value < 0 or not math.isfinite(value):
            raise ValueError(f"{name} {text!r} is negative or not finite")
        values[name] = value
    return Row(kind, minute, camera, Counts(**values))


@dataclass
class Reading:
    """What a statistics file holds: its rows in order, and the lines that were skipped."""

    rows: list[Row]
    problems: list[str]

    @property
    def sessions(self) -> int:
        """How many sessions the file has (1 before the first ``--reset``)."""
        return 1 + sum(1 for r in self.rows if r.kind == "session")

    def select(
        self, *, since: datetime | None = None, session: bool = False, demo: bool = False
    ) -> list[Row]:
        """The visitors' minute rows (``demo``: the bundled footage's instead), of the current session
        only (``session``) and from ``since`` on."""
        rows = self.rows
        if session:
            starts = [i for i, r in enumerate(rows) if r.kind == "session"]
            if starts:
                rows = rows[starts[-1] + 1 :]
        kind = "demo" if demo else "minute"
        return [r for r in rows if r.kind == kind and (since is None or r.minute >= since)]


class StatsLog:
    """The statistics CSV: appended to, never rewritten.

    >>> import tempfile, datetime
    >>> log = StatsLog(Path(tempfile.mkdtemp()) / "stats.csv")
    >>> log.append([Row("minute", datetime.datetime(2024, 5, 1, 10, 3), "Kiosk", Counts(faces_seen=2))])
    >>> [(r.camera, r.counts.faces_seen) for r in log.read().rows]
    [('Kiosk', 2)]
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, rows: Iterable[Row]) -> None:
        """Add ``rows`` at the end in one write (the header first in a new file)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for row in rows:
            writer.writerow(row.cells())
        if not out.getvalue():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="utf-8", newline="") as f:
            f.seek(0, os.SEEK_END)
            prefix = ""
            if f.tell() == 0:
                prefix = ",".join(COLUMNS) + "\n"
            else:
                # A line cut short by a crash gets its own line, to be skipped, not glued to ours.
                f.seek(f.tell() - 1)
                if f.read(1) != "\n":
                    prefix = "\n"
            f.seek(0, os.SEEK_END)
            f.write(prefix + out.getvalue())
            f.flush()
            os.fsync(f.fileno())

    def start_session(self, when: float) -> None:
        self.append([Row("session", datetime.fromtimestamp(when).replace(second=0, microsecond=0))])

    def read(self) -> Reading:
        """Every readable row; each unreadable line becomes one problem line naming the file and line."""
        rows: list[Row] = []
        problems: list[str] = []
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return Reading(rows, problems)
        except OSError as exc:
            raise UsageError(f"{self.path}: cannot read: {exc.strerror}") from None
        header = ",".join(COLUMNS)
        # Rows end at "\n" only: a camera name may hold characters that str.splitlines() would
        # also break at (U+2028, form feed, ...).
        lines = [line.removesuffix("\r") for line in text.split("\n")]
        index = 0
        while index < len(lines):
            number, line = index + 1, lines[index]
            index += 1
            if not line.strip() or line.strip() == header:
                continue
            try:
                rows.append(parse_row(next(csv.reader([line]))))
                continue
            except (ValueError, csv.Error, StopIteration) as exc:
                problem = exc
            joined = _quoted_over_lines(lines, index - 1) if line.count('"') % 2 else None
            if joined is None:
                problems.append(f"{self.path}:{number}: skipped ({problem})")
            else:
                rows.append(joined[0])
                index += joined[1]
        return Reading(rows, problems)


def _quoted_over_lines(lines: Sequence[str], first: int) -> tuple[Row, int] | None:
    """The row that starts at ``lines[first]`` with a quoted line break, and how many more lines it took.

    Versions before camera names were kept on one line wrote a name with a line break as it was,
    quoted over several lines. Nothing (None) unless the lines up to the closing quote make one
    good row: a line cut short by a power cut costs that line only, never the rows after it.
    """
    record = lines[first]
    for more in range(1, MAX_NAME_LINES + 1):
        if first + more >= len(lines):
            return None
        record += "\n" + lines[first + more]
        if record.count('"') % 2 == 0:
            break
    else:
        return None
    try:
        records = list(csv.reader(io.StringIO(record, newline="")))
        if len(records) != 1:
            return None
        return parse_row(records[0]), more
    except (ValueError, csv.Error):
        return None


# -- counting ---------------------------------------------------------------------------


@dataclass
class _Followed:
    """One face a camera is following, while it follows it: times and tallies only, never where it is."""

    first_seen: float
    last_seen: float
    looks: int = 0
    sightings: int = 0
    best: float = 0.0
    counted: bool = False


class StatsCounter:
    """Counts per camera and minute in memory and appends finished minutes to a :class:`StatsLog`.

    Feed it with :meth:`observe` once per drawn frame and :meth:`control` for
    each control change; :meth:`close` writes what is left. ``clock`` gives
    seconds since the epoch (injectable for tests).

    A face counts once the camera's tracker has followed it for
    ``FACE_SECONDS`` with the detector seeing it on at least ``FACE_SHARE`` of
    the frames it looked, and scoring ``FACE_SCORE`` at least once: the
    detector flickering on a pattern for a moment, splitting one turned head
    into two short tracks, or holding the back of a head, is not a visitor.
    """

    #: A face is counted once it has been seen over this many seconds ...
    FACE_SECONDS = 3.0
    #: ... on at least this share of the frames the detector ran on meanwhile ...
    FACE_SHARE = 0.2
    #: ... and at least once with this score. YuNet, the default detector, scores clear faces
    #: 0.85-0.95 and the back of a head or a face-like pattern it holds for seconds 0.5-0.7: those
    #: stay hidden (hiding errs on the safe side) but are not counted as visitors.
    FACE_SCORE = 0.75
    #: Longer gaps between two frames (a stalled machine, a clock jump) count as this much.
    MAX_GAP = 1.0
    #: Changes of the strength by the same input within this many seconds are one gesture (a drag).
    GESTURE_SECONDS = 1.0

    def __init__(
        self, log: StatsLog | None, *, clock: Callable[[], float] = time.time, demo: Collection[str] = ()
    ) -> None:
        self.log = log
        self.clock = clock
        #: Cameras that play the bundled footage: their rows are written as ``demo``, not ``minute``.
        self.demo = frozenset(demo)
        self._minute: float | None = None
        self._counts: dict[tuple[float, str], Counts] = {}
        self._followed: dict[str, dict[int, _Followed]] = defaultdict(dict)
        self._last: float | None = None
        self._gesture: dict[tuple[str, str], float] = {}
        self._failed = False

    def _bucket(self, camera: str, now: float) -> Counts:
        minute = math.floor(now / 60.0) * 60.0
        return self._counts.setdefault((minute, camera), Counts())

    def observe(
        self, results: Sequence[tuple[str, Processed | None, bool]], now: float | None = None
    ) -> None:
        """One drawn frame: ``(camera name, newest result or None when down, new since last time)`` each."""
        now = self.clock() if now is None else now
        self._roll(now)
        dt = 0.0 if self._last is None else min(self.MAX_GAP, max(0.0, now - self._last))
        self._last = now
        for camera, processed, new in results:
            if processed is None:
                self._followed.pop(camera, None)
                continue
            counts = self._bucket(camera, now)
            if processed.faces:
                if processed.exposed:
                    counts.exposed_s += dt
                else:
                    counts.hidden_s += dt
            if new and processed.detected:
                self._follow(camera, processed, now, counts)

    def _follow(self, camera: str, processed: Processed, now: float, counts: Counts) -> None:
        followed = self._followed[camera]
        present = set()
        for face in processed.faces:
            present.add(face.track_id)
            f = followed.get(face.track_id)
            if f is None:
                if face.misses:
                    continue  # held from before we were watching: wait for a sighting
                f = followed[face.track_id] = _Followed(now, now)
            f.looks += 1
            if face.misses == 0:
                f.sightings += 1
                f.last_seen = now
                f.best = max(f.best, face.score)
            if (
                not f.counted
                and face.confirmed
                and f.last_seen - f.first_seen >= self.FACE_SECONDS
                and f.sightings >= self.FACE_SHARE * f.looks
                and f.best >= self.FACE_SCORE
            ):
                f.counted = True
                counts.faces_seen += 1
        # A track that ended never comes back (ids are not reused): forget it at once.
        for track_id in set(followed) - present:
            del followed[track_id]

    def control(self, change: ControlChange, camera: str, now: float | None = None) -> None:
        """A visitor changed a control while ``camera`` was the one watched."""
        via = getattr(change.via, "value", str(change.via))
        column = INPUT_COLUMNS.get(via)
        if column is None:
            return  # the system's own changes are not visitors'
        now = self.clock() if now is None else now
        self._roll(now)
        if change.name == "strength":
            last = self._gesture.get((change.name, via))
            self._gesture[(change.name, via)] = now
            if last is not None and now - last < self.GESTURE_SECONDS:
                return
        counts = self._bucket(camera, now)
        setattr(counts, column, getattr(counts, column) + 1)
        name = CONTROL_COLUMNS.get(change.name)
        if name is not None:
            setattr(counts, name, getattr(counts, name) + 1)

    def _roll(self, now: float) -> None:
        minute = math.floor(now / 60.0) * 60.0
        if self._minute is None:
            self._minute = minute
        elif minute > self._minute:
            self._minute = minute
            self.flush(before=minute)

    def flush(self, before: float | None = None) -> list[Row]:
        """Append the minutes before ``before`` (all when None) and forget them; returns what was written."""
        keys = sorted(k for k in self._counts if before is None or k[0] < before)
        rows = [
            Row(
                "demo" if k[1] in self.demo else "minute", datetime.fromtimestamp(k[0]), k[1], self._counts[k]
            )
            for k in keys
            if not self._counts[k].empty
        ]
        if self.log is not None and rows:
            try:
                self.log.append(rows)
                self._failed = False
            except OSError as exc:
                if not self._failed:
                    log.error(
                        "statistics: cannot append to %s (%s); keeping the counts to try again",
                        self.log.path,
                        exc,
                    )
                self._failed = True
                return []
        for k in keys:
            del self._counts[k]
        return rows

    def close(self) -> list[Row]:
        """Append everything still in memory (the current minute too)."""
        return self.flush()

    def pending(self) -> Counts:
        """The sum of what is counted and not yet written (for display and tests)."""
        total = Counts()
        for counts in self._counts.values():
            total.add(counts)
        return total


def attach_stats(
    app: Any, *, directory: str | os.PathLike[str] | None = None, clock: Callable[[], float] = time.time
) -> StatsCounter | None:
    """Count statistics for a room (:class:`~installation.app.App`): an observer, a listener, a closer.

    Does nothing (returns None) when the config's ``[stats] enabled`` is false. A camera that
    plays the bundled footage is counted apart, as ``demo``: its faces are not visitors.

    >>> from installation.app import App, RoomOptions                # doctest: +SKIP
    >>> app = App(demo_config(), RoomOptions(headless=True))       # doctest: +SKIP
    >>> attach_stats(app)                                            # doctest: +SKIP
    """
    section = getattr(app.config, "stats", None)
    if section is not None and not getattr(section, "enabled", True):
        return None
    demo = [c.name for c in getattr(app.config, "cameras", []) if plays_bundled_footage(c.source)]
    counter = StatsCounter(StatsLog(stats_file(directory)), clock=clock, demo=demo)
    seqs: dict[int, int] = {}

    def watched() -> str:
        feeds = app.feeds
        if not feeds:
            return ""
        return str(getattr(feeds[min(app.controls.selected, len(feeds) - 1)], "name", ""))

    def observe(app: Any, state: object, now: float) -> None:
        results = []
        for i, feed in enumerate(app.feeds):
            seq, processed = feed.latest()
            ok = bool(getattr(getattr(feed, "status", None), "ok", True))
            new = seq != seqs.get(i)
            seqs[i] = seq
            results.append((str(getattr(feed, "name", f"Camera {i + 1}")), processed if ok else None, new))
        counter.observe(results)

    app.observers.append(observe)
    app.controls.subscribe(lambda change: counter.control(change, watched()))
    app.closers.append(lambda _app: counter.close())
    return counter


# -- the command -------------------------------------------------------------------------


def parse_since(value: str, today: date | None = None) -> datetime:
    """``--since``: a date, a date and time, or a time today.

    >>> parse_since("2024-05-01"), parse_since("2024-05-01 14:30")
    (datetime.datetime(2024, 5, 1, 0, 0), datetime.datetime(2024, 5, 1, 14, 30))
    >>> parse_since("9:05", today=date(2024, 5, 2))
    datetime.datetime(2024, 5, 2, 9, 5)
    """
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            t = datetime.strptime(text, fmt).time()
        except ValueError:
            continue
        return datetime.combine(today or date.today(), t)
    raise UsageError(
        f"--since: expected a date (2024-05-01), a date and time (2024-05-01 14:30) or a time "
        f"today (14:30), got {value!r}"
    )


@dataclass
class Summary:
    """The selected rows added up for the table and the chart."""

    cameras: dict[str, Counts]
    hours: dict[datetime, dict[str, int]]
    total: Counts
    first: datetime | None
    last: datetime | None
    minutes: int

    @classmethod
    def of(cls, rows: Sequence[Row]) -> Summary:
        cameras: dict[str, Counts] = {}
        hours: dict[datetime, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        total = Counts()
        minutes = set()
        for row in rows:
            cameras.setdefault(row.camera, Counts()).add(row.counts)
            total.add(row.counts)
            hour = row.minute.replace(minute=0)
            hours[hour][row.camera] += row.counts.faces_seen
            minutes.add(row.minute)
        return cls(
            cameras, dict(hours), total, min(minutes, default=None), max(minutes, default=None), len(minutes)
        )


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


def plot(summary: Summary, path: Path, title: str = "Monitoring Room: what the room counted") -> Path:
    """Write a PNG chart: faces per hour, exposed and hidden time per camera, controls used.

    The file appears under ``path`` only when complete.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise UsageError("--plot needs matplotlib: .venv/bin/pip install matplotlib") from None
    if not path.parent.is_dir():
        raise UsageError(f"--plot {path}: the folder {path.parent} does not exist")
    ink, muted, grid, back = "#eeeeec", "#8a8e94", "#2c2e32", "#090a0c"
    red, green = "#e82626", "#24cd60"
    palette = ["#00e5ff", "#ffb200", "#b48cff", "#ff7fa0", "#7fd4ff", "#c0e060", "#ffa060", "#a0a0ff"]
    fig = Figure(figsize=(12, 6.75), dpi=100, facecolor=back)
    FigureCanvasAgg(fig)
    grid_spec = fig.add_gridspec(2, 2, hspace=0.55, wspace=0.3, left=0.08, right=0.97, top=0.8, bottom=0.11)
    axes = [
        fig.add_subplot(grid_spec[0, :]),
        fig.add_subplot(grid_spec[1, 0]),
        fig.add_subplot(grid_spec[1, 1]),
    ]
    for ax in axes:
        ax.set_facecolor(back)
        ax.tick_params(colors=muted, labelsize=10)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color(grid)
        ax.set_axisbelow(True)
    span = ""
    if summary.first is not None and summary.last is not None:
        span = f"{summary.first:%Y-%m-%d %H:%M} to {summary.last + timedelta(minutes=1):%H:%M}   ·   "
    fig.text(0.08, 0.94, title, color=ink, fontsize=18, fontweight="bold")
    fig.text(
        0.08,
        0.895,
        f"{span}{summary.total.faces_seen} faces seen   ·   "
        "counts only: no picture, face or position is ever stored",
        color=muted,
        fontsize=11,
    )
    cameras = sorted(summary.cameras)

    def heading(ax: Any, text: str) -> None:
        ax.set_title(text, color=ink, loc="left", fontsize=13, pad=10)

    def nothing(ax: Any, text: str) -> None:
        ax.text(0.5, 0.5, text, color=muted, ha="center", va="center", fontsize=11, transform=ax.transAxes)
        ax.set_yticks([])

    ax = axes[0]
    heading(ax, "Faces seen per hour")
    ax.grid(axis="y", color=grid, linewidth=0.8)
    hours = sorted(summary.hours)
    if hours and summary.total.faces_seen:
        labels = [f"{h:%H}:00" if h.date() == hours[0].date() else f"{h:%m-%d %H}:00" for h in hours]
        bottom = [0] * len(hours)
        for i, camera in enumerate(cameras):
            values = [summary.hours[h].get(camera, 0) for h in hours]
            ax.bar(
                range(len(hours)),
                values,
                bottom=bottom,
                color=palette[i % len(palette)],
                label=camera,
                width=0.7,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(range(len(hours)), labels)
        ax.set_xlim(-0.6, max(len(hours), 6) - 0.4)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(
            frameon=False,
            labelcolor=ink,
            fontsize=10,
            ncols=min(len(cameras), 9),
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            borderaxespad=0.2,
            handlelength=1.0,
        )
    else:
        nothing(ax, "no face was counted")
        ax.set_xticks([])

    ax = axes[1]
    shown = [summary.cameras[c].hidden_s + summary.cameras[c].exposed_s for c in cameras]
    unit, per = ("min", 60.0) if max(shown, default=0.0) >= 120 else ("s", 1.0)
    heading(ax, f"Faces on screen ({unit})")
    if cameras and any(shown):
        hidden = [summary.cameras[c].hidden_s / per for c in cameras]
        exposed = [summary.cameras[c].exposed_s / per for c in cameras]
        ax.barh(cameras, hidden, color=green, label="hidden", height=0.6)
        ax.barh(cameras, exposed, left=hidden, color=red, label="exposed", height=0.6)
        ax.invert_yaxis()
        ax.grid(axis="x", color=grid, linewidth=0.8)
        ax.legend(
            frameon=False,
            labelcolor=ink,
            fontsize=10,
            ncols=2,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            borderaxespad=0.2,
            handlelength=1.0,
        )
    else:
        nothing(ax, "no face was on screen")
        ax.set_xticks([])

    ax = axes[2]
    heading(ax, "Controls visitors used")
    t = summary.total
    names = [label for label, _ in CONTROL_LABELS]
    values = [getattr(t, column) for _, column in CONTROL_LABELS]
    ax.bar(names, values, color=ink, width=0.6)
    ax.grid(axis="y", color=grid, linewidth=0.8)
    if any(values):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.set_ylim(0, 1)
        nothing(ax, "no control was touched")
    ax.text(
        0.0,
        -0.24,
        f"by touch {t.by_touch}   ·   by key {t.by_key}   ·   by panel {t.by_panel}",
        color=muted,
        fontsize=10,
        transform=ax.transAxes,
    )

    tmp = path.with_name(f".{path.name}.partial")
    try:
        fig.savefig(tmp, format="png", facecolor=back)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def stats_command(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], float] = time.time,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    path = stats_file(args.data_dir)
    log_file = StatsLog(path)
    if args.reset:
        if args.since or args.session or args.plot or args.demo:
            raise UsageError("--reset: use it on its own (show or plot the ending session first)")
        log_file.start_session(clock())
        reading = log_file.read()
        began = minute_label(clock()).replace("T", " ")
        print(
            f"Started session {reading.sessions} at {began}: a session row was appended to {path}. "
            "Nothing was deleted; `installation stats` still shows everything, "
            "`installation stats --session` only what is counted from now on.",
            file=out,
        )
        return 0
    since = parse_since(args.since) if args.since else None
    reading = log_file.read()
    for problem in reading.problems:
        print(problem, file=err)
    rows = reading.select(since=since, session=args.session, demo=args.demo)
    which = f"session {reading.sessions} of {reading.sessions}" if args.session else "all sessions"
    if since is not None:
        which += f", since {since:%Y-%m-%d %H:%M}"
    if args.demo:
        which += "; demo runs on the bundled footage only"
    print(f"Statistics from {path} ({which})", file=out)
    summary = Summary.of(rows)
    if not rows:
        print("nothing counted yet" if not path.exists() else "nothing counted in this selection", file=out)
    else:
        print(format_table(summary), file=out)
    if not args.demo:
        demo = len({r.minute for r in reading.select(since=since, session=args.session, demo=True)})
        if demo:
            print(
                f"\n(not shown: {demo} minute(s) counted on the bundled demo footage, not visitors; "
                "`installation stats --demo` shows them)",
                file=out,
            )
    if args.plot:
        if args.demo:
            plot(summary, Path(args.plot), title="Monitoring Room: the bundled demo footage")
        else:
            plot(summary, Path(args.plot))
        print(f"chart written to {args.plot}", file=out)
    return 0


def register(subparsers: Any) -> None:
    """Add ``stats`` to the ``installation`` command's sub-parsers."""
    summary = "show the anonymous statistics the room counted (faces, exposed and hidden time, controls)"
    p = subparsers.add_parser(
        "stats",
        help=summary,
        description=summary + ". Only counts are kept: no picture, face, position or person.",
    )
    p.add_argument(
        "--since",
        metavar="DATE-OR-TIME",
        help="only from then on: 2024-05-01, '2024-05-01 14:30' or 14:30 (today)",
    )
    p.add_argument("--session", action="store_true", help="only the current session (since the last --reset)")
    p.add_argument("--plot", metavar="PNG", help="also write a chart for showing at the end of a session")
    p.add_argument(
        "--demo",
        action="store_true",
        help="show what was counted on the bundled demo footage instead (left out otherwise)",
    )
    p.add_argument(
        "--reset", action="store_true", help="start a new session (appends a session row; nothing is deleted)"
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help=f"folder of stats.csv (default: ${DATA_DIR_ENV} or the user data folder)",
    )
    p.set_defaults(func=stats_command)
