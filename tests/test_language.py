"""Workers start sooner: the language classifier is decompressed once per machine and kept,
restricted to the tracker's languages, in the cache folder (tracker.language)."""

from __future__ import annotations

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from tracker import language

TEXTS = [
    "Le gouvernement a présenté hier son projet de loi sur les retraites au Parlement.",
    "The President met congressional leaders at the White House on Tuesday.",
    "Obama met Sarkozy in Paris",
    "Der Bundestag hat heute über den Haushalt abgestimmt.",
    "",
    "1234 !!!",
]
LANGS = ("de", "en", "fr")


def _ranks(made: LanguageIdentifier) -> list:
    return [made.rank(text) for text in TEXTS]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_CACHE", str(tmp_path / "cache"))
    language.identifier.cache_clear()  # nothing made earlier in this process
    yield tmp_path / "cache" / "tracker"
    language.identifier.cache_clear()


def test_the_kept_classifier_ranks_as_the_one_made_from_py3langid_model(cache, monkeypatch):
    reference = LanguageIdentifier.from_model_file(MODEL_FILE)
    reference.set_languages(list(LANGS))
    first = language.identifier(LANGS)
    assert len(list(cache.glob("langid-*.npz"))) == 1
    assert _ranks(first) == _ranks(reference)

    language.identifier.cache_clear()

    def not_again(langs):
        raise AssertionError("decompressed again")

    monkeypatch.setattr(language, "_restricted", not_again)
    again = language.identifier(LANGS)
    assert again is not first
    assert _ranks(again) == _ranks(reference)
    assert [again.classify(t)[0] for t in TEXTS[:4]] == ["fr", "en", "en", "de"]


def test_a_damaged_kept_file_is_made_again(cache):
    language.identifier(LANGS)
    path = next(cache.glob("langid-*.npz"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the transition table
    path.write_bytes(bytes(data))
    language.identifier.cache_clear()
    reference = LanguageIdentifier.from_model_file(MODEL_FILE)
    reference.set_languages(list(LANGS))
    assert _ranks(language.identifier(LANGS)) == _ranks(reference)
    assert path.read_bytes() != bytes(data)  # written afresh


def test_an_unwritable_cache_folder_still_classifies(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TRACKER_CACHE", str(blocker / "cache"))
    language.identifier.cache_clear()
    try:
        assert language.identifier(("en", "fr")).classify(TEXTS[0])[0] == "fr"
    finally:
        language.identifier.cache_clear()
