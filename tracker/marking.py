"""Where a mention's name sits in its stored sentence, for every place that marks it: the
terminal, the HTML report, the dashboard and the alert e-mails.

A mention keeps its sentence and the words that named it, not their place in the
sentence; the first place those words stand alone is the name's ("le PS" in "Le PSG a
battu Lyon, se félicite le PS", not the first two letters of "PSG").
"""

from __future__ import annotations

import re


def name_at(sentence: str, surface: str) -> int:
    """The start of ``surface`` in ``sentence``: its first occurrence as whole words,
    else its first at all; -1 when it is not there (or empty)."""
    if not surface:
        return -1
    alone = re.search(rf"(?<!\w){re.escape(surface)}(?!\w)", sentence)
    return alone.start() if alone else sentence.find(surface)
