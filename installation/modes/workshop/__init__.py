"""``installation workshop``: the room opened up for a group and a facilitator.

Beside the feed the screen shows what the face model is actually given (the
frame shrunk to the model's small square input), the boxes it finds with
their scores, and the detection threshold as a slider that changes the live
detector, so a group can watch faces appear and disappear as it moves. An
evasion challenge times how long the visitor in front of the camera stays
unseen by the detector, and a short explanation panel says how detection
works, why the blur can fail and what the installation keeps.

``session`` holds what the screen keeps between frames (the threshold, the
challenge timer), ``model`` what the model is given, ``room`` the room with the
workshop screen instead of the wall, ``command`` the command line;
``installation.display.workshop`` draws, ``installation.explanation`` holds the
texts. The screen imports ``session`` and ``model``, the room imports the
screen: nothing is imported here, so that importing any of them never runs
the room's module.
"""
