"""A deterministic corpus of French political news, served on loopback like many news sites.

Benchmarks need pages that cost what real ones cost: 500 to 1,500 words of varied French
(mean about 1,000) naming the knowledge base's politicians and parties among places,
numbers and people the KB does not know (so NER has real work), inside a full page with
the boilerplate extraction must drop (menu, cookie banner, "Les plus lus", related links,
footer). Every text is distinct: sentences are composed from short phrases with random
fills, so no two articles share enough five-word shingles to look like copies to the
tracker's MinHash (they would cost extra comparisons and be flagged as duplicates).

``CorpusServer`` serves the pages and RSS 2.0 feeds from several loopback addresses
(127.0.0.2, 127.0.0.3, ...; Linux routes all of 127.0.0.0/8 to lo), one site per feed by
default: the tracker serialises requests per host, so this is the shape of real use (many
sites fetched in parallel), not one host hammered without delay.

    python bench/corpus.py --articles 200              # statistics of the corpus
    python bench/corpus.py --articles 200 --serve DIR  # serve it, write DIR/config.yaml
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import math
import random
import re
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

import yaml

ROOT = Path(__file__).resolve().parent.parent
KB_FILE = ROOT / "tracker" / "kbdata" / "entities.yaml"
SEED = 20261126
PARIS = dt.timezone(dt.timedelta(hours=1))
FIRST_DAY = dt.datetime(2024, 9, 1, 6, 0, tzinfo=PARIS)
SPAN_DAYS = 810  # articles dated from September 2024 to late November 2026

# -- vocabulary -----------------------------------------------------------------------------
# Politicians of kbdata/entities.yaml: (full name, surname, feminine), the first ones most often.
POLITICIANS = [
    ("Emmanuel Macron", "Macron", False), ("Marine Le Pen", "Le Pen", True),
    ("Jean-Luc Mélenchon", "Mélenchon", False), ("Gabriel Attal", "Attal", False),
    ("Jordan Bardella", "Bardella", False), ("Olivier Faure", "Faure", False),
    ("Édouard Philippe", "Philippe", False), ("François Bayrou", "Bayrou", False),
    ("Éric Ciotti", "Ciotti", False), ("Marine Tondelier", "Tondelier", True),
    ("Fabien Roussel", "Roussel", False), ("Bruno Retailleau", "Retailleau", False),
    ("Laurent Wauquiez", "Wauquiez", False), ("Raphaël Glucksmann", "Glucksmann", False),
    ("Michel Barnier", "Barnier", False), ("Élisabeth Borne", "Borne", True),
    ("Gérald Darmanin", "Darmanin", False), ("Manuel Bompard", "Bompard", False),
    ("Clémentine Autain", "Autain", True), ("Sébastien Lecornu", "Lecornu", False),
    ("Bruno Le Maire", "Le Maire", False), ("Valérie Pécresse", "Pécresse", True),
    ("Anne Hidalgo", "Hidalgo", True), ("Éric Zemmour", "Zemmour", False),
    ("Marion Maréchal", "Maréchal", True), ("François Hollande", "Hollande", False),
]
# Parties: (subject form, plural?) — "de" + form is contracted later ("du RN", "des Républicains").
PARTIES = [
    ("le Rassemblement national", False), ("le RN", False), ("La France insoumise", False),
    ("LFI", False), ("le Parti socialiste", False), ("le PS", False),
    ("Les Républicains", True), ("LR", False), ("Renaissance", False), ("Horizons", False),
    ("le MoDem", False), ("Les Écologistes", True), ("le Parti communiste", False),
    ("Reconquête", False), ("le Nouveau Front populaire", False),
]
FIRST_NAMES = [
    ("Claire", True), ("Sophie", True), ("Camille", True), ("Julie", True), ("Hélène", True),
    ("Isabelle", True), ("Nathalie", True), ("Léa", True), ("Agnès", True), ("Céline", True),
    ("Mathilde", True), ("Sandrine", True), ("Aurélie", True), ("Laure", True),
    ("Antoine", False), ("Julien", False), ("Thomas", False), ("Mathieu", False),
    ("Vincent", False), ("Guillaume", False), ("Stéphane", False), ("Damien", False),
    ("Yann", False), ("Romain", False), ("Cédric", False), ("Arnaud", False), ("Karim", False),
    ("Benoît", False),
]
SURNAMES = ["Dubois", "Lefèvre", "Moreau", "Girard", "Bonnet", "Mercier", "Rousseau", "Blanchard",
            "Garnier", "Chevalier", "Perrin", "Gauthier", "Renaud", "Lemoine", "Brunet", "Colin",
            "Masson", "Caron", "Picard", "Aubert", "Lemaire", "Roux", "Fournier", "Lambert",
            "Rolland", "Vidal", "Carpentier", "Guérin", "Boyer", "Giraud", "Lacroix", "Meunier",
            "Barbier", "Marchand", "Dufour", "Leclerc", "Vasseur", "Delaunay", "Cordier",
            "Pasquier", "Tessier", "Besnard", "Hamel", "Lebrun", "Poirier", "Texier", "Ollivier",
            "Benali", "Haddad", "Nguyen", "Kowalski", "Ferreira", "Da Silva", "Ménard", "Prévost",
            "Lenoir", "Guillot", "Royer", "Collet", "Bertin", "Maillard", "Huet", "Gilbert",
            "Schmitt", "Weber", "Keller", "Baudry", "Jacquet", "Hoarau", "Payet", "Le Gall",
            "Le Goff", "Kerbrat", "Tanguy", "Castel", "Brun", "Aubry-Lenoir", "Delmas",
            "Carrère", "Larrieu", "Etcheverry"]
ROLES = [  # (masculine, feminine); {place} and {dept} are filled in
    ("maire de {place}", "maire de {place}"),
    ("politologue à Sciences Po", "politologue à Sciences Po"),
    ("député de {dept}", "députée de {dept}"), ("sénateur de {dept}", "sénatrice de {dept}"),
    ("secrétaire départemental de la CGT de {dept}", "secrétaire départementale de la CGT "
     "de {dept}"),
    ("économiste à l'OFCE", "économiste à l'OFCE"),
    ("président du conseil départemental de {dept}", "présidente du conseil départemental "
     "de {dept}"),
    ("chercheur au Cevipof", "chercheuse au Cevipof"),
    ("conseiller régional", "conseillère régionale"),
    ("militant associatif à {place}", "militante associative à {place}"),
    ("agriculteur à {place}", "agricultrice à {place}"),
    ("adjoint aux finances de {place}", "adjointe aux finances de {place}"),
    ("délégué syndical chez un sous-traitant automobile", "déléguée syndicale chez un "
     "sous-traitant automobile"),
    ("professeur de droit public à l'université de {city}", "professeure de droit public à "
     "l'université de {city}"),
    ("directeur d'un hôpital de {dept}", "directrice d'un hôpital de {dept}"),
]
CITIES = ["Lyon", "Marseille", "Toulouse", "Lille", "Bordeaux", "Nantes", "Strasbourg", "Rennes",
          "Montpellier", "Nice", "Grenoble", "Dijon", "Clermont-Ferrand", "Brest", "Tours",
          "Amiens", "Metz", "Perpignan", "Besançon", "Limoges", "Poitiers", "Pau", "Bayonne",
          "Ajaccio", "Saint-Étienne", "Rouen", "Caen", "Nancy", "Reims", "Orléans", "Angers",
          "Avignon", "Nîmes", "Toulon", "Valence", "Annecy", "Chambéry", "Troyes", "Quimper",
          "Lorient", "Vannes", "Niort", "Cholet", "Roubaix", "Tourcoing", "Dunkerque", "Calais",
          "Arras", "Béziers", "Narbonne", "Carcassonne", "Albi", "Rodez", "Montauban", "Agen",
          "Périgueux", "Brive", "Guéret", "Vichy", "Nevers", "Auxerre", "Mulhouse", "Colmar",
          "Épinal", "Charleville-Mézières", "Laval", "Saint-Brieuc", "Cherbourg", "Évreux",
          "Beauvais", "Compiègne", "Créteil", "Bobigny", "Nanterre", "Argenteuil", "Montreuil"]
VILLAGE_HEADS = ["Saint-Jean", "Villeneuve", "Sainte-Marie", "Beaumont", "Montigny",
                 "Châteauneuf", "Fontaine", "Bourg", "Vaux", "Champigny", "Saint-Aubin",
                 "Neuville", "Roche", "Mont", "Pont"]
VILLAGE_TAILS = ["-sur-Loire", "-lès-Avignon", "-en-Bresse", "-le-Château", "-sur-Mer",
                 "-d'Azergues", "-la-Forêt", "-du-Lac", "-sur-Marne", "-en-Vexin", "-le-Vieux",
                 "-sous-Bois", "-en-Auge", "-sur-Sèvre", "-de-Provence"]
DEPARTMENTS = ["la Gironde", "le Nord", "les Bouches-du-Rhône", "l'Hérault",
               "la Seine-Saint-Denis", "le Finistère", "l'Isère", "la Haute-Garonne",
               "le Pas-de-Calais", "la Moselle", "le Var", "le Rhône", "la Loire-Atlantique",
               "le Bas-Rhin", "l'Aisne", "la Somme", "l'Oise", "le Val-de-Marne",
               "les Alpes-Maritimes", "la Creuse", "le Cantal", "la Corrèze", "l'Ardèche",
               "le Doubs", "la Marne", "les Yvelines", "l'Essonne", "la Vendée", "le Gers",
               "la Manche", "le Morbihan", "la Sarthe"]
MEDIA = ["France Inter", "BFMTV", "RTL", "franceinfo", "LCI", "Europe 1", "Le Parisien",
         "Ouest-France", "La Dépêche du Midi", "Sud Radio", "France 2", "TF1", "CNews",
         "Public Sénat", "La Tribune Dimanche", "Les Échos", "RMC", "France 3 Occitanie"]
POLLSTERS = ["Ifop", "Elabe", "Ipsos", "Odoxa", "OpinionWay", "BVA", "Viavoice", "Cluster17",
             "Toluna", "CSA"]
UNIONS = ["la CGT", "la CFDT", "Force ouvrière", "l'intersyndicale", "Solidaires", "la FSU",
          "l'Unsa", "la CFE-CGC"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
ORDINALS = ["deuxième", "troisième", "quatrième", "cinquième", "sixième", "septième"]

OBJECTS = [
    "la réforme des retraites", "le projet de loi de finances pour {year}",
    "le budget de la Sécurité sociale", "la hausse de la CSG", "la loi immigration",
    "la réforme de l'assurance chômage", "la réforme de l'audiovisuel public",
    "le projet de loi sur la fin de vie", "la proportionnelle aux législatives",
    "le plan de {n} milliards d'euros d'économies", "la taxe sur les superprofits",
    "le gel des pensions", "la suppression de {big} postes d'enseignants", "la réforme du RSA",
    "le prix de l'électricité", "la loi de programmation militaire",
    "la dissolution de l'Assemblée nationale", "la motion de censure", "l'article {n} du texte",
    "le recours au 49.3", "la réforme du mode de scrutin", "le plan pour l'hôpital public",
    "la baisse des dotations aux collectivités", "la réforme du collège", "la loi agricole",
    "l'accord sur la Nouvelle-Calédonie", "le bouclier tarifaire", "la revalorisation du smic",
    "les franchises médicales", "la réforme de la fonction publique", "l'aide médicale d'État",
    "l'impôt sur la fortune immobilière", "la trajectoire de la dette",
    "l'accord de libre-échange avec le Mercosur", "la relance du nucléaire",
    "le fret ferroviaire", "les retraites agricoles", "la taxe sur les billets d'avion",
    "le contrôle des loyers à {city}", "la fermeture de la maternité de {place}",
    "le plan de {n} millions d'euros pour {dept}", "le statut de l'élu local",
    "la réforme de la police judiciaire", "le service national universel",
]
VERBS = [  # (singular, plural), followed by an object
    ("a défendu", "ont défendu"), ("a vivement critiqué", "ont vivement critiqué"),
    ("entend amender", "entendent amender"), ("refuse de soutenir", "refusent de soutenir"),
    ("a présenté", "ont présenté"), ("réclame le retrait de", "réclament le retrait de"),
    ("s'oppose frontalement à", "s'opposent frontalement à"), ("a salué", "ont salué"),
    ("veut accélérer", "veulent accélérer"), ("demande un moratoire sur",
                                              "demandent un moratoire sur"),
    ("a dénoncé", "ont dénoncé"), ("prépare une contre-proposition sur",
                                   "préparent une contre-proposition sur"),
    ("pourrait voter", "pourraient voter"), ("a mis en garde contre", "ont mis en garde contre"),
    ("a longuement détaillé", "ont longuement détaillé"), ("exige un vote sur",
                                                           "exigent un vote sur"),
    ("juge inacceptable", "jugent inacceptable"), ("promet de réécrire", "promettent de réécrire"),
    ("a tenté de relancer", "ont tenté de relancer"), ("remet en cause", "remettent en cause"),
    ("conteste le chiffrage de", "contestent le chiffrage de"),
    ("appelle à revoir", "appellent à revoir"), ("a obtenu un report de",
                                                 "ont obtenu un report de"),
    ("soutient sans réserve", "soutiennent sans réserve"),
    ("ne ferme pas la porte à", "ne ferment pas la porte à"),
    ("dit vouloir simplifier", "disent vouloir simplifier"), ("a enterré", "ont enterré"),
    ("a relancé le débat sur", "ont relancé le débat sur"),
    ("réclame une étude d'impact sur", "réclament une étude d'impact sur"),
]
SAYS = [("a affirmé", "ont affirmé"), ("a assuré", "ont assuré"), ("a estimé", "ont estimé"),
        ("a déclaré", "ont déclaré"), ("a martelé", "ont martelé"), ("a rappelé", "ont rappelé"),
        ("a reconnu", "ont reconnu"), ("a prévenu", "ont prévenu"), ("a souligné",
                                                                     "ont souligné"),
        ("a jugé", "ont jugé"), ("a regretté", "ont regretté"), ("a laissé entendre",
                                                                 "ont laissé entendre"),
        ("a répété", "ont répété"), ("a confié", "ont confié"), ("explique", "expliquent"),
        ("estime", "estiment"), ("affirme", "affirment"), ("assure", "assurent")]
CONDITIONALS = [
    ("ne voterait pas", "ne voteraient pas"), ("pourrait renoncer à", "pourraient renoncer à"),
    ("devrait revoir", "devraient revoir"), ("n'accepterait jamais", "n'accepteraient jamais"),
    ("serait prêt à discuter de", "seraient prêts à discuter de"),
    ("finirait par lâcher du lest sur", "finiraient par lâcher du lest sur"),
    ("aurait sous-estimé", "auraient sous-estimé"),
    ("ne pourrait pas faire l'économie d'un débat sur",
     "ne pourraient pas faire l'économie d'un débat sur"),
    ("devait présenter", "devaient présenter"), ("avait déjà tranché sur",
                                                 "avaient déjà tranché sur"),
    ("comptait déposer un recours contre", "comptaient déposer un recours contre"),
    ("restait divisé sur", "restaient divisés sur"),
]
OPENERS = ["{Day} soir", "{Day}", "Ce {day}", "{Day} matin", "Le {date}", "À {place}",
           "Dans la foulée", "Quelques heures plus tard", "Selon nos informations",
           "En coulisses", "Depuis plusieurs semaines", "À l'issue du conseil des ministres",
           "Au lendemain du vote", "Sans surprise", "Contre toute attente", "En fin de journée",
           "D'après plusieurs sources parlementaires", "Pour la première fois depuis {year}",
           "Dans un communiqué publié {day}", "À {n} jours de l'échéance"]
COMPLEMENTS = [
    "devant l'Assemblée nationale", "au Sénat", "en commission des finances", "dès le {date}",
    "malgré l'opposition de {party}", "avant l'examen du texte en séance",
    "pour la {ord} fois depuis {month}", "au nom de la justice sociale",
    "sans attendre l'avis du Conseil d'État", "lors d'un déplacement à {place}",
    "en marge d'un meeting à {place}", "au micro de {media}", "dans un entretien à {media}",
    "devant {big} militants réunis à {place}", "à la veille du conseil des ministres",
    "face aux maires de {dept}", "quelques jours après le vote du Sénat",
    "sous les huées de l'opposition", "avec le soutien de {party}", "à {n} jours du scrutin",
    "en pleine crise politique", "depuis son fief de {place}",
]
ADVERBIALS = ["{day} soir", "{day}", "lors d'un déplacement à {place}", "au micro de {media}",
              "devant la presse", "en marge d'un meeting à {place}", "sur le plateau de {media}",
              "dans un entretien à {media}", "dans un communiqué", "devant les journalistes",
              "à {city}", ""]
CLAUSES = ["le calendrier était intenable", "{pct} % des électeurs hésitaient encore",
           "la majorité restait introuvable", "rien ne serait tranché avant {month}",
           "le coût réel dépasserait {n} milliards d'euros", "{n} députés hésitaient encore",
           "le texte reviendrait devant le Sénat le {date}",
           "la question serait réglée à {place} avant {month}"]
QUOTE_STARTS = ["Nous ne céderons rien sur", "Il faut avoir le courage de revoir",
                "Les Français ne veulent plus de", "Je demande solennellement le retrait de",
                "Personne ne comprend", "On ne peut pas sacrifier", "Nous voterons contre",
                "C'est une erreur historique de maintenir", "Il n'y aura pas de compromis sur",
                "Nous sommes prêts à discuter de", "Le pays a besoin de clarté sur",
                "Ce gouvernement a menti sur", "Je ne laisserai personne caricaturer",
                "Il est encore temps de corriger", "À {place}, tout le monde parle de"]
QUOTE_ENDS = ["", " tel qu'il est rédigé", ", c'est une question de justice",
              " sans un vrai débat", ", nous le dirons dans l'hémicycle",
              " à {n} mois de l'élection", ", point final", " et nous irons jusqu'au bout",
              ", les chiffres sont là", ", je l'ai dit {day} à {place}"]
SAYS_AFTER_QUOTE = ["a lancé", "a déclaré", "a tonné", "a assuré", "a insisté", "a expliqué",
                    "a affirmé", "a tranché", "a ironisé", "a résumé", "a martelé", "confie",
                    "assure", "prévient"]
GROUPS = ["Français", "sympathisants de {party}", "électeurs de {pol}", "personnes interrogées",
          "moins de 35 ans", "retraités", "ouvriers", "cadres", "habitants des communes rurales",
          "électeurs de gauche", "électeurs de droite"]
OPINIONS = ["se disent favorables à", "s'opposent à", "jugent prioritaire",
            "souhaitent l'abandon de", "approuvent", "rejettent", "considèrent comme injuste",
            "font confiance à {pol} pour mener"]
ASIDES = ["un épisode resté dans les mémoires", "ce que ses adversaires n'ont pas oublié",
          "sans parvenir à convaincre", "au terme d'une longue négociation",
          "provoquant une crise au sein de {party}", "à la surprise de ses propres troupes",
          "quelques semaines avant les municipales"]
GROUP_SUBJECTS = [  # (text, plural)
    ("les députés de {party}", True), ("les sénateurs de {party}", True),
    ("les élus de {party}", True), ("plusieurs ténors de {party}", True),
    ("les militants de {party}", True), ("le groupe de {party} à l'Assemblée", False),
    ("la direction de {party}", False), ("le bureau national de {party}", False),
    ("l'entourage de {pol}", False), ("le camp de {pol}", False), ("le gouvernement", False),
    ("l'exécutif", False), ("Matignon", False), ("l'Élysée", False), ("Bercy", False),
    ("la majorité sénatoriale", False), ("l'intersyndicale", False), ("le Medef", False),
    ("les maires de {dept}", True), ("les syndicats", True),
]
INTERTITLES = ["Une majorité introuvable", "Le calendrier se resserre", "Des divisions à gauche",
               "La droite en embuscade", "Bercy sous pression", "Un vote à haut risque",
               "L'opposition fourbit ses armes", "Les syndicats mobilisés",
               "Un précédent en {year}", "Sur le terrain, à {place}", "Ce que prévoit le texte",
               "Les chiffres clés", "Et maintenant ?", "Le regard des électeurs"]
RUBRICS = ["Budget", "Retraites", "Assemblée", "Sondage", "Législatives", "Municipales",
           "Sénat", "Gouvernement", "Présidentielle", "Immigration", "Écologie", "Santé"]
SITE_NAMES = ["Le Courrier politique", "La Gazette du Palais-Bourbon", "L'Écho des régions",
              "Le Journal du soir", "La Voix républicaine", "Le Quotidien libre",
              "L'Hebdo de la semaine", "Le Petit Parlementaire", "Le Républicain du Centre",
              "La Lettre de l'Ouest", "Le Matin du Sud", "La Chronique de l'Est"]
NAV = ["Accueil", "Politique", "International", "Économie", "Société", "Planète", "Culture",
       "Sport", "Idées", "Régions", "Podcasts", "Vidéos"]
SECTIONS = ["politique", "economie", "societe", "regions"]
# How often each sentence shape comes (see Writer.sentence); an article drops some of 3-11.
FRAME_WEIGHTS = [6, 4, 4, 1, 1, 1, 1, 1, 1, 1, 2, 1]
T = TypeVar("T")


# -- articles -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Article:
    number: int
    title: str
    lead: str
    author: str
    published: dt.datetime
    blocks: tuple[tuple[str, str], ...]  # ("p" | "h2", text)
    section: str
    words: int  # words of the lead and the body, as str.split() counts them

    @property
    def path(self) -> str:
        day = self.published
        return (f"/{self.section}/{day:%Y/%m/%d}/{slugify(self.title)[:70].rstrip('-')}"
                f"-{self.number}.html")


def slugify(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


_CONTRACTIONS = [(re.compile(r"\bde le\b"), "du"), (re.compile(r"\bde les\b"), "des"),
                 (re.compile(r"\bde Les\b"), "des"), (re.compile(r"\bà le\b"), "au"),
                 (re.compile(r"\bà les\b"), "aux"), (re.compile(r"\bà Les\b"), "aux"),
                 (re.compile(r"\b(d|D|qu|Qu)e (?=[AEIOUÉÈÊaeiouéèê]|Horizons)"), r"\1'")]


def french(text: str) -> str:
    """Contract and elide what templates joined ("de le RN" -> "du RN", "que Emmanuel")."""
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    text = re.sub(r"\s+([,.])", r"\1", text)
    return text[:1].upper() + text[1:]


class Writer:
    """Writes one article: a few protagonists, named in full first, by surname afterwards."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        weights = [1 / (1 + i * 0.35) for i in range(len(POLITICIANS))]
        cast: list[tuple[str, str, bool]] = []
        size = rng.randint(2, 4)
        while len(cast) < size:
            pick = rng.choices(POLITICIANS, weights)[0]
            if pick not in cast:
                cast.append(pick)
        self.cast = cast
        self.parties = rng.sample(PARTIES, rng.randint(2, 4))
        self.topics = rng.sample(OBJECTS, rng.randint(3, 6))  # what the article is about
        self.named: set[str] = set()
        # A writer's habits: each article draws on a third of each phrase list and on some
        # of the sentence shapes, so a stock phrase is in a few articles, not in all of them
        # (as in real news; else MinHash would find every article close to every other).
        self.habits: dict[str, list[int]] = {}
        self.frames = [w if i < 3 or rng.random() < 0.6 else 0
                       for i, w in enumerate(FRAME_WEIGHTS)]

    def some(self, key: str, options: Sequence[T]) -> T:
        """One of this article's habitual choices among ``options``."""
        if key not in self.habits:
            self.habits[key] = self.rng.sample(range(len(options)),
                                               max(1, math.ceil(len(options) * 0.35)))
        return options[self.rng.choice(self.habits[key])]

    # slot fillers
    def pol(self) -> str:
        """A politician of the article, sometimes someone else; by surname once named."""
        rng = self.rng
        person = rng.choice(self.cast) if rng.random() < 0.85 else rng.choice(POLITICIANS)
        name, surname, feminine = person
        if name not in self.named or rng.random() < 0.25:
            self.named.add(name)
            return name
        return rng.choice([f"{'Mme' if feminine else 'M.'} {surname}", surname, name])

    def party(self) -> str:
        return self.rng.choice(self.parties if self.rng.random() < 0.8 else PARTIES)[0]

    def place(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_TAILS)
        return rng.choice(CITIES)

    def person(self) -> str:
        """Someone the KB does not know, with a role: work for NER, none for the linker."""
        rng = self.rng
        first, feminine = rng.choice(FIRST_NAMES)
        role = rng.choice(ROLES)[1 if feminine else 0]
        return f"{first} {rng.choice(SURNAMES)}, {self.fill(role)},"

    def date(self) -> str:
        rng = self.rng
        return f"{rng.choice(DAYS)} {rng.randint(1, 28)} {rng.choice(MONTHS)}"

    def fill(self, template: str) -> str:
        rng = self.rng
        slots = {
            "{pol}": self.pol, "{party}": self.party, "{place}": self.place,
            "{city}": lambda: rng.choice(CITIES), "{dept}": lambda: rng.choice(DEPARTMENTS),
            "{media}": lambda: rng.choice(MEDIA), "{day}": lambda: rng.choice(DAYS),
            "{Day}": lambda: rng.choice(DAYS).capitalize(), "{date}": self.date,
            "{month}": lambda: rng.choice(MONTHS), "{ord}": lambda: rng.choice(ORDINALS),
            "{year}": lambda: str(rng.randint(2019, 2027)), "{n}": lambda: str(rng.randint(2, 98)),
            "{big}": lambda: f"{rng.randint(1, 99)} {rng.randint(0, 999):03d}",
            "{pct}": lambda: f"{rng.randint(4, 79)},{rng.randint(0, 9)}",
        }
        return re.sub(r"\{\w+\}", lambda m: slots[m.group(0)](), template)

    def obj(self) -> str:
        rng = self.rng
        return self.fill(rng.choice(self.topics if rng.random() < 0.8 else OBJECTS))

    def subject(self) -> tuple[str, bool]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return self.pol(), False
        if roll < 0.6:
            name, plural = rng.choice(self.parties)
            return name, plural
        if roll < 0.85:
            text, plural = self.some("groups", GROUP_SUBJECTS)
            return self.fill(text), plural
        return self.person(), False

    # sentence frames
    def sentence(self) -> str:
        rng = self.rng
        frame = rng.choices(range(len(self.frames)), self.frames)[0]
        if frame == 0:  # [opener,] subject verb object [complement]
            subject, plural = self.subject()
            out = f"{subject} {self.some('verbs', VERBS)[plural]} {self.obj()}"
            if rng.random() < 0.5:
                out += " " + self.fill(self.some("complements", COMPLEMENTS))
            if rng.random() < 0.4:
                out = self.fill(self.some("openers", OPENERS)) + ", " + out
            return out + "."
        if frame == 1:  # reported speech
            subject, plural = self.subject()
            other, other_plural = self.subject()
            clause = (f"{other} {self.some('conditionals', CONDITIONALS)[other_plural]} "
                      f"{self.obj()}" if rng.random() < 0.7
                      else self.fill(self.some("clauses", CLAUSES)))
            adverbial = self.fill(self.some("adverbials", ADVERBIALS))
            return f"{subject} {self.some('says', SAYS)[plural]}" \
                   f"{' ' + adverbial if adverbial else ''}" \
                   f" que {clause}."
        if frame == 2:  # quotation
            quote = (self.fill(self.some("quote starts", QUOTE_STARTS)) + " " + self.obj()
                     + self.fill(self.some("quote ends", QUOTE_ENDS)))
            who = self.pol() if rng.random() < 0.7 else self.person()
            adverbial = self.fill(self.some("adverbials", ADVERBIALS))
            who = f"{who} {adverbial}" if adverbial else who.rstrip(",")
            return f"« {french(quote)} », {self.some('says after', SAYS_AFTER_QUOTE)} {who}."
        if frame == 3:
            return (f"Selon un sondage {rng.choice(POLLSTERS)} pour {rng.choice(MEDIA)} publié "
                    f"{rng.choice(DAYS)}, {self.fill('{pct}')} % des "
                    f"{self.fill(self.some('polled', GROUPS))} "
                    f"{self.fill(self.some('opinions', OPINIONS))} "
                    f"{self.obj()}.")
        if frame == 4:
            trend = rng.choice(["en hausse", "en baisse", "en recul", "en progression",
                                "soit un gain", "soit une perte"])
            scope = self.some("scopes", [
                "des intentions de vote au premier tour", "des intentions de vote",
                "d'opinions favorables", "de bonnes opinions", "de confiance",
                "des suffrages exprimés"])
            since = rng.choice([f"la précédente vague {rng.choice(POLLSTERS)}",
                                f"le mois de {rng.choice(MONTHS)}", "la rentrée",
                                f"l'enquête de {rng.choice(MONTHS)}"])
            return (f"{self.pol()} recueille {self.fill('{pct}')} % {scope}, {trend} de "
                    f"{rng.randint(1, 6)} points par rapport à {since}.")
        if frame == 5:
            doc = self.some("documents", [
                "Le texte", "Le projet de budget", "Le plan présenté par Bercy",
                "Le rapport de la Cour des comptes", "Le document transmis aux parlementaires",
                "L'amendement de " + self.party()])
            purpose = self.some("purposes", [
                "d'économies sur les dépenses de l'État", "pour l'hôpital public",
                "de crédits pour la défense", "de recettes nouvelles",
                "pour la rénovation des écoles", "d'aides aux agriculteurs",
                "pour les transports en commun"])
            horizon = self.fill(rng.choice(["d'ici {year}", "sur {n} ans", "dès l'an prochain",
                                            "avant la fin du quinquennat"]))
            return (f"{doc} prévoit {rng.randint(1, 60)},{rng.randint(1, 9)} milliards d'euros "
                    f"{purpose} {horizon}.")
        if frame == 6:
            yes, no = rng.randint(120, 330), rng.randint(40, 240)
            return self.some("votes", [
                f"Le texte a été adopté par {yes} voix contre {no}, {rng.randint(3, 60)} "
                "députés s'étant abstenus.",
                f"La motion de censure déposée par {self.party()} a recueilli {yes} voix, "
                "loin des 289 nécessaires.",
                f"Au Sénat, l'amendement de {self.party()} a été rejeté par {yes} voix "
                f"contre {no}.",
            ])
        if frame == 7:
            count = f"{rng.randint(1, 180)} {rng.randint(0, 999):03d}"
            return (f"{count} personnes ont manifesté {rng.choice(DAYS)} à {self.place()} selon "
                    f"la préfecture, {rng.randint(2, 9)} fois plus selon "
                    f"{rng.choice(UNIONS)}.")
        if frame == 8:
            return (f"À {self.place()}, {self.person()} {self.some('says', SAYS)[0]} que "
                    f"{self.fill(self.some('clauses', CLAUSES))}.")
        if frame == 9:
            return self.fill(self.some("figures", [
                "Selon l'Insee, le taux de chômage s'établit à {pct} % au {ord} trimestre, "
                "contre {pct} % un an plus tôt.",
                "Le déficit public atteindrait {pct} % du PIB en {year}, contre {pct} % prévu "
                "initialement.",
                "La dette publique dépasse désormais {big} milliards d'euros, selon la Cour des "
                "comptes.",
                "L'inflation a ralenti à {pct} % sur un an en {month}, d'après les chiffres "
                "publiés {day}.",
            ]))
        if frame == 10:  # two politicians
            first, second = self.pol(), self.pol()
            return self.fill(self.some("duels", [
                f"{first} et {second} se sont affrontés {{day}} soir sur {self.obj()}.",
                f"Entre {first} et {second}, le ton est monté d'un cran sur {self.obj()}.",
                f"{first} a reçu {second} à " + rng.choice(["l'Élysée", "Matignon", "Bercy",
                                                            "l'hôtel de Lassay", "{place}"])
                + f" pour évoquer {self.obj()}.",
            ]))
        subject, plural = self.subject()
        return (f"En {rng.choice(MONTHS)} {rng.randint(2017, 2025)}, {subject} "
                f"{self.some('verbs', VERBS)[plural]} {self.obj()}, "
                f"{self.fill(self.some('asides', ASIDES))}.")

    def title(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            subject, plural = self.pol(), False
        else:
            subject, plural = rng.choice(self.parties)
        text = f"{subject} {rng.choice(VERBS)[plural]} {self.obj()}"
        if rng.random() < 0.4:
            text = f"{rng.choice(RUBRICS)} : {french(text)}"
        return french(text)

    def write(self, words: int) -> tuple[str, str, tuple[tuple[str, str], ...], int]:
        title = self.title()
        self.named.clear()  # the body names people in full again
        lead = french(self.sentence())
        blocks: list[tuple[str, str]] = []
        total = len(lead.split())
        since_title = 0
        while total < words:
            if since_title >= 4 and self.rng.random() < 0.3:
                blocks.append(("h2", french(self.fill(self.some("intertitles", INTERTITLES)))))
                since_title = 0
            sentences = []
            for _ in range(self.rng.randint(2, 5)):
                sentence = french(self.sentence())
                sentences.append(sentence)
                total += len(sentence.split())
                if total >= words:
                    break
            blocks.append(("p", " ".join(sentences)))
            since_title += 1
        return title, lead, tuple(blocks), total


def article(number: int, seed: int = SEED) -> Article:
    """Article ``number`` of the corpus: the same on every machine and run."""
    rng = random.Random(seed * 1_000_003 + number)
    published = FIRST_DAY + dt.timedelta(minutes=rng.randint(0, SPAN_DAYS * 24 * 60))
    target = round(rng.triangular(500, 1500, 1000))
    writer = Writer(rng)
    title, lead, blocks, words = writer.write(target)
    first, _ = rng.choice(FIRST_NAMES)
    author = f"{first} {rng.choice(SURNAMES)}"
    return Article(number, title, lead, author, published, blocks, rng.choice(SECTIONS), words)


def generate(count: int, seed: int = SEED) -> list[Article]:
    return [article(i, seed) for i in range(count)]


# -- pages and feeds ------------------------------------------------------------------------
def render_page(item: Article, site: str, base: str, others: Sequence[tuple[str, str]]) -> bytes:
    """A full news page: the article inside menus, banner, sidebar, related links, footer.

    ``others`` are (url, title) of other articles, for "Les plus lus" and related links."""
    esc = html.escape
    url = base + item.path
    when = item.published
    human = f"{DAYS[when.weekday()]} {when.day} {MONTHS[when.month - 1]} {when.year} à " \
            f"{when:%Hh%M}"
    nav = "".join(f'<li><a href="/{slugify(n)}/">{n}</a></li>' for n in NAV)
    body = "".join(f"<{tag}>{esc(text)}</{tag}>" for tag, text in item.blocks)
    most_read = "".join(f'<li><a href="{esc(u)}">{esc(t)}</a></li>' for u, t in others[:5])
    related = "".join(f'<li><a href="{esc(u)}">{esc(t)}</a></li>' for u, t in others[5:8])
    page = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>{esc(item.title)} | {esc(site)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{esc(item.lead)}">
<meta property="og:type" content="article"><meta property="og:title" content="{esc(item.title)}">
<meta property="og:url" content="{esc(url)}"><meta property="og:site_name" content="{esc(site)}">
<meta property="article:published_time" content="{when.isoformat()}">
<link rel="canonical" href="{esc(url)}">
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"page": "article"}});</script>
</head><body>
<div id="cookie-banner" class="consent"><p>Nous utilisons des cookies et des traceurs pour
mesurer l'audience, personnaliser les contenus et vous proposer des publicités adaptées. Vous
pouvez accepter, refuser ou paramétrer vos choix à tout moment.</p><button>Tout accepter</button>
<button>Tout refuser</button><a href="/cookies/">Paramétrer</a></div>
<header class="masthead"><a class="logo" href="/">{esc(site)}</a>
<nav class="menu"><ul>{nav}</ul></nav>
<a class="subscribe" href="/abonnement/">S'abonner : 1 € le premier mois</a></header>
<main><div class="breadcrumb"><a href="/">Accueil</a> › <a href="/{item.section}/">
{item.section.capitalize()}</a></div>
<article class="story"><h1>{esc(item.title)}</h1>
<p class="byline">Par <a rel="author" href="/auteurs/{slugify(item.author)}/">
{esc(item.author)}</a> · Publié le <time datetime="{when.isoformat()}">{human}</time></p>
<p class="lead"><strong>{esc(item.lead)}</strong></p>
{body}
<p class="share">Partager sur Facebook · X · LinkedIn · WhatsApp · Copier le lien</p>
</article>
<aside class="most-read"><h2>Les plus lus</h2><ol>{most_read}</ol></aside>
<section class="related"><h2>Sur le même sujet</h2><ul>{related}</ul></section>
<section class="newsletter"><h2>La lettre politique</h2><p>Chaque soir, l'essentiel de
l'actualité politique dans votre boîte mail.</p><form><input type="email"
placeholder="Votre adresse e-mail"><button>S'inscrire</button></form></section>
</main>
<footer><ul><li><a href="/mentions-legales/">Mentions légales</a></li><li><a href="/cgu/">
Conditions générales d'utilisation</a></li><li><a href="/confidentialite/">Politique de
confidentialité</a></li><li><a href="/contact/">Contact</a></li><li><a href="/plan/">Plan du
site</a></li></ul><p>© {esc(site)} 2026 — Tous droits réservés. Reproduction interdite sans
autorisation.</p></footer>
</body></html>
"""
    return page.encode("utf-8")


def render_feed(items: Sequence[Article], site: str, base: str) -> bytes:
    """RSS 2.0, newest first, with title, link, guid, pubDate and the lead."""
    esc = html.escape
    newest = sorted(items, key=lambda a: a.published, reverse=True)
    entries = "".join(
        f"<item><title>{esc(a.title)}</title><link>{esc(base + a.path)}</link>"
        f"<guid isPermaLink=\"true\">{esc(base + a.path)}</guid>"
        f"<pubDate>{format_datetime(a.published)}</pubDate>"
        f"<description>{esc(a.lead)}</description></item>\n"
        for a in newest)
    built = format_datetime(newest[0].published) if newest else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{esc(site)} — Politique</title><link>{esc(base)}/</link>"
            f"<description>Toute l'actualité politique</description><language>fr</language>"
            f"<lastBuildDate>{built}</lastBuildDate>\n{entries}</channel></rss>\n"
            ).encode()


ROBOTS = b"User-agent: *\nDisallow: /abonnement/\nDisallow: /recherche\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        pass  # a client hanging up mid-answer is no benchmark failure


class CorpusServer:
    """The corpus on ``hosts`` loopback addresses, ``feeds`` RSS feeds spread over them.

    Article ``i`` is listed in feed ``i % feeds``; feed ``k`` lives on host ``k % hosts``.
    Pages are rendered once at start (bytes in memory), so serving costs little CPU next to
    the tracker being measured. Answers carry an ETag and honour If-None-Match, as real
    sites do for feeds polled again and again. ``latency`` delays every answer, as a site
    across the internet would (loopback answers in microseconds)."""

    def __init__(self, articles: Sequence[Article], *, feeds: int, hosts: int | None = None,
                 first_address: int = 2, latency: float = 0.0):
        if not articles:
            raise ValueError("no articles to serve")
        self.articles = list(articles)
        self.latency = latency  # seconds before each answer, like a distant site; 0: none
        self.feed_count = max(1, min(feeds, len(self.articles)))
        self.host_count = max(1, min(hosts or self.feed_count, self.feed_count))
        if first_address + self.host_count > 255:
            raise ValueError("too many hosts for 127.0.0.0/24")
        self.addresses = [f"127.0.0.{first_address + h}" for h in range(self.host_count)]
        self._servers: list[_Server] = []
        self.bases: list[str] = []
        self.feed_urls: list[str] = []
        self.article_urls: list[str] = []
        self.requests = 0
        self.first_request: float | None = None  # time.monotonic() of the first request
        self._lock = threading.Lock()

    def host_of_article(self, number: int) -> int:
        return (number % self.feed_count) % self.host_count

    def start(self) -> CorpusServer:
        routes: list[dict[str, tuple[bytes, str]]] = []
        for address in self.addresses:
            server = _Server((address, 0), self._handler(routes, len(routes)))
            routes.append({})
            self._servers.append(server)
            self.bases.append(f"http://{address}:{server.server_address[1]}")
        rng = random.Random(SEED)
        titles = [(self.bases[self.host_of_article(a.number)] + a.path, a.title)
                  for a in self.articles]
        for a in self.articles:
            host = self.host_of_article(a.number)
            others = [titles[rng.randrange(len(titles))] for _ in range(8)]
            page = render_page(a, SITE_NAMES[host % len(SITE_NAMES)], self.bases[host], others)
            routes[host][a.path] = (page, "text/html; charset=utf-8")
            self.article_urls.append(self.bases[host] + a.path)
        for k in range(self.feed_count):
            host = k % self.host_count
            items = self.articles[k::self.feed_count]
            path = f"/rss/politique-{k}.xml"
            routes[host][path] = (render_feed(items, SITE_NAMES[host % len(SITE_NAMES)],
                                              self.bases[host]),
                                  "application/rss+xml; charset=utf-8")
            self.feed_urls.append(self.bases[host] + path)
        for table in routes:
            table["/robots.txt"] = (ROBOTS, "text/plain; charset=utf-8")
        for server in self._servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def _handler(self, routes: list[dict[str, tuple[bytes, str]]], index: int):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real sites
            # Headers and body go in two writes: with Nagle's algorithm the body waited
            # for the client's delayed ACK, 40 ms on every keep-alive answer (real
            # servers send at once).
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                with outer._lock:
                    outer.requests += 1
                    if outer.first_request is None:
                        outer.first_request = time.monotonic()
                found = routes[index].get(self.path.split("?")[0])
                if found is None:
                    return self._send(404, b"not found", "text/plain", None)
                body, ctype = found
                if outer.latency:
                    time.sleep(outer.latency)
                etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", None, etag)
                return self._send(200, body, ctype, etag)

            def _send(self, status: int, body: bytes, ctype: str | None,
                      etag: str | None) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> CorpusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_config(folder: Path, feed_urls: Sequence[str], *, interval: str = "30m",
                 per_host_delay: str = "50ms", timeout: str = "20s",
                 tag_processes: int | None = None) -> Path:
    """config.yaml for the tracker: these feeds, loopback allowed, the database beside it;
    ``tag_processes`` left to the tracker's default unless given."""
    defaults: dict = {"interval": interval, "timeout": timeout, "per_host_delay": per_host_delay}
    if tag_processes is not None:
        defaults["tag_processes"] = tag_processes
    config = {
        "database": str(folder / "tracker.db"),
        "entities": [str(KB_FILE)],
        "defaults": defaults,
        "allow_networks": ["127.0.0.0/8"],
        "sources": [{"name": f"site-{k:02d}", "kind": "feed", "url": url, "lang": "fr"}
                    for k, url in enumerate(feed_urls)],
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def feeds_needed(articles: int, per_feed: int, wanted: int) -> int:
    """Feeds so that none lists more items than the tracker takes in one pass."""
    return max(wanted, math.ceil(articles / per_feed))


def text_of(item: Article) -> str:
    return "\n".join([item.title, item.lead, *(text for _, text in item.blocks)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=None, help="default: one per feed")
    parser.add_argument("--serve", type=Path, metavar="DIR",
                        help="serve the corpus until Ctrl-C and write DIR/config.yaml")
    args = parser.parse_args()
    started = time.perf_counter()
    items = generate(args.articles)
    took = time.perf_counter() - started
    words = [a.words for a in items]
    print(f"{len(items)} articles in {took:.1f}s; words per article: mean "
          f"{sum(words) / len(words):,.0f}, min {min(words)}, max {max(words)}")
    from tracker.dedupe import BANDS, fingerprint, is_copy

    prints = [fingerprint(text_of(a)) for a in items]
    buckets: dict[tuple[int, int], list[int]] = {}
    for i, fp in enumerate(prints):
        for b, band in enumerate(fp.bands):
            buckets.setdefault((b, band), []).append(i)
    pairs = {(i, j) for ids in buckets.values() for i in ids for j in ids if i < j}
    copies = sum(1 for i, j in pairs if is_copy(prints[j].shingles, prints[i].shingles))
    print(f"near-duplicate check ({BANDS} bands): {len(pairs)} pairs share a band, "
          f"{copies} would be called copies")
    if args.serve:
        args.serve.mkdir(parents=True, exist_ok=True)
        with CorpusServer(items, feeds=args.feeds, hosts=args.hosts) as server:
            config = write_config(args.serve, server.feed_urls)
            print(f"serving {len(server.feed_urls)} feeds on {len(server.bases)} hosts; "
                  f"tracker run --once --config {config}")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


if __name__ == "__main__":
    main()
