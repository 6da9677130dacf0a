"""The statistics file: its columns, its rows, and a log that only ever appends to it."""

from __future__ import annotations

import csv
import io
import math
import os
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from installation.errors import UsageError

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


def minute_label(when: float) -> str:
    """The local minute of a clock time (seconds since the epoch), as written in the file."""
    return datetime.fromtimestamp(when).strftime(MINUTE_FORMAT)


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
