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
          "ecossais* wales welsh gallois* royaume-uni edinburgh edimbourg holyrood cardiff "
          "belfast stormont",
    "DE": "germany german* allemagne allemand* bundestag berlin",
    "BE": "belgium belgian* belgique belge* wallonie wallon* wallonia flandre flamand* flanders "
          "flemish bruxelles brussels",
    "ES": "spain spanish espagne espagnol* catalogne catalonia catalan* madrid",
    "IT": "italy italian* italie italien* rome",
    "PT": "portugal portuguese portugais* lisbon lisbonne",
    "CH": "switzerland swiss suisse*",
    "AT": "austria austrian* autriche autrichien* vienna",
    "NL": "netherlands dutch pays-bas neerlandais* holland amsterdam",
    "IE": "ireland irish irlande irlandais* dublin dail",
    "GR": "greece greek* grece grec grecque*",
    "PL": "poland polish pologne polonais* warsaw varsovie",
    "HU": "hungary hungarian* hongrie hongrois* budapest",
    "SE": "sweden swedish suede suedois* stockholm",
    "DK": "denmark danish danemark danois* copenhagen copenhague",
    "NO": "norway norwegian* norvege norvegien* oslo",
    "FI": "finland finnish finlande finlandais* helsinki",
    "CA": "canada canadian* canadien* quebec ottawa quebecois* ontario alberta toronto montreal",
    "AU": "australia australian* australie australien* canberra",
    "NZ": "zealand zelande zelandais* neo-zelandais*",
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
    "CZ": "czech czechia tchequie tcheque* prague",
    "SK": "slovakia slovak* slovaquie slovaque*",
    "HR": "croatia croatian* croatie croate*",
    "SI": "slovenia slovenian* slovenie slovene*",
    "EE": "estonia estonian* estonie estonien*",
    "LV": "latvia latvian* lettonie letton*",
    "LT": "lithuania lithuanian* lituanie lituanien*",
    "IS": "iceland icelandic islande islandais*",
    "LU": "luxembourgish luxembourgeois*",
}
_ENDINGS = ("", "s", "e", "es", "ne", "nes", "n", "ns")


def _table(countries: dict[str, str] = _COUNTRIES) -> dict[str, str]:
    words: dict[str, str] = {}
    for code, listed in countries.items():
        for word in listed.split():
            stem = word.rstrip("*")
            for ending in (_ENDINGS if word.endswith("*") else ("",)):
                words.setdefault(stem + ending, code)
    return words


COUNTRY_WORDS = _table()

# Further countries, for saying that an office is a country's ("le président égyptien",
# "Belarusian opposition leader": see discover.py). Not used to judge a party's country:
# "Le PS dénonce la visite du président égyptien" is still the French PS.
_FURTHER = {
    "EG": "egypt egyptian* egypte egyptien*",
    "LB": "lebanon lebanese liban libanais*",
    "SY": "syria syrian* syrie syrien*",
    "IQ": "iraq iraqi* irak irakien*",
    "IR": "iran iranian* iranien*",
    "SA": "saudi* saoudien* saoudite*",
    "AE": "emirati* emirien*",
    "QA": "qatar qatari* qatarien*",
    "JO": "jordanian* jordanie jordanien*",  # not "Jordan", a first name
    "PS": "palestinian* palestinien*",
    "LY": "libya libyan* libye libyen*",
    "BY": "belarus belarusian* bielorussie bielorusse*",
    "AM": "armenia armenian* armenie armenien*",
    "AZ": "azerbaijan azerbaijani* azerbaidjan azerbaidjanais*",
    "KZ": "kazakhstan kazakh* kazakhstanais*",
    "UZ": "uzbekistan uzbek* ouzbekistan ouzbek*",
    "PK": "pakistan pakistani* pakistanais*",
    "AF": "afghanistan afghan*",
    "BD": "bangladesh bangladeshi* bangladais*",
    "VN": "vietnam vietnamese vietnamien*",
    "TH": "thailand thai thailande thailandais*",
    "ID": "indonesia indonesian* indonesie indonesien*",
    "PH": "philippines filipino* philippin*",
    "NG": "nigeria nigerian* nigerian*",
    "KE": "kenya kenyan* kenyan*",
    "ET": "ethiopia ethiopian* ethiopie ethiopien*",
    "CI": "ivorian* ivoirien*",
    "ML": "mali malian* malien*",
    "BF": "burkinabe*",
    "NE": "nigerien*",
    "CM": "cameroon cameroonian* cameroun camerounais*",
    "RW": "rwanda rwandan* rwandais*",
    "VE": "venezuela venezuelan* venezuelien*",
    "CO": "colombia colombian* colombie colombien*",
    "CL": "chile chilean* chili chilien*",
    "PE": "peru peruvian* perou peruvien*",
    "CU": "cuba cuban* cubain*",
    "HR": "croatia croatian* croatie croate*",
    "RS": "serbia serbian* serbie serbe*",
    "SK": "slovakia slovak* slovaquie slovaque*",
    "SI": "slovenia slovenian* slovenie slovene*",
    "EE": "estonia estonian* estonie estonien*",
    "LV": "latvia latvian* lettonie letton*",
    "LT": "lithuania lithuanian* lituanie lituanien*",
    "LU": "luxembourg luxembourgeois*",
    "IS": "iceland icelandic islande islandais*",
    "KR": "sud-coreen* south-korean*",
    "KP": "nord-coreen* north-korean*",
    "TW": "taiwan taiwanese taiwanais*",
}
# Cities, assemblies and team names stand in COUNTRY_WORDS for their country; beside an
# office they name a club, a university or a team: "Real Madrid president", "University
# of Washington President", "Cleveland Indians president".
_NOT_A_COUNTRY = {"washington", "berlin", "madrid", "rome", "dublin", "ottawa", "quebec",
                  "canberra", "bruxelles", "brussels", "bundestag", "dail", "indians",
                  "wallonie", "wallonia", "flandre", "flanders", "catalogne", "catalonia",
                  "holland", "england", "scotland", "wales"}
# Every country word, cities included: beside a party's short form they say whose it is
# ("Scotland's Greens", "Nigeria's PDP").
ANY_COUNTRY_WORDS = {**_table(_FURTHER), **COUNTRY_WORDS}
DEMONYMS = {word: code for word, code in ANY_COUNTRY_WORDS.items()
            if word not in _NOT_A_COUNTRY}
