"""The kiosk's exit codes: what a supervisor (the systemd unit, ``--supervise``) does after each."""

from __future__ import annotations

from installation.errors import ConfigError, UsageError

#: Quit from the facilitator panel, or stopped by the system (SIGTERM): not restarted.
EXIT_OK = 0
#: Crashed (the traceback is in the log): restarted by the supervisor.
EXIT_CRASH = 1
#: Bad command-line arguments.
EXIT_USAGE = UsageError.exit_code
#: The config file has an error: not restarted until it is fixed (``RestartPreventExitStatus``).
EXIT_CONFIG = ConfigError.exit_code
#: Another kiosk is already running.
EXIT_RUNNING = 4
#: The watchdog saw no frame reach the screen in time: restart wanted (EX_TEMPFAIL).
EXIT_RESTART = 75

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "quit by the facilitator, or stopped by the system; not restarted",
    EXIT_CRASH: "crashed (traceback in the log); restarted",
    EXIT_USAGE: "bad command-line arguments",
    EXIT_CONFIG: "configuration error; not restarted until the file is fixed",
    EXIT_RUNNING: "another kiosk is already running",
    EXIT_RESTART: "restart wanted: no frame reached the screen in time (watchdog); restarted",
}
