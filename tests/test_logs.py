"""The log file (installation/logs.py): rotated, bounded, and every crash in it with its traceback."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

from installation.logs import setup_logging, stop_logging


def test_log_files_rotate_and_keep_a_bounded_number(tmp_path: Path) -> None:
    try:
        path = setup_logging(tmp_path, max_bytes=2000, backups=2)
        assert path == tmp_path / "monitoring-room.log"
        assert setup_logging(tmp_path / "other") == path  # set up once only
        for i in range(200):
            logging.getLogger("installation.sources").warning("signal lost: camera:%d (retrying)", i)
    finally:
        stop_logging()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["monitoring-room.log", "monitoring-room.log.1", "monitoring-room.log.2"]
    assert all(p.stat().st_size <= 2200 for p in tmp_path.iterdir())
    assert "camera:199" in path.read_text()


def test_a_crash_is_logged_with_its_traceback(home: Path, child_env: dict[str, str]) -> None:
    log_dir = home / "logs"
    script = textwrap.dedent(f"""
        import threading
        from pathlib import Path
        from installation.logs import setup_logging
        setup_logging(Path({str(log_dir)!r}))
        t = threading.Thread(target=lambda: 1 / 0, name="camera-Door")
        t.start(); t.join()
        raise RuntimeError("the room fell over")
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], env=child_env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "the room fell over" in done.stderr
    logged = (log_dir / "monitoring-room.log").read_text()
    assert "crash in camera-Door: ZeroDivisionError" in logged
    assert "crash: RuntimeError('the room fell over')" in logged
    assert logged.count("Traceback (most recent call last)") == 2
