"""``python -m installation`` is the same as the ``installation`` command."""

from installation.cli import main

raise SystemExit(main())
