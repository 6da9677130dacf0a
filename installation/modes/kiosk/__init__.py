"""``installation kiosk``: the monitoring room unattended in a gallery, for weeks.

    installation kiosk                       fullscreen, config from the default location
    installation kiosk --config FILE         another config file
    installation kiosk --install [--xdg]     start it at login (systemd user unit, or XDG autostart)
    installation kiosk --uninstall           remove what --install installed

Visitors have no way out: Esc and Q do nothing, the cursor is hidden and the
screen never blanks while the kiosk runs. A facilitator holds the top-left
corner for 3 seconds (or presses Ctrl+Alt+F) and types the PIN from
``[kiosk] pin`` on the on-screen keypad; the panel shows how the run is doing
and offers: aim the cameras, reload the config, quit.

Only one kiosk runs at a time (:class:`~installation.modes.kiosk.files.InstanceLock`).
A watchdog thread exits the process for a restart when no frame has reached the
screen for ``kiosk.watchdog_seconds``, and touches a heartbeat file every
:data:`~installation.modes.kiosk.watchdog.HEARTBEAT_SECONDS` while frames flow, so
an outside supervisor can see a hang too. Both files live in
:func:`~installation.modes.kiosk.files.runtime_dir`.

Outside the opening hours (``[hours]``) the screen is dark, the panel's
lights are off and the cameras are released; the room wakes on time.

One module per job, none imported here (so that ``installation doctor`` can read
the lock without loading the room):

- :mod:`.exits`: the exit codes a supervisor acts on.
- :mod:`.files`: the runtime folder, the lock that keeps the kiosk to one instance.
- :mod:`.watchdog`: the heartbeat file and the watchdog that restarts a stalled screen.
- :mod:`.blanking`: keeping the screen awake, and putting its settings back.
- :mod:`.cameras`: cameras let go at closing time and taken back at opening.
- :mod:`.panel` and :mod:`.panel_input`: the facilitator's PIN keypad and menu, and
  how touches and keys reach it (``installation.display.kiosk`` draws them).
- :mod:`.aiming`: every camera on the wall with the detector's boxes, for a few seconds.
- :mod:`.loop`: :class:`~installation.modes.kiosk.loop.Kiosk`, the room plus all of the above.
- :mod:`.supervise`: restarting the kiosk where there is no systemd.

The command line (``--install``, ``--supervise``, the screen options) is
:mod:`installation.commands.kiosk`.
"""
