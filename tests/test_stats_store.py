"""Anonymous statistics: the append-only CSV, read back whatever happened to it."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from installation.cli import main
from installation.stats.store import COLUMNS, DATA_DIR_ENV, Counts, Row, StatsLog, stats_file


@pytest.fixture(autouse=True)
def _no_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test counts may land in the real user data folder."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))


def _minute(hour: int, minute: int) -> datetime:
    return datetime(2024, 5, 1, hour, minute)


def test_a_csv_with_corrupt_lines_still_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = stats_file(tmp_path)
    log = StatsLog(path)
    log.append([Row("minute", _minute(10, 0), "Kiosk", Counts(faces_seen=2, hidden_s=30.0))])
    with open(path, "a", encoding="utf-8") as f:
        f.write("minute,2024-05-01T10:01,Kiosk,three,0,0,0,0,0,0,0,0,0,0\n")
        f.write("\x00\x00#$%\n")
        f.write("minute,2024-05-01T10:02,Kio")  # the room lost power mid-line
    log.append([Row("minute", _minute(10, 3), "Kiosk", Counts(faces_seen=1, exposed_s=12.0))])
    assert main(["stats", "--data-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    problems = err.strip().splitlines()
    assert [p.split(": skipped")[0] for p in problems] == [f"{path}:{n}" for n in (3, 4, 5)]
    assert "faces_seen 'three' is not a number" in problems[0]
    kiosk = next(line for line in out.splitlines() if line.startswith("Kiosk"))
    assert kiosk.split()[:2] == ["Kiosk", "3"]
    assert StatsLog(path).read().rows[-1].minute == _minute(10, 3)


def test_camera_names_lose_no_row_and_never_become_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Camera names are free text in the config; the file must survive any of them, in the room's own
    reader and in a spreadsheet."""
    names = [
        "Hall\nEast",
        "Door\u2028West",
        "Foyer\r\nSouth",
        '=HYPERLINK("http://example.com","x")',
        "+41 entrance",
        "-1 floor",
        "@SUM(A1:A9)",
        "'=quoted already",
        "Stairs, upper",
    ]
    path = stats_file(tmp_path)
    StatsLog(path).append(
        [Row("minute", _minute(10, i), name, Counts(faces_seen=i + 1)) for i, name in enumerate(names)]
    )
    reading = StatsLog(path).read()
    assert not reading.problems
    assert [r.counts.faces_seen for r in reading.rows] == list(range(1, len(names) + 1))
    assert [r.camera for r in reading.rows] == ["Hall East", "Door West", "Foyer  South", *names[3:]]
    # One physical line a row, and no cell a spreadsheet would evaluate.
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(names) + 1
    with open(path, encoding="utf-8", newline="") as f:
        cells = [cell for line in csv.reader(f) for cell in line]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert main(["stats", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "\n=HYPERLINK(" in out and "\n'=quoted already " in out


def test_a_statistics_file_from_older_versions_still_loads(tmp_path: Path) -> None:
    """As the room wrote it before names were neutralised: a name with a line break quoted over two
    lines, a U+2028 left as it was, a formula as it was."""
    path = stats_file(tmp_path)
    zeros = ",0" * 8
    path.write_text(
        ",".join(COLUMNS) + "\n"
        f"minute,2024-05-01T10:00,Kiosk,2,1.5,40.0{zeros}\n"
        f'minute,2024-05-01T10:01,"Hall\nEast",1,0.0,12.0{zeros}\n'
        f"minute,2024-05-01T10:02,Door\u2028West,3,0.0,30.0{zeros}\n"
        f"minute,2024-05-01T10:03,=1+1,4,0.0,5.0{zeros}\n"
        "session,2024-05-01T11:00,,,,,,,,,,,,\n"
        f"minute,2024-05-01T11:05,Kiosk,5,0.0,50.0{zeros}\n",
        encoding="utf-8",
    )
    reading = StatsLog(path).read()
    assert not reading.problems
    assert [(r.kind, r.camera, r.counts.faces_seen) for r in reading.rows] == [
        ("minute", "Kiosk", 2),
        ("minute", "Hall\nEast", 1),
        ("minute", "Door\u2028West", 3),
        ("minute", "=1+1", 4),
        ("session", "", 0),
        ("minute", "Kiosk", 5),
    ]
    assert reading.rows[0].counts.hidden_s == 40.0 and reading.sessions == 2


def test_a_line_cut_short_inside_a_quoted_name_costs_that_line_only(tmp_path: Path) -> None:
    path = stats_file(tmp_path)
    log = StatsLog(path)
    log.append([Row("minute", _minute(10, 0), "Kiosk", Counts(faces_seen=1))])
    with open(path, "a", encoding="utf-8") as f:
        f.write('minute,2024-05-01T10:01,"Stairs, up')  # the power went here
    log.append([Row("minute", _minute(10, m), "Kiosk", Counts(faces_seen=m)) for m in range(2, 6)])
    reading = log.read()
    assert [r.counts.faces_seen for r in reading.rows] == [1, 2, 3, 4, 5]
    assert len(reading.problems) == 1 and reading.problems[0].startswith(f"{path}:3: skipped")


def test_the_data_folder_comes_from_the_environment_unless_given(tmp_path: Path) -> None:
    assert stats_file() == tmp_path / "data" / "stats.csv"
    assert stats_file(tmp_path / "elsewhere") == tmp_path / "elsewhere" / "stats.csv"
