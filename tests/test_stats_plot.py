"""Anonymous statistics: the chart ``installation stats --plot`` writes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import cv2
import pytest

from installation.cli import main
from installation.stats.store import Counts, Row, StatsLog, stats_file


def _minute(hour: int, minute: int) -> datetime:
    return datetime(2024, 5, 1, hour, minute)


def test_stats_plot_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = StatsLog(stats_file(tmp_path))
    log.append(
        [
            Row(
                "minute",
                _minute(14, 5),
                "Kiosk",
                Counts(
                    faces_seen=4,
                    hidden_s=200.0,
                    exposed_s=15.0,
                    by_touch=6,
                    effect_changes=4,
                    strength_changes=2,
                ),
            ),
            Row(
                "minute",
                _minute(15, 40),
                "Hall",
                Counts(faces_seen=9, hidden_s=540.0, by_panel=2, camera_changes=2),
            ),
        ]
    )
    png = tmp_path / "chart.png"
    assert main(["stats", "--data-dir", str(tmp_path), "--plot", str(png)]) == 0
    assert f"chart written to {png}" in capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = cv2.imread(str(png))
    assert image.shape == (675, 1200, 3) and image.std() > 5
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_plotting_into_a_missing_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--data-dir", str(tmp_path), "--plot", str(tmp_path / "no" / "chart.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
