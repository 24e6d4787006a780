"""Names as a legislature's register writes them, made the names the press writes.

Italy's register puts the family name first, in capitals ("DI MAIO Luigi"); Greece's the
family name first, then the given name and a nickname ("Androulakis Dimitrios (Mimis)");
Austria's adds degrees ("Mag. Beate Meinl-Reisinger, MES"); elsewhere a bracket tells
namesakes apart ("Benno Zierer (CSU)").
"""

from __future__ import annotations

import re

_PAREN = re.compile(r"\s*\(([^)]*)\)")
_CAPS = re.compile(r"^[A-ZÀ-ÖØ-Þ'’-]{2,}$")
_GRAVE = dict(zip("aeiou", "àèìòù", strict=True))
_DEGREE = re.compile(r",\s*(?:[A-Z][A-Za-z]{0,4}\.?\s*)+$")      # ", MES", ", BA", ", MBA"


def _title(word: str) -> bool:
    """An academic or similar title written before or inside a name: "Mag.", "Dr.",
    "Dipl.-Ing.", "jun.", "(FH)"; an initial ("A.") is no title."""
    return word == "(FH)" or ("." in word and not re.fullmatch(r"[A-Z]\.", word))


def plain_name(name: str, english: str | None, surname_first: bool
                ) -> tuple[str, list[str], str | None]:
    """(the name as the press writes it, other forms worth an alias, the family name when
    it is not the name's last word) from a CSV name written for a register."""
    words = re.findall(r"[\w'’.-]+", name.casefold())
    if english and len(english.split()) >= 2 and (
            _PAREN.search(name) or _DEGREE.search(name) or any(_title(w) for w in name.split())
            or any(_CAPS.match(w) for w in name.split())) and set(
            re.findall(r"[\w'’.-]+", english.casefold())) <= set(words):
        return english, [], None
    name = name.replace(" - (", " (")    # "Ammanatidou - (Paschalidou) Evangelia (Litsa)"
    nick = [m.group(1).strip() for m in _PAREN.finditer(name)
            if not surname_first or not name[m.end():].strip()]  # a Greek nickname ends it
    nick = [n for n in nick if re.fullmatch(r"[A-ZÀ-Þ][a-zß-ÿ'-]+", n)]  # not "(FH)", "(CSU)"
    base = _DEGREE.sub("", _PAREN.sub("", name)).replace(" - ", "-")
    parts = [w for w in base.split() if not _title(w)]
    caps = 0
    while caps < len(parts) - 1 and _CAPS.match(parts[caps]):
        caps += 1
    if caps and sum(c.isalpha() for c in "".join(parts[:caps])) < 3:
        caps = 0                               # "JD Vance": initials, not a family name
    if caps:                                   # "DI MAIO Luigi": the family name in capitals
        # an Italian register's final accent is an apostrophe: "CIRINNA'", "Niccolo'"
        parts = [re.sub(r"(?<=\w)([aeiouAEIOU])'$", lambda m: _GRAVE[m.group(1).lower()], w)
                 for w in parts]
        family = " ".join(w.title() for w in parts[:caps])
        given = parts[caps:]
    elif surname_first and len(parts) >= 2:    # "Kaili Evdoxia-Eva": patronymics dropped
        family, given = parts[0], parts[-1:]
    else:
        plain = " ".join(parts) or name
        family = parts[-1] if parts else ""
        aliases = [f"{n} {family}" for n in nick      # "Binyamin (Fouad) Ben-Eliezer"
                   if family and family in name and name.index(f"({n})") < name.rindex(family)]
        return plain, aliases, None
    plain = " ".join([*given, family])
    aliases = [f"{n} {family}" for n in nick]
    if surname_first:                          # "Spyridon-Adonis": "Adonis Georgiadis"
        aliases += [f"{n} {family}" for n in given[-1].split("-")[1:] if len(n) > 2]
    return plain, aliases, family if " " in family else None
