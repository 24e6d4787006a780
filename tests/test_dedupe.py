"""The store's memory of recent fingerprints: the last documents stored stay comparable
without hashing their texts again, within a bound."""

from __future__ import annotations

from tracker.dedupe import RecentPrints, fingerprint


def _text(n: int, words: int = 60) -> str:
    return " ".join(f"mot{n}x{i}" for i in range(words))


def test_the_least_recently_used_goes_first_and_short_or_huge_texts_are_not_kept():
    prints = {n: fingerprint(_text(n)) for n in range(5)}
    one = len(prints[0].packed) + RecentPrints.ENTRY
    recent = RecentPrints(max_bytes=4 * one)
    for n in range(4):
        recent.add(f"d{n}", prints[n])
    assert recent.get("d0") == prints[0].shingles  # read: now the most recent
    recent.add("d4", prints[4])
    assert recent.get("d1") is None  # the least recently used went
    assert {n for n in (0, 2, 3, 4) if recent.get(f"d{n}") == prints[n].shingles} == {0, 2, 3, 4}

    brief = fingerprint("Une brève de dix mots seulement, trop courte pour compter.")
    assert not brief.bands
    recent.add("brief", brief)
    assert recent.get("brief") is None
    huge = fingerprint(_text(9, words=2000))
    recent.add("huge", huge)  # would push every other out
    assert recent.get("huge") is None and recent.get("d4") is not None
