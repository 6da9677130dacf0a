"""The ways the room is run: :mod:`~installation.modes.kiosk` unattended in a gallery for weeks,
:mod:`~installation.modes.workshop` opened up for a group and a facilitator.

A mode puts the room (:mod:`installation.room`) on screen and adds what its setting
needs around it; the commands that start them live in :mod:`installation.commands`.
"""
