"""Anonymous statistics: ``installation stats``, its sessions and its selection."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from installation.cli import main
from installation.stats.store import Counts, Row, StatsLog, stats_file


def _minute(hour: int, minute: int) -> datetime:
    return datetime(2024, 5, 1, hour, minute)


def test_reset_starts_a_new_session_and_deletes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = stats_file(tmp_path)
    StatsLog(path).append([Row("minute", _minute(9, 0), "Kiosk", Counts(faces_seen=5, hidden_s=60.0))])
    before = path.read_text(encoding="utf-8")
    assert main(["stats", "--data-dir", str(tmp_path), "--reset"]) == 0
    message = capsys.readouterr().out
    assert "Started session 2" in message and "Nothing was deleted" in message
    assert path.read_text(encoding="utf-8").startswith(before)
    StatsLog(path).append(
        [
            Row(
                "minute",
                datetime.now().replace(second=0, microsecond=0),
                "Kiosk",
                Counts(faces_seen=1, hidden_s=4.0),
            )
        ]
    )
    assert main(["stats", "--data-dir", str(tmp_path), "--session"]) == 0
    session = capsys.readouterr().out
    assert "session 2 of 2" in session
    assert next(line for line in session.splitlines() if line.startswith("Kiosk")).split()[1] == "1"
    assert main(["stats", "--data-dir", str(tmp_path)]) == 0
    everything = capsys.readouterr().out
    assert next(line for line in everything.splitlines() if line.startswith("Kiosk")).split()[1] == "6"


def test_since_keeps_later_minutes_and_a_bad_value_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    StatsLog(stats_file(tmp_path)).append(
        [
            Row("minute", _minute(9, 0), "Kiosk", Counts(faces_seen=5)),
            Row("minute", _minute(11, 0), "Kiosk", Counts(faces_seen=2)),
        ]
    )
    assert main(["stats", "--data-dir", str(tmp_path), "--since", "2024-05-01 10:00"]) == 0
    out = capsys.readouterr().out
    assert next(line for line in out.splitlines() if line.startswith("Kiosk")).split()[1] == "2"
    assert main(["stats", "--data-dir", str(tmp_path), "--since", "last tuesday"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("installation stats: --since")
