"""EveryPolitician's group labels, by country, mapped to the KB's parties.

The copy names a member's parliamentary group as the legislature's site wrote it ("N.D.
(New Democracy)", "Klub Parlamentarny Prawo i Sprawiedliwość"): a label that is one
party's maps to the KB's party, a label that is no party (the non-attached, the Speaker)
to none, and the rest become parties of their own (``NEW_PARTIES`` names some).
"""

from __future__ import annotations

import datetime as dt

# Per country: EveryPolitician group label -> our party id (None: no party).  UK and US
# labels not listed go through the parlparse / congress readers' tables.
PARTIES: dict[str, dict[str, str | None]] = {
    "US": {"AL": None},      # a stray label (Puerto Rico's resident commissioner, 2001)
    "GB": {},
    "DE": {
        "SPD": "spd", "CDU": "cdu", "CSU": "csu", "FDP": "fdp", "AfD": "afd",
        "Bündnis 90/Die Grünen": "gruene", "GRÜNE": "gruene", "Die Grünen": "gruene",
        "DIE LINKE": "die-linke", "Die Linke": "die-linke",
        "PDS": "partei-des-demokratischen-sozialismus",
        "SPD (GDP)": "spd", "CSU (GDP)": "csu",
        "unabhängig": None, "fraktionslos": None,
    },
    "CA": {
        "Conservative": "conservative-party-canada", "Liberal": "liberal-party-canada",
        "NDP": "new-democratic-party", "Bloc Québécois": "bloc-quebecois",
        "Green": "green-party-of-canada",
    },
    "AU": {
        "Australian Labor Party": "alp", "Liberal Party": "liberal-party-australia",
        "National Party": "national-party-of-australia",
        "Country Liberal Party": "country-liberal-party",
        "Australian Greens": "australian-greens",
        "Christian Democratic Party": "christian-democratic-party-australia",
        "Palmer United Party": "palmer-united-party",
        "Pauline Hanson's One Nation Party": "pauline-hansons-one-nation",
        "SPK": None, "CWM": None,     # the Speaker, the Chair of Committees
    },
    # Elsewhere the group labels of the copy, mapped to the KB's parties where the group is
    # one party's (Greece's MPs were "N.D. (New Democracy)", not the KB's Nea Dimokratia,
    # so a party's share of voice missed its own MPs).  Groups of several parties, Italy's
    # "MISTO" and Switzerland's mixed "C" group stay labels of their own.
    "GR": {
        "N.D. (New Democracy)": "nd-greece",
        "PA.SO.K. (Panhellenic Socialist Movement)": "pasok",
        "SYRIZA (Coalition of the Radical Left)": "syriza",
        "K.K.E. (Communist Party of Greece)": "kommounistiko-komma-elladas",
        "ANEXARTITOI ELLINES (Independent Hellenes)": "anexartitoi-ellines",
        "LAIKOS SYNDESMOS - CHRYSI AVGI (People’s Association – Golden Dawn)":
            "laikos-syndesmos-chrysi-avgi",
        "TO POTAMI (The River)": "to-potami",
        "ANEXARTITOI DIMOKRATIKOI VOULEFTES": None,     # "independent democratic MPs"
    },
    "IT": {
        "PARTITO DEMOCRATICO": "pd-italy", "Partito Democratico": "pd-italy",
        "MOVIMENTO 5 STELLE": "m5s", "Movimento 5 stelle": "m5s",
        "FORZA ITALIA - IL POPOLO DELLA LIBERTA' - BERLUSCONI PRESIDENTE": "forza-italia",
        "IL POPOLO DELLA LIBERTA' - BERLUSCONI PRESIDENTE": "pdl",
        "Popolo della Libertà": "pdl",
        "LEGA NORD E AUTONOMIE - LEGA DEI POPOLI - NOI CON SALVINI": "lega",
        "LEGA NORD E AUTONOMIE": "lega", "Lega Nord e autonomie": "lega",
        "FRATELLI D'ITALIA-ALLEANZA NAZIONALE": "fdi",
        "MISTO - non iscritto ad alcuna componente politica": None,   # the non-attached
        "Gruppo Misto": None,
    },
    "PL": {
        "Klub Parlamentarny Platforma Obywatelska": "po",
        "Klub Parlamentarny Prawo i Sprawiedliwość": "pis",
        "Sojusz Lewicy Demokratycznej Klub Parlamentarny": "sojusz-lewicy-demokratycznej",
        "Klub Parlamentarny Sojuszu Lewicy Demokratycznej": "sojusz-lewicy-demokratycznej",
        "Klub Parlamentarny Sojuszu Lewicy Demokratycznej[m]": "sojusz-lewicy-demokratycznej",
        "Klub Poselski Sojusz Lewicy Demokratycznej": "sojusz-lewicy-demokratycznej",
        "Klub Poselski Sojusz Lewicy Demokratycznej[af]": "sojusz-lewicy-demokratycznej",
        "Klub Parlamentarny Polskiego Stronnictwa Ludowego": "polskie-stronnictwo-ludowe",
        "Klub Parlamentarny Polskiego Stronnictwa Ludowego[d]": "polskie-stronnictwo-ludowe",
        "Klub Poselski Polskiego Stronnictwa Ludowego": "polskie-stronnictwo-ludowe",
        "Klub Parlamentarny Samoobrona Rzeczypospolitej Polskiej":
            "samoobrona-rzeczpospolitej-polskiej",
        "Klub Parlamentarny Liga Polskich Rodzin": "liga-polskich-rodzin",
        "Posłowie niezrzeszeni": None,                  # the non-attached deputies
    },
    "NL": {
        "People's Party for Freedom and Democracy": "vvd", "Labour Party": "pvda",
        "CDA": "cda", "Party for Freedom": "pvv", "Socialist Party": "socialistische-partij",
        "Democrats 66": "democraten-66", "Christian Union": "christenunie",
        "Green Left": "groenlinks", "Reformed Political Party": "staatkundig-gereformeerde-partij",
        "Party for the Animals": "partij-voor-de-dieren",
        # groups named after the members who left their party: no party ("Klein")
        "Klein": None, "HOUWERS": None, "Van Vliet": None, "Bontes/Van Klaveren": None,
        "Group Kuzu/Öztürk": None,
    },
    "NZ": {
        "National Party": "new-zealand-national-party", "Labour Party": "new-zealand-labour-party",
        "Green Party": "green-party-of-aotearoa-new-zealand",
    },
    "IE": {"Labour": "irish-labour-party", "People Before Profit Alliance": "people-before-profit",
           "Ceann Comhairle": None},                    # the Speaker
    "AT": {"SPÖ": "spo", "ÖVP": "ovp", "FPÖ": "fpo", "Grüne": "die-grunen-die-grune-alternative",
           "ohne (none)": None},
    # The National Council's groups: S the Social Democrats, V the SVP, G the Greens, GL the
    # Green Liberals, RL the Radical-Liberals (the FDP's group, the PLR's since 2009).
    "CH": {"S": "parti-socialiste-suisse", "V": "union-democratique-du-centre",
           "G": "les-vert-e-s-suisses", "GL": "parti-vert-liberal",
           "RL": "plr-les-liberaux-radicaux"},
    "IL": {"Israel Labor Party": "mifleget-haavoda-hayisraelit",
           "Yisrael Beitenu": "yisrael-beiteinu", "United Torah Judaism": "yahadut-hatorah"},
    "ES": {"PP": "pp-spain", "PP-PAR": "pp-spain", "PP-EU": "pp-spain", "PSOE": "psoe",
           "PSC-PSOE": "partit-dels-socialistes-de-catalunya",
           "ERC-RI.cat": "esquerra-republicana-de-catalunya"},
    "BE": {"PS": "ps-belge", "MR": "mr", "N-VA": "n-va", "CD&V": "cd-v", "Open Vld": "open-vld"},
    "PT": {"PS": "ps-portugal", "PSD": "psd-portugal", "CDS-PP": "cds-partido-popular",
           "PCP": "partido-comunista-portugues", "BE": "bloco-de-esquerda"},
}

# Parties the KB may lack, outside the US and the UK: id -> (official name, aliases).
NEW_PARTIES = {
    "partei-des-demokratischen-sozialismus": ("Partei des Demokratischen Sozialismus",
                                              ["PDS"]),
    "new-democratic-party": ("New Democratic Party", ["NDP", "Nouveau Parti démocratique"]),
    "bloc-quebecois": ("Bloc Québécois", []),
    "green-party-of-canada": ("Green Party of Canada", []),
    "national-party-of-australia": ("National Party of Australia", ["The Nationals"]),
    "country-liberal-party": ("Country Liberal Party", []),
    "australian-greens": ("Australian Greens", []),
    "christian-democratic-party-australia": ("Christian Democratic Party", []),
    "palmer-united-party": ("Palmer United Party", []),
    "pauline-hansons-one-nation": ("Pauline Hanson's One Nation", ["One Nation"]),
}

# The KB parties' founding dates (tracker/kbdata/entities.yaml) where a term may predate them.
KB_START = {
    "democratic-party": dt.date(1828, 1, 8),
    "republican-party": dt.date(1854, 3, 20),
    "gruene": dt.date(1993, 5, 14),
    "die-linke": dt.date(2007, 6, 16),
    "afd": dt.date(2013, 2, 6),
    "syriza": dt.date(2004, 1, 1),
    "pd-italy": dt.date(2007, 10, 14),
    "m5s": dt.date(2009, 10, 4),
    "pdl": dt.date(2009, 3, 29),
    "fdi": dt.date(2012, 12, 1),
    "po": dt.date(2001, 1, 24),
    "pis": dt.date(2001, 6, 13),
    "pvv": dt.date(2006, 2, 22),
    "mr": dt.date(2002, 3, 24),
    "n-va": dt.date(2001, 10, 13),
    "cd-v": dt.date(2001, 9, 29),
}
KB_PARTY_IDS = {"democratic-party", "republican-party", "labour", "conservatives", "libdems",
                "snp", "ukip", "reform-uk", "brexit-party", "cdu", "csu", "spd", "gruene",
                "fdp", "afd", "die-linke", "bsw", "liberal-party-canada",
                "conservative-party-canada", "alp", "liberal-party-australia",
                *(pid for country in ("GR", "IT", "PL", "NL", "NZ", "IE", "AT", "CH", "IL",
                                      "ES", "BE", "PT")
                  for pid in PARTIES[country].values() if pid)}
