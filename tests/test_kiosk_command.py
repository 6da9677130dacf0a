"""``installation kiosk`` end to end, in a process of its own: it runs, logs, beats and stops on SIGTERM;
a configuration error ends it with the code that keeps it from being restarted."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from installation.modes.kiosk.exits import EXIT_CONFIG
from installation.modes.kiosk.files import running_pid
from tests.conftest import CONFIG_TOML


def test_the_kiosk_command_runs_logs_beats_and_stops_cleanly_on_sigterm(
    home: Path, child_env: dict[str, str]
) -> None:
    config = home / "monitoring.toml"
    config.write_text(CONFIG_TOML.format(second="Hall", source="pattern:bars?size=320x180"), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "installation", "kiosk", "--headless", "--config", str(config)],
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    beat = home / "run" / "monitoring-room" / "heartbeat"
    try:
        for _ in range(600):
            if beat.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert beat.exists(), process.communicate(timeout=10)[1]
        assert int(beat.read_text().split()[0]) == process.pid
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    logged = (home / "state" / "monitoring-room" / "log" / "monitoring-room.log").read_text()
    assert "kiosk running" in logged and "stopped by the system" in logged
    assert "kiosk stopped (exit code 0)" in logged
    assert running_pid() is None


def test_a_config_error_at_start_exits_with_the_config_code(home: Path, child_env: dict[str, str]) -> None:
    config = home / "monitoring.toml"
    config.write_text(CONFIG_TOML.format(second="Hall", source="hall.mp4"), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "installation",
            "kiosk",
            "--headless",
            "--frames",
            "1",
            "--config",
            str(config),
        ],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_CONFIG
    said = f"{config}: cameras[1].source: no such file 'hall.mp4' (line 8)"
    assert said in done.stderr
    logged = (home / "state" / "monitoring-room" / "log" / "monitoring-room.log").read_text()
    assert said in logged and f"(exit code {EXIT_CONFIG})" in logged
