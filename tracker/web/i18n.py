"""The dashboard's words in English and French, chosen by ``?lang=``, then the
``tracker_lang`` cookie, then the browser's Accept-Language."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("en", "fr")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "overview": "Overview", "mentions": "Mentions", "sources": "Sources",
        "documents": "documents", "copies": "of them copies", "mentions_n": "mentions",
        "mentions_dedup": "mentions without copies", "sources_n": "sources",
        "wrong": "reviewed as wrong", "trend": "Mentions over time, by party",
        "share": "Share of voice, by party", "people": "Top politicians",
        "outlets": "Top sources", "window": "Window", "since": "Since", "until": "Until",
        "interval": "Step", "day": "day", "week": "week", "month": "month", "apply": "Show",
        "narrowed": "Narrowed to the dates of the stored documents.",
        "coarser": "Shown by {shown}: by {asked}, this window has {steps:,} steps, too many "
                   "for one chart (at most {most}).",
        "no_duplicates": "Leave out copies", "raw": "Raw figures (keep wrong mentions)",
        "nothing": "No mentions stored yet: run `tracker run --once`.",
        "none_of": "No mention of {name} in these dates.", "skip": "Skip to content",
        "matching_one": "mention matches", "other_parties": "Other parties",
        "no_mentions": "No mentions.", "chart_of": "Mentions of {name}",
        "share_chart_of": "Share of voice of {name}",
        "mention_one": "mention", "would_stop_one": "stored mention it would have stopped",
        "not_reviewed": "not reviewed",
        "none_here": "No mentions in these dates: those stored run from {first} to {last}.",
        "party": "Party", "politician": "Politician", "source": "Source", "lang": "Language",
        "search": "Words", "type": "Kind", "any": "any", "position": "Where",
        "title": "headline", "lead": "lead", "body": "body", "direct": "Party's own names",
        "date": "Date", "who": "Who", "sentence": "Sentence", "link": "Link",
        "review": "Review", "right": "Right", "wrong_btn": "Wrong", "reason": "Why (optional)",
        "of": "of", "page": "Page", "previous": "Previous", "next": "Next",
        "export": "Export CSV", "export_excel": "CSV for Excel (;)",
        "matching": "mentions match", "reviewed_right": "confirmed",
        "reviewed_wrong": "wrong", "trend_of": "Mentions over time",
        "share_of": "Share of voice", "top_sources": "Top sources",
        "together": "Mentioned together", "latest": "Latest mentions",
        "in_sentence": "same sentence", "in_document": "same document",
        "name": "Name", "kind": "Kind", "status": "Last status", "failures": "Failures",
        "last_fetch": "Last fetch", "last_success": "Last success", "last_new": "Last new",
        "not_modified": "Not modified (7 days)", "next_run": "Next run",
        "last_error": "Last error", "no_sources": "No source has run yet.",
        "login": "Sign in", "token": "Token", "bad_token": "Wrong token.",
        "read_only": "Read-only: reviews are off.", "error": "Error",
        "reviewer": "Your name (saved with reviews)", "saved": "saved",
        "rules": "Rules", "make_rule": "Make a rule",
        "not-entity": "This name is never this entity",
        "not-mention": "Nothing inside this phrase is a mention",
        "source_only": "Only in this source",
        "phrase": "Phrase (words of the sentence around the name)",
        "preview": "Preview", "would_stop": "stored mentions it would have stopped",
        "save_rule": "Save this rule", "delete": "Delete", "no_rules": "No rule yet.",
        "rule": "Rule", "the_mention": "The mention",
        "rules_note": "The store applies rules to every new document; `tracker retag` "
                      "applies them to stored ones.",
        "candidates": "Candidates",
        "discovered": "Discovered people (introduced with an office)",
        "accept_note": "Accepting one adds them to your KB file:", "accept": "Add to my KB",
        "no_candidates": "None yet.", "other_names": "Other names the model found",
        "alerts": "Alerts", "no_alerts": "No alert rule in config.yaml, nothing sent.",
        "alert_rules": "Rules (config.yaml)", "trigger": "Trigger", "filters": "Filters",
        "targets": "To", "outbox": "Outbox", "last": "Last", "not_sent": "Not sent yet",
        "attempts": "Attempts", "accepted": "added: reload `tracker run`, then `tracker retag`",
    },
    "fr": {
        "overview": "Vue d'ensemble", "mentions": "Mentions", "sources": "Sources",
        "documents": "documents", "copies": "dont copies", "mentions_n": "mentions",
        "mentions_dedup": "mentions hors copies", "sources_n": "sources",
        "wrong": "marquées fausses", "trend": "Mentions dans le temps, par parti",
        "share": "Part de voix, par parti", "people": "Personnalités les plus citées",
        "outlets": "Sources les plus actives", "window": "Période", "since": "Du",
        "until": "Au", "interval": "Pas", "day": "jour", "week": "semaine", "month": "mois",
        "narrowed": "Ramenée aux dates des documents enregistrés.",
        "coarser": "Affiché par {shown} : par {asked}, cette période compte {steps:,} pas, "
                   "trop pour un graphique ({most} au plus).",
        "apply": "Afficher", "no_duplicates": "Sans les copies",
        "raw": "Chiffres bruts (avec les mentions fausses)",
        "nothing": "Aucune mention enregistrée : lancez `tracker run --once`.",
        "none_of": "Aucune mention de {name} à ces dates.", "skip": "Aller au contenu",
        "matching_one": "mention trouvée", "other_parties": "Autres partis",
        "no_mentions": "Aucune mention.", "chart_of": "Mentions de {name}",
        "share_chart_of": "Part de voix de {name}",
        "mention_one": "mention", "would_stop_one": "mention enregistrée qu'elle aurait écartée",
        "not_reviewed": "non revue",
        "none_here": "Aucune mention à ces dates : celles enregistrées vont du {first} au "
                     "{last}.",
        "party": "Parti", "politician": "Personnalité", "source": "Source",
        "lang": "Langue", "search": "Mots", "type": "Type", "any": "tous",
        "position": "Où", "title": "titre", "lead": "chapô", "body": "corps",
        "direct": "Noms du parti seulement", "date": "Date", "who": "Qui",
        "sentence": "Phrase", "link": "Lien", "review": "Vérification", "right": "Juste",
        "wrong_btn": "Fausse", "reason": "Pourquoi (facultatif)", "of": "sur",
        "page": "Page", "previous": "Précédente", "next": "Suivante",
        "export": "Exporter en CSV", "export_excel": "CSV pour Excel (;)",
        "matching": "mentions trouvées",
        "reviewed_right": "confirmée", "reviewed_wrong": "fausse",
        "trend_of": "Mentions dans le temps", "share_of": "Part de voix",
        "top_sources": "Sources principales", "together": "Cités ensemble",
        "latest": "Dernières mentions", "in_sentence": "même phrase",
        "in_document": "même article", "name": "Nom", "kind": "Type",
        "status": "Dernier statut", "failures": "Échecs", "last_fetch": "Dernière collecte",
        "last_success": "Dernier succès", "last_new": "Dernier nouvel article",
        "not_modified": "Non modifié (7 jours)", "next_run": "Prochaine collecte",
        "last_error": "Dernière erreur", "no_sources": "Aucune source n'a encore tourné.",
        "login": "Connexion", "token": "Jeton", "bad_token": "Jeton incorrect.",
        "read_only": "Lecture seule : la vérification est désactivée.", "error": "Erreur",
        "reviewer": "Votre nom (enregistré avec les vérifications)",
        "saved": "enregistré",
        "rules": "Règles", "make_rule": "En faire une règle",
        "not-entity": "Ce nom ne désigne jamais cette entité",
        "not-mention": "Rien dans cette expression n'est une mention",
        "source_only": "Dans cette source seulement",
        "phrase": "Expression (mots de la phrase autour du nom)", "preview": "Aperçu",
        "would_stop": "mentions enregistrées qu'elle aurait écartées",
        "save_rule": "Enregistrer la règle", "delete": "Supprimer",
        "no_rules": "Aucune règle.",
        "rule": "Règle", "the_mention": "La mention",
        "rules_note": "Les règles s'appliquent à chaque nouvel article ; `tracker retag` "
                      "les applique aux articles déjà enregistrés.",
        "candidates": "Candidats",
        "discovered": "Personnes découvertes (présentées avec une fonction)",
        "accept_note": "Les accepter les ajoute à votre fichier de KB :",
        "accept": "Ajouter à ma KB", "no_candidates": "Aucun pour l'instant.",
        "other_names": "Autres noms trouvés par le modèle", "alerts": "Alertes",
        "no_alerts": "Aucune règle d'alerte dans config.yaml, rien d'envoyé.",
        "alert_rules": "Règles (config.yaml)", "trigger": "Déclencheur",
        "filters": "Filtres", "targets": "Destinataires", "outbox": "Boîte d'envoi",
        "last": "Dernier", "not_sent": "Pas encore envoyées", "attempts": "Essais",
        "accepted": "ajouté : rechargez `tracker run`, puis `tracker retag`",
    },
}


# Pages where ``lang`` filters the documents by their language, as `tracker mentions
# --lang` does: there, only ``ui`` names the page's language.
FILTERING = ("/mentions",)


def asked_language(request: Request) -> str | None:
    """The page's language asked in its address: ``?ui=``, or ``?lang=`` where that is
    not a filter. Filtering the mentions by English documents switched the pages to
    English, and the EN/FR links filtered the mentions."""
    asked = request.query_params.get("ui")
    if asked not in LANGUAGES and request.url.path not in FILTERING:
        asked = request.query_params.get("lang")
    return asked if asked in LANGUAGES else None


def language(request: Request) -> str:
    asked = asked_language(request) or request.cookies.get("tracker_lang")
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def texts(lang: str) -> dict[str, str]:
    return TEXTS[lang if lang in TEXTS else "en"]
