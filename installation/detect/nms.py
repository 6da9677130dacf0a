"""Merging overlapping detections and keeping boxes inside the frame."""

from __future__ import annotations

from collections.abc import Iterable

from installation.frames import SURE_SCORE, Detection

#: Two boxes overlapping this much (intersection over union) are one face.
IOU_THRESHOLD = 0.3
#: A box this much inside a stronger one adds nothing to what is hidden.
INSIDE_THRESHOLD = 0.8
#: A box scoring under :data:`NESTED_SCORE` that holds the centre of a stronger box at least
#: :data:`NESTED_MIN_PX` wide, and is no narrower than it, is that face's look-alike (a hand and
#: a face, three faces side by side taken for one large face): a face in front of another hides
#: it, so no face's box holds a near face's centre. Held and carried through a zoom, such boxes
#: blurred the room around the faces. Smaller faces come in crowds, among faces too small to be
#: found, which a weak box over a few of them may be all that hides: it stays.
NESTED_SCORE = SURE_SCORE
NESTED_MIN_PX = 96.0
#: A box scoring under :data:`NESTED_SCORE` more than this many times as wide as the widest sure
#: face in the frame (one scoring :data:`NESTED_SCORE` or more, at least :data:`NESTED_MIN_PX`
#: wide) is a look-alike too (a torso under a face, a shoulder, hair): the faces of one room are
#: of a size, and a face much nearer the camera than a sure one is seen at least as well. Unless
#: the frame's edge cuts it: a face cut by the edge is found only weakly, and its box may be all
#: that hides it.
OUTSIZED_RATIO = 1.5
#: A box that reaches the frame's edge (:meth:`Box.edges`) is cut by it when it is narrower
#: than this share of its height (a side edge) or lower than this share of its width (the top
#: or bottom edge): a whole face's box is 0.75-1 times as wide as it is high, and a look-alike
#: that merely touches the edge (a lampshade, a shoulder) keeps its proportions.
CUT_WIDTH = 0.75
CUT_HEIGHT = 1.0


def suppress(
    detections: Iterable[Detection],
    *,
    iou: float = IOU_THRESHOLD,
    inside: float = INSIDE_THRESHOLD,
    frame: tuple[int, int] | None = None,
) -> list[Detection]:
    """Greedy non-maximum suppression: strongest first, dropping what a kept box already covers.

    A candidate goes when its IoU with a kept box reaches ``iou`` or when
    ``inside`` of its own area lies within a kept box (a face cut by a tile
    edge next to the whole face from a neighbouring tile). A weaker box that
    reaches well beyond a stronger one and overlaps it little is kept: when in
    doubt, hide more. Unless it is weak and holds a near face's centre
    (:data:`NESTED_SCORE`): a look-alike around that face. Given the
    ``frame``'s ``(width, height)``, a weak box far wider than every sure face
    (:data:`OUTSIZED_RATIO`) that the frame's edge does not cut goes too.

    >>> from installation.geometry import Box
    >>> face = Detection(Box(100, 100, 50, 50), 0.9)
    >>> echo = Detection(Box(104, 102, 50, 50), 0.6)
    >>> half = Detection(Box(100, 100, 25, 50), 0.7)
    >>> other = Detection(Box(400, 100, 50, 50), 0.8)
    >>> [d.score for d in suppress([echo, half, face, other])]
    [0.9, 0.8]
    >>> near = Detection(Box(100, 100, 120, 120), 0.9)
    >>> around = Detection(Box(40, 40, 300, 260), 0.3)
    >>> [d.score for d in suppress([around, near])], [d.score for d in suppress([around, face])]
    ([0.9], [0.9, 0.3])
    >>> torso = Detection(Box(60, 230, 200, 240), 0.3)
    >>> [d.score for d in suppress([torso, near], frame=(640, 480))]
    [0.9]
    >>> cut_by_the_edge = Detection(Box(0, 230, 170, 240), 0.3)
    >>> [d.score for d in suppress([cut_by_the_edge, near], frame=(640, 480))]
    [0.9, 0.3]
    """
    kept: list[Detection] = []
    for candidate in sorted(detections, key=lambda d: d.score, reverse=True):
        box = candidate.box
        if box.area <= 0:
            continue
        for strong in kept:
            overlap = box.intersection(strong.box)
            if overlap <= 0:
                continue
            union = box.area + strong.box.area - overlap
            if overlap >= iou * union or overlap >= inside * box.area:
                break
            if candidate.score < NESTED_SCORE and NESTED_MIN_PX <= strong.box.w <= box.w:
                cx, cy = strong.box.cx, strong.box.cy
                if box.x <= cx <= box.x + box.w and box.y <= cy <= box.y + box.h:
                    break
        else:
            kept.append(candidate)
    if frame is not None:
        widest = max((d.box.w for d in kept if d.score >= NESTED_SCORE), default=0.0)
        if widest >= NESTED_MIN_PX:
            kept = [d for d in kept if not _outsized(d, widest, frame)]
    return kept


def _outsized(detection: Detection, widest: float, frame: tuple[int, int]) -> bool:
    """Whether ``detection`` is weak, far wider than the ``widest`` sure face, and whole in ``frame``."""
    box = detection.box
    left, right, top, bottom = box.edges(*frame)
    sides, ends = left or right, top or bottom
    # Cut by an edge: touching it, and narrower along its axis than a whole face's box.
    cut = (sides and box.w < CUT_WIDTH * box.h) or (ends and box.h < CUT_HEIGHT * box.w)
    return detection.score < NESTED_SCORE and box.w > OUTSIZED_RATIO * widest and not cut


def clip_all(detections: Iterable[Detection], width: int, height: int) -> list[Detection]:
    """Each box cut to the ``width`` x ``height`` frame; boxes left empty are dropped.

    >>> from installation.geometry import Box
    >>> half_out = Detection(Box(-10.0, 5.0, 30.0, 20.0), 0.9)
    >>> all_out = Detection(Box(700.0, 5.0, 30.0, 20.0), 0.8)
    >>> clip_all([half_out, all_out], 640, 360)
    [Detection(box=Box(x=0.0, y=5.0, w=20.0, h=20.0), score=0.9)]
    """
    out = []
    for detection in detections:
        box = detection.box.clipped(width, height)
        if box.w > 0 and box.h > 0:
            out.append(Detection(box, detection.score))
    return out
