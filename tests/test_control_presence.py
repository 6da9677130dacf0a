"""Whether visitors are there (installation/control/presence.py): the invitation ends when a face
arrives, and a followed face lost while a visitor plays says the machine lost them."""

from __future__ import annotations

from installation.control.presence import Presence


def test_a_face_arriving_ends_the_invitation() -> None:
    p = Presence(idle_seconds=10, started=0.0)
    assert p.idle(20.0)
    p.faces_seen(20.1, {("cam", 4)})
    assert not p.idle(20.2)


def test_losing_a_followed_face_while_playing_says_the_machine_lost_you() -> None:
    p = Presence(idle_seconds=45, started=0.0)
    p.faces_seen(1.0, {(0, 1)})
    p.faces_seen(2.0, set())  # gone, but nobody was touching anything
    assert not p.evading(2.1)
    p.faces_seen(3.0, {(0, 2)})
    p.touched(4.0)
    p.faces_seen(5.0, set())
    assert p.evading(5.5) and not p.evading(9.5)
    p.faces_seen(6.0, {(0, 3)})  # found again: the message goes
    assert not p.evading(6.1)
