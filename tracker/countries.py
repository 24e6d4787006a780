"""Words that name a country near a party's name: "Angola's National Front", "les Verts
allemands". A party of another country with the same name is not the one the KB means.

Folded forms (lower case, no accents) of country names and demonyms, French and English.
"""

from __future__ import annotations

# country code -> names and demonym stems, French and English; stems get their endings below
_COUNTRIES = {
    "FR": "france french francais* francaise*",
    "US": "america american* americain* etats-unis usa u.s. washington",
    "GB": "britain british britannique* uk england english anglais* scotland scottish "
          "ecossais* wales welsh gallois* royaume-uni",
    "DE": "germany german* allemagne allemand* bundestag berlin",
    "BE": "belgium belgian* belgique belge* wallonie wallon* wallonia flandre flamand* flanders "
          "flemish bruxelles brussels",
    "ES": "spain spanish espagne espagnol* catalogne catalonia catalan* madrid",
    "IT": "italy italian* italie italien* rome",
    "PT": "portugal portuguese portugais*",
    "CH": "switzerland swiss suisse*",
    "AT": "austria austrian* autriche autrichien*",
    "NL": "netherlands dutch pays-bas neerlandais* holland",
    "IE": "ireland irish irlande irlandais* dublin dail",
    "GR": "greece greek* grece grec grecque*",
    "PL": "poland polish pologne polonais*",
    "HU": "hungary hungarian* hongrie hongrois*",
    "SE": "sweden swedish suede suedois*",
    "DK": "denmark danish danemark danois*",
    "NO": "norway norwegian* norvege norvegien*",
    "FI": "finland finnish finlande finlandais*",
    "CA": "canada canadian* canadien* quebec ottawa quebecois*",
    "AU": "australia australian* australie australien* canberra",
    "NZ": "zealand zelande",
    "IL": "israel israeli* israelien*",
    "AO": "angola angolan* angolais*",
    "MY": "malaysia malaysian* malaisie malaisien* malaysien*",
    "MA": "morocco moroccan* maroc marocain*",
    "DZ": "algeria algerian* algerie algerien*",
    "TN": "tunisia tunisian* tunisie tunisien*",
    "SN": "senegal senegalese senegalais*",
    "JP": "japan japanese japon japonais*",
    "IN": "india indian* inde indien*",
    "BR": "brazil brazilian* bresil bresilien*",
    "MX": "mexico mexican* mexique mexicain*",
    "AR": "argentina argentine* argentin*",
    "RU": "russia russian* russie russe*",
    "UA": "ukraine ukrainian* ukrainien*",
    "TR": "turkey turkish turquie turc turque*",
    "CN": "china chinese chine chinois*",
    "ZA": "sud-africain* south-african*",
    "BG": "bulgaria bulgarian* bulgarie bulgare*",
    "RO": "romania romanian* roumanie roumain*",
    "CZ": "czech tcheque*",
}
_ENDINGS = ("", "s", "e", "es", "ne", "nes", "n", "ns")


def _table() -> dict[str, str]:
    words: dict[str, str] = {}
    for code, listed in _COUNTRIES.items():
        for word in listed.split():
            stem = word.rstrip("*")
            for ending in (_ENDINGS if word.endswith("*") else ("",)):
                words.setdefault(stem + ending, code)
    return words


COUNTRY_WORDS = _table()
