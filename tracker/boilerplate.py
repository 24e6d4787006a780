"""What sits inside an article page without being its text: links to other stories, readers'
comments, a newsletter's call, a photo's caption, a pull-quote repeating a sentence.

trafilatura drops such parts when the page marks them (a class, an <aside>); these rules
catch the ones written as plain paragraphs, whose names would each count a false mention
(a "Most read" headline about Macron, in every article of the site).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# Around the article and dated by others: readers' comments, and an <aside>, a <nav> or a
# "related" or "sidebar" box of links to other stories. A page that gives no date of its
# own took the oldest <time> on it, a sidebar's link to a story of 2019, and counted all its
# mentions in 2019. None of these is main text (trafilatura drops them too), so they go
# before it reads the page. A box is taken out only when it is mostly links to pages of
# the site: an <aside> holding the article's own date and share buttons stays, as does a
# theme's "sidebar" column holding the article.
_COMMENTS = re.compile(r"^(?:comments?|commentaires?|reactions?|réactions|disqus_thread)$",
                       re.IGNORECASE)
_OTHER_STORIES = re.compile(
    r"^(?:related(?:[-_](?:posts|articles|stories|content|links))?|most[-_](?:read|popular|"
    r"viewed)|plus[-_]lus|sidebar|side[-_]bar)$", re.IGNORECASE)
_MARKED = ("//aside|//nav|//*[@class or @id][not(self::body or self::html or self::main "
           "or self::article)]")
_SHARING = re.compile(
    r"^(?:#|javascript:|mailto:|tel:)|//(?:[\w-]+\.)*(?:facebook|twitter|x|linkedin|whatsapp|"
    r"pinterest|reddit|t|bsky|instagram|youtube|threads|tiktok)\.(?:com|me|app|net)\b",
    re.IGNORECASE)
# A heading over other stories' links, in the article's own container ("Les plus lus",
# then a headline a paragraph): the heading and what follows it up to the next heading.
_OTHERS_HEADING = re.compile(
    r"^\W*(?:les\s+plus\s+(?:lus|populaires|partagés|commentés)|most\s+(?:read|popular|"
    r"viewed|shared)|(?:à\s+)?lire\s+(?:aussi|également)|sur\s+le\s+même\s+sujet|"
    r"dans\s+la\s+même\s+rubrique|related(?:\s+(?:stories|articles|content))?|"
    r"more\s+on\s+this\s+story|read\s+more|you\s+(?:may|might)\s+also\s+like|"
    r"vous\s+aimerez\s+aussi|recommandés?\s+pour\s+vous|recommended(?:\s+for\s+you)?"
    r")\W*$", re.IGNORECASE)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def drop_other_stories(tree: HtmlElement) -> bool:
    """Take out of a page's tree what is dated or written by others (in place); whether
    anything was."""
    dropped = False
    body = tree.find(".//body")
    whole = len((body if body is not None else tree).text_content())
    # A theme's wrapper around the article itself stays: it holds the <h1>, most of the
    # page's words that are no link, or an <article> of its own words. Teaser cards in
    # <article> elements (a headline's link, a date) do not make a box the article.
    for elem in tree.xpath(_MARKED):
        names = (elem.get("class") or "").split() + (elem.get("id") or "").split()
        if any(_COMMENTS.match(name) for name in names):
            pass
        elif elem.tag in ("aside", "nav") or any(_OTHER_STORIES.match(n) for n in names):
            if not _links_to_pages(elem):
                continue
        else:
            continue
        if (elem.getparent() is not None and elem.find(".//h1") is None
                and _unlinked(elem) <= whole / 2
                and not any(_unlinked(card) > _ARTICLE_WORDS for card in elem.iter("article"))):
            elem.drop_tree()
            dropped = True
    for heading in tree.xpath("//h2|//h3|//h4|//h5|//h6"):
        if heading.getparent() is None or not _OTHERS_HEADING.match(heading.text_content()):
            continue
        following = []
        for sibling in heading.itersiblings():
            # Only links: the next paragraph of the article ends the list.
            if sibling.tag in _HEADINGS or not _links_only(sibling):
                break
            following.append(sibling)
        for elem in [heading, *following]:
            elem.drop_tree()
        dropped = True
    return dropped


def _links_to_pages(elem: HtmlElement) -> bool:
    """Whether an element is mostly links to other pages (not share or print buttons), or
    lists dated links (a story's link beside its <time>)."""
    if any(_page_links(item) for time in elem.iter("time")
           for item in _items_within(time, elem)):
        return True
    links = _page_links(elem)
    return len(links) >= 2 and _linked_share(elem, links) >= 0.3


_ARTICLE_WORDS = 600  # characters outside links: more than a teaser card's


def _unlinked(elem: HtmlElement) -> int:
    """The characters of an element's text outside its links."""
    return len(elem.text_content()) - sum(len(a.text_content()) for a in elem.iter("a"))


def _items_within(node: HtmlElement, box: HtmlElement) -> list[HtmlElement]:
    """The list items and teaser cards holding ``node`` inside ``box``."""
    items = []
    for parent in node.iterancestors():
        if parent is box:
            break
        if parent.tag in ("li", "article"):
            items.append(parent)
    return items


def _page_links(elem: HtmlElement) -> list[HtmlElement]:
    """The element's links to other pages (not a share, print or mail button)."""
    return [a for a in elem.iter("a") if not _SHARING.search(a.get("href") or "#")]


def _linked_share(elem: HtmlElement, links: list[HtmlElement]) -> float:
    """The share of an element's words that are the words of these links."""
    words = len(elem.text_content().split())
    return sum(len(a.text_content().split()) for a in links) / words if words else 0.0


def _links_only(elem: HtmlElement) -> bool:
    """Whether an element's words are, for the most part, the words of its links."""
    return _linked_share(elem, list(elem.iter("a"))) >= 0.7


# A paragraph that only points to another article: "À lire aussi : Jean-Luc Mélenchon
# réclame…", "Lire aussi notre décryptage : …", "► Sur le même sujet : …", "Read more: …".
# Its names are another story's (the count it adds is false). A sentence that merely
# starts so ("Lire aussi le rapport de la Cour des comptes, publié mardi, qui…") has no
# separator within its first words, and stays.
# A dash separates only right after the pointer's words, with a space before it: "Voir
# aussi Jean-Luc Mélenchon, qui…", "Lire aussi le rapport — publié mardi — qui…" are
# sentences. "Sur ce sujet" takes a colon or an arrow: "Sur ce sujet — la réforme —, le
# gouvernement…" is one too.
_READ_ALSO = re.compile(
    r"^\W*(?:(?:(?:à\s+)?(?:lire|relire|voir|écouter|regarder)\s+(?:aussi|également|"
    r"encore)|(?:read|see)\s+(?:more|also)|also\s+read|related|more\s+on\s+this"
    r"(?:\s+story)?)(?:(?:\s+[\w'’-]+){0,6}?\s*[:|>»]|\s+[-–—](?!\w))"
    r"|(?:(?:à\s+lire\s+)?sur\s+(?:le\s+même\s+sujet|ce\s+sujet)|dans\s+la\s+même\s+"
    r"rubrique)\s*[:|>»])", re.IGNORECASE)
# The same pointers without a separator, as a link's words: "Read more about Nigel
# Farage's plan to…", "Notre dossier Jean-Luc Mélenchon et LFI…". Short, and no sentence.
_POINTER = re.compile(
    r"^\W*(?:read\s+more\s+about|more\s+about|notre\s+dossier|tous\s+nos\s+articles\s+sur|"
    r"toute\s+l['’]actualité\s+(?:de|du|des|sur))\b", re.IGNORECASE)
# A newsletter's call: "Sign up to our Politics newsletter for the latest from Keir
# Starmer…", "… notre newsletter politique avec Emmanuel Macron…, inscrivez-vous ici."
_CALL = re.compile(
    r"(?:^|[.!?]\s+)(?:sign\s+up|subscribe)\b|\b(?:inscrivez-vous|abonnez-vous)\b",
    re.IGNORECASE)
_CALL_OBJECT = re.compile(
    r"\b(?:newsletters?|inbox|lettre\s+d['’]information|boîte\s+(?:mail|e-mail|aux\s+lettres)"
    r"|new\s+posts|e-?mails?)\b", re.IGNORECASE)
# A photo's caption ends with its credit, names in capitals: "Emmanuel Macron à l'Élysée,
# le 2 mars 2025. Photo Ludovic Marin / AFP", "… Photograph: Stefan Rousseau/PA",
# "(Credit: Clayton Aldern / Grist)". A heading that starts with the word stays: "Crédit
# d'impôt : ce que prévoit le budget", "Photo ID: what you need to vote".
_CREDIT = re.compile(
    r"(?:^|[.)]\s+|\(\s*)(?i:(?:photos?|fotos?)(?:\s+credits?)?|photograph|crédits?"
    r"(?:\s+photos?)?|credits?|©)\s*:?\s*[A-ZÀ-Ý0-9©®][\w.'’&®™-]*"
    r"(?:(?:\s*[/|]\s*|\s+)[A-ZÀ-Ý0-9©®][\w.'’&®™-]*)*\s*\)?$")
_SHORT = 300  # characters: longer paragraphs are the article's own


def drop_pointer_lines(text: str) -> str:
    """The text without paragraphs pointing to other stories, newsletter calls and photo
    captions."""
    return "\n".join(line for line in text.split("\n") if not _pointer(line))


def _pointer(line: str) -> bool:
    if _READ_ALSO.match(line):
        return True
    flat = line.strip()
    if not flat or len(flat) > _SHORT:
        return False
    if _POINTER.match(flat) and not flat.endswith((".", "!", "?", "»", "\"", "”")):
        return True
    if _CALL.search(flat) and _CALL_OBJECT.search(flat):
        return True
    # A credit says so: a colon, a slash, a bar or ©; "Photos Marine Le Pen Et Jordan
    # Bardella…" is a headline in capitals, "Crédit Agricole" a bank.
    credit = _CREDIT.search(flat)
    return credit is not None and any(sign in credit.group(0) for sign in ":/|©")


_QUOTES = str.maketrans("", "", "«»“”„\"")
_NEAR = 6  # paragraphs: a pull-quote sits beside the paragraph it repeats


def drop_pull_quotes(text: str) -> str:
    """A pull-quote repeats a sentence of the article in large type ("« Emmanuel Macron
    nous a laissé une dette record », then the paragraph that says it): counted twice.
    A short paragraph found whole inside one of its neighbours goes; the headline stays.
    (Neighbours only: a 4 MB archive is read in linear time.)"""
    lines = text.split("\n")
    keys = [" ".join(line.translate(_QUOTES).split()).casefold() for line in lines]
    kept = [lines[0]] if lines else []
    for i in range(1, len(lines)):
        key = keys[i]
        if 40 <= len(key) <= _SHORT and any(
                key in keys[j] and len(keys[j]) > len(key)
                for j in range(max(1, i - _NEAR), min(len(keys), i + _NEAR + 1)) if j != i):
            continue
        kept.append(lines[i])
    return "\n".join(kept)
