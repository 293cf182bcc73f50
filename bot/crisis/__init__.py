"""Recognising a person in crisis, whatever else is going on, and the help each crisis needs.

``kinds`` is the one list of crisis kinds and the help lines each one puts first; ``phrases``
reads the curated phrase lists in ``flows/crisis/<lang>.yml``; ``detector`` finds them in a
message after ``normalise`` has evened out spelling. The gateway runs the detector on every
typed message before anything else (``bot.gateway.crisis``).
"""
