"""The ``installation`` command's subcommands: one thin module each, turning the command line into
calls on the package.

Each module has ``register(subparsers)``, which adds its subcommand with its options and help,
and the function the subcommand runs. The screen options that every command opening the room
shares (``run``, ``demo``, ``workshop``, ``kiosk``) are defined once, in
:mod:`~installation.commands.options`. A module here imports the room, a mode or anything
heavy only when its command runs, so ``installation --help`` or ``installation stats`` load
neither pygame nor a camera. :mod:`installation.cli` lists them.
"""
