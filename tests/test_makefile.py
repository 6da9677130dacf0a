"""``make setup`` finds a Python the project supports, says what to install when there is none, and
never leaves or reuses a .venv that cannot work. Runs the Makefile with stand-in interpreters on a
PATH of their own: nothing is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

#: Stands in for Python VERSION: the Makefile's version check, -V, and a venv of itself whose pip
#: works only where the real one would (the project's dependencies need 3.10 to 3.12).
FAKE_PYTHON = """#!/bin/sh
case "$1" in
  -c) [ SUPPORTED = yes ]; exit $? ;;
  -V|--version) echo "Python VERSION"; exit 0 ;;
  -m) case "$2" in
        venv) mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; exit 0 ;;
        pip) if [ SUPPORTED = yes ]; then exit 0; fi
             echo "ERROR: Package 'monitoring-room' requires a different Python: VERSION" >&2
             exit 1 ;;
      esac ;;
esac
exit 2
"""


def _python(folder: Path, name: str, version: str) -> Path:
    path = folder / name
    supported = "yes" if (3, 10) <= tuple(map(int, version.split(".")[:2])) <= (3, 12) else "no"
    path.write_text(FAKE_PYTHON.replace("SUPPORTED", supported).replace("VERSION", version), encoding="utf-8")
    path.chmod(0o755)
    return path


def _project(tmp_path: Path, pythons: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """A copy of the Makefile and pyproject.toml, and a PATH with ``pythons`` and the few tools the
    recipe uses, nothing else: the machine's own Pythons stay out of it."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, project / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("rm", "mkdir", "cp", "touch"):
        found = shutil.which(tool)
        assert found is not None, tool
        (bin_dir / tool).symlink_to(found)
    for name, version in pythons.items():
        _python(bin_dir, name, version)
    return project, {"PATH": str(bin_dir), "HOME": str(tmp_path)}


def _make(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(project), "setup", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _venv_python(project: Path) -> str:
    """What the project's .venv/bin/python says it is."""
    run = subprocess.run([str(project / ".venv" / "bin" / "python"), "-V"], capture_output=True, text=True)
    return run.stdout.strip()


def test_with_only_an_unsupported_python_it_says_what_to_install_and_makes_no_venv(tmp_path: Path) -> None:
    project, env = _project(tmp_path, {"python3": "3.13.1"})
    result = _make(project, env)
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert "needs Python 3.10, 3.11 or 3.12 (python3 here is Python 3.13.1)" in said
    assert "python3.11" in said and "make PYTHON=/path/to/python3.11" in said
    assert not (project / ".venv").exists()
    # Named on the command line, an unsupported one is refused the same way.
    result = _make(project, env, f"PYTHON={tmp_path / 'bin' / 'python3'}")
    assert result.returncode != 0 and "is Python 3.13.1)" in result.stdout + result.stderr
    assert not (project / ".venv").exists()


def test_a_supported_python_is_found_beside_an_unsupported_python3(tmp_path: Path) -> None:
    project, env = _project(tmp_path, {"python3": "3.13.1", "python3.12": "3.12.4"})
    result = _make(project, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _venv_python(project) == "Python 3.12.4"
    assert (project / ".venv" / ".installed").exists()


def test_a_venv_made_with_an_unsupported_python_is_made_again(tmp_path: Path) -> None:
    project, env = _project(tmp_path, {"python3": "3.13.1", "python3.11": "3.11.9"})
    (project / ".venv" / "bin").mkdir(parents=True)
    _python(project / ".venv" / "bin", "python", "3.13.1")  # what an older Makefile left behind
    result = _make(project, env)
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert ".venv was made with Python 3.13.1, which this project does not support" in said
    assert _venv_python(project) == "Python 3.11.9"
