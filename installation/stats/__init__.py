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

The package: ``store`` (the file's columns and rows, reading and appending),
``counter`` (counting a running room), ``plot`` (the chart) and ``report`` (the
tables ``installation stats`` prints; the command itself is
:mod:`installation.commands.stats`). Nothing is imported here: the room loads
the counter without the command's modules, and the command without the counter's.
"""
