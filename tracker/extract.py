"""From bytes to the main text of an article, its title, date, author and language.

Pure functions: no I/O. HTML goes through trafilatura in precision mode, so menus,
sidebars, "most read" boxes, comments and footers never reach the tagger; repeated
paragraphs inside one document are kept once, since they would count twice.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin

import trafilatura
from charset_normalizer import from_bytes
from lxml.html import HtmlElement

from tracker.boilerplate import drop_other_stories, drop_pointer_lines, drop_pull_quotes
from tracker.language import identifier

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_HTML_LANG = re.compile(r"<html[^>]*\slang\s*=\s*[\"']?([A-Za-z]{2})", re.I)
_DATE_PARAMS = {"extensive_search": False, "original_date": True,
                "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
# WHATWG: pages labelled latin-1 are decoded as windows-1252 (curly quotes, oe, euro).
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
            "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252"}


@dataclass(frozen=True)
class Extracted:
    """What the page itself says; the pipeline completes it with feed data and fetch time."""

    text: str
    title: str | None = None
    published_at: dt.datetime | None = None
    author: str | None = None
    canonical_url: str | None = None
    lang: str | None = None


def decode(body: bytes, header_charset: str | None = None) -> str:
    """Bytes -> text: BOM, then valid UTF-8, then the HTTP header, then <meta charset>,
    then detection. Valid UTF-8 wins over a latin-1 label because real latin-1 French
    text is never valid UTF-8, while mislabelled UTF-8 pages are common."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(name, errors="replace").lstrip("\ufeff")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mostly valid UTF-8 with a few stray bytes: keep it UTF-8, lose only those bytes.
    # Labelled UTF-8, more of its characters decoded than bytes refused will do (a page
    # in cp1252 labelled UTF-8 decodes next to none: its accents are single bytes).
    lenient = body.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    good = sum(ord(c) > 127 for c in lenient) - bad
    meta = _META_CHARSET.search(body[:4096])
    labels = [label for label in (header_charset,
                                  meta.group(1).decode("ascii") if meta else None) if label]
    said_utf8 = any(_ALIASES.get(lb.lower(), lb.lower()).replace("-", "").replace("_", "")
                    == "utf8" for lb in labels)
    if good > 10 * max(1, bad) or (said_utf8 and good >= bad):
        return lenient
    for label in labels:
        name = _ALIASES.get(label.lower(), label.lower())
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        if name.replace("-", "").replace("_", "") not in ("utf8",):
            return body.decode(name, errors="replace")
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding and not _western_guess(body, best.encoding):
        return body.decode(best.encoding, errors="replace")
    return body.decode("cp1252", errors="replace")


# Single-byte code pages of Latin script that detection mistakes cp1252 French for; not
# Cyrillic, Greek, Arabic or Hebrew ones, which a page in those scripts really is.
_LATIN_PAGES = {codecs.lookup(n).name for n in (
    "cp1250", "iso8859-2", "mac-latin2", "iso8859-3", "iso8859-4", "iso8859-9", "iso8859-10",
    "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16", "latin-1", "mac-roman", "cp1254",
    "cp1257", "cp850", "cp437", "mac-iceland", "mac-turkish")}


def _western_guess(body: bytes, encoding: str) -> bool:
    """Whether detection's guess is another single-byte code page where cp1252 reads the
    bytes as well: French and English pages are cp1252 (detection took some for cp1250
    or mac_latin2, "Ségolčne", and their names were lost)."""
    try:
        single = len(bytes(range(256)).decode(encoding, errors="replace")) == 256
        body.decode("cp1252")
    except (LookupError, UnicodeDecodeError):
        return False
    return single and codecs.lookup(encoding).name in _LATIN_PAGES


def extract_html(html: str, url: str | None = None) -> Extracted:
    """The article's main text and metadata; an empty text when the page has none."""
    # fast: no second-opinion extractors (readability, jusText); on our fixtures and the
    # benchmark corpus the texts are identical, at 60% of the cost.
    tree = trafilatura.load_html(html)
    if tree is None:
        return Extracted(text="")
    dropped = drop_other_stories(tree)
    doc = _read(tree, url)
    found = doc.text if doc is not None else ""
    if dropped and len(found) < _CHECKED_BELOW:
        # A page built oddly (its article inside a <nav>) loses its text with the boxes
        # taken out: a short reading is checked against the whole page's, whose text wins
        # when it is much longer. The date stays the one read without the boxes.
        whole = _read(trafilatura.load_html(html), url)
        if whole is not None and len(whole.text or "") > 1.5 * len(found) + 200:
            found = whole.text
            doc = doc if doc is not None and doc.text else whole
    lang_match = _HTML_LANG.search(html[:5000])
    lang = lang_match.group(1).lower() if lang_match else None
    if doc is None or not found:
        return _linked_data_article(tree, html, url, lang)
    title = _clean(doc.title)
    text = _article_text(found)
    if title and not text.startswith(title):
        text = "\n".join(_headline_first(text, title))  # where a name counts most
    # A page that gives its date only as a line of its text ("Published October 2,
    # 2026" under the headline, no metadata) was dated when it was collected, and
    # counted in the current week of every trend (dashboard audit).
    published = parse_datetime(doc.date) or _dateline(text.split("\n"), strict=True)
    return Extracted(text=text, title=title, published_at=published,
                     author=_clean(doc.author), canonical_url=canonical_link(html, url),
                     lang=lang)


def _article_text(text: str) -> str:
    """A reading's paragraphs without pointers to other stories, repeats and pull-quotes."""
    return drop_pull_quotes(dedupe_paragraphs(drop_pointer_lines(text)))


_CHECKED_BELOW = 600  # characters: a reading this short is checked against the whole page's


def _read(tree: HtmlElement, url: str | None):  # -> trafilatura's Document | None
    for fast in (True, False):
        # The second opinions only when trafilatura's own reading finds nothing: an
        # article in bare <div>s, no <p> and no <article>, was lost.
        doc = trafilatura.bare_extraction(
            tree, url=url, fast=fast, favor_precision=True, include_comments=False,
            include_tables=True, with_metadata=True, date_extraction_params=_DATE_PARAMS,
        )
        if doc is not None and doc.text:
            return doc
    return doc


_ARTICLE_TYPES = {"Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle",
                  "AnalysisNewsArticle", "OpinionNewsArticle", "BackgroundNewsArticle",
                  "LiveBlogPosting", "Report"}


def _linked_data_article(tree: HtmlElement, html: str, url: str | None,
                         lang: str | None) -> Extracted:
    """A page written by its scripts (an empty <div id="root">) whose text is only in its
    schema.org data, ``articleBody``: it was no document at all."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        raw = _CDATA.sub("", script.text_content()).strip()
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for item in _items(data):
            kinds = item.get("@type")
            kinds = {kinds} if isinstance(kinds, str) else {
                k for k in kinds if isinstance(k, str)} if isinstance(kinds, list) else set()
            body = item.get("articleBody")
            if not (kinds & _ARTICLE_TYPES) or not isinstance(body, str) or not body.strip():
                continue
            text = _article_text("\n".join(
                flat for line in _markup_as_lines(body).splitlines()
                if (flat := " ".join(line.split()))))
            if not text:
                continue
            title = _clean(item.get("headline") if isinstance(item.get("headline"), str)
                           else None)
            author = item.get("author")
            if isinstance(author, list):
                author = author[0] if author else None
            if isinstance(author, dict):
                author = author.get("name")
            if title and not text.startswith(title):
                text = f"{title}\n{text}"
            return Extracted(text=text, title=title,
                             published_at=parse_datetime(item.get("datePublished")),
                             author=_clean(author if isinstance(author, str) else None),
                             canonical_url=canonical_link(html, url), lang=lang)
    return Extracted(text="", lang=lang)


_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote)\s*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")


def _markup_as_lines(body: str) -> str:
    """An ``articleBody`` some sites write in HTML: a line per paragraph, the words of its
    links and emphasis kept in their sentence."""
    if not re.search(r"<(?:p|br|div|span|a|em|strong|b|i)\b", body, re.IGNORECASE):
        return body
    return unescape(_ANY_TAG.sub("", _BLOCK_END.sub("\n", body)))


def _items(data: object) -> list[dict]:
    """The objects of a JSON-LD block: one, a list, or a ``@graph``."""
    if isinstance(data, list):
        return [item for part in data for item in _items(part)]
    if not isinstance(data, dict):
        return []
    return [data, *_items(data.get("@graph", []))]


_WORDS = re.compile(r"\w+")
def _headline_first(text: str, title: str) -> tuple[str, str]:
    """(headline, the rest): the page's own repeat of its headline taken out of the text
    (an <h1> under a kicker such as "Election 2024"), which would count every name in it
    twice. The <h1> may say more than the title the page gives for sharing (the <h1>
    "Marine Le Pen condamnée à cinq ans d'inéligibilité, le RN sous le choc" over the
    title "Marine Le Pen condamnée : le RN sous le choc"): that line is then the
    headline."""
    lines = text.split("\n")
    key = " ".join(title.split()).casefold()
    ordered = _WORDS.findall(key)
    words = set(ordered)
    for i, line in enumerate(lines[:6]):
        flat = " ".join(line.split()).casefold()
        rest = "\n".join(lines[:i] + lines[i + 1:])
        if flat == key:
            return title, rest
        # A longer headline begins as the title does and is not a sentence (the lede
        # names the same people, and ends with a full stop).
        seen = _WORDS.findall(flat)
        if (len(ordered) >= 3 and seen[:3] == ordered[:3] and len(flat) <= 2.5 * len(key)
                and not flat.rstrip(" »”\"'’)").endswith((".", "?", "!", "…"))
                and len(words & set(seen)) >= 0.8 * len(words)):
            return line.strip(), rest
    return title, text


def canonical_link(html: str, url: str | None) -> str | None:
    """The page's <link rel="canonical">, made absolute; None when absent or not http(s)."""
    head = html[: html.lower().find("</head>") if "</head>" in html.lower() else 50_000]
    for tag in _LINK_TAG.findall(head):
        attrs = {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
                 for m in _ATTR.finditer(tag)}
        if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            absolute = urljoin(url or "", attrs["href"].strip())
            return absolute if absolute.startswith(("http://", "https://")) else None
    return None


def extract_text(text: str) -> Extracted:
    """A plain-text file: the first non-empty line is its title; a dateline among its first
    lines ("Note du 15 avril 2012", "Publié le 2012-04-15 à 10h32", "April 15, 2012") is
    its date. A date inside a sentence ("Le 10 mai 1981, François Mitterrand était élu et
    ...") or a headline ("Mitterrand, 10 mai 1981 : la victoire") is what the text is
    about, not when it was written: the file's time is then the better guess."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _binary(text):  # an image or an archive named .txt: no text, not a document
        return Extracted(text="", title=None, published_at=None)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    title = lines[0] if lines and len(lines[0]) <= 200 else None
    return Extracted(text=dedupe_paragraphs(_unwrap(text)), title=title,
                     published_at=_dateline(lines))


def _dateline(lines: list[str], *, strict: bool = False) -> dt.datetime | None:
    """The date of a dateline among a text's first five lines, the first being its
    headline (``_written_date``; ``strict`` for a web page's text)."""
    lines = [line.strip() for line in lines if line.strip()]
    return next((d for at, line in enumerate(lines[:5])
                 if (d := _written_date(line, headline=at == 0 and len(lines) > 1,
                                        strict=strict))), None)


def _binary(text: str) -> bool:
    """Random bytes decode to text one character in ten of which is a C0 control character
    (or the replacement character); a real text has next to none. (C1 controls are left
    aside: a cp1252 apostrophe read as latin-9 is one, and French prose has many.)"""
    sample = text[:20_000]
    odd = sum(1 for c in sample if c == "\ufffd" or (c < " " and c not in "\n\t\f\v"))
    return odd > 0.02 * len(sample)


def _unwrap(text: str) -> str:
    """Join hard-wrapped lines ("François\nHollande") back into their paragraph: a line
    continues the previous one when that one was cut near the width the text is wrapped
    at (the median length of its long lines), is long and does not end a sentence.

    The first line is the title and continues nothing: a headline of 50 characters or
    more ("Starmer wins landslide as Reform UK breaks through") was glued to the dateline
    under it and to the first paragraph, so its names were not the headline's and every
    sentence quoted from it began with the title (dashboard audit). In a text of one
    paragraph a line, the short lines (a dateline, a subheading) are far shorter than
    the paragraphs, and stay apart."""
    lines = text.split("\n")
    # The width: the median of the long lines of words (a URL alone on its line, or one
    # long paragraph among wrapped ones, does not move it; the longest line did).
    lengths = sorted(len(line.strip()) for line in lines
                     if len(line.strip()) >= 50 and " " in line.strip())
    if not lengths:
        return text
    width = lengths[len(lengths) // 2]
    out: list[str] = []
    last = ""  # the previous line as written, before any joining
    for line in lines:
        previous = out[-1] if out else ""
        if (line.strip() and len(out) > 1 and len(last.strip()) >= max(50, width - 25)
                and not previous.rstrip().endswith((".", "!", "?", ":", "»", '"', "”"))):
            out[-1] = previous.rstrip() + " " + line.strip()
        else:
            out.append(line)
        last = line
    return "\n".join(out)


_MONTHS = {m: i + 1 for i, names in enumerate((
    "janvier january jan", "fevrier february feb", "mars march mar", "avril april apr",
    "mai may", "juin june jun", "juillet july jul", "aout august aug",
    "septembre september sep sept", "octobre october oct", "novembre november nov",
    "decembre december dec")) for m in names.split()}
# 2015-06-01, and a timestamp's time and offset with it: 2015-06-01T23:30:00+02:00 (the
# line is lowercased: "t", "z").
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})"
                      r"(t\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?\b")
_FR_DAY = re.compile(r"\b(\d{1,2})(?:er|st|nd|rd|th)?\s+([a-zéû]+)\.?\s+(\d{4})\b", re.I)
_NUM_DAY = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")  # 12/03/2009, 12.03.2009
_EN_DAY = re.compile(r"\b([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})\b")


# Words saying the date that follows is the text's own: "Publié le", "mis à jour le".
_CUE = re.compile(r"\b(publi\w*|mis\w? a jour|modifi\w*|posted|published|updated|date)\b")
# What opens a note's dateline as its first line: "Note du", "Compte rendu du", "Paris, le".
_LEAD = re.compile(r"\s*(?:(?:note|notes|bulletin|compte rendu|compte-rendu|communique|"
                   r"lettre|revue de presse|point presse|veille|memo|briefing|newsletter)"
                   r"\s+(?:du|of)|[^\W\d_][\w' -]*,\s*le)\s*$")
# A byline's date: "Par Jean Dupont, le", "By Jane Doe,", "By Jane Doe | Updated".
_BYLINE = re.compile(r"\s*(?:par|by)\s+[^,|]{2,60}[,|]\s*(?:le|on)?\s*$")
_CLOCK = re.compile(r"\b\d{1,2}\s*[h:.]\s*\d{2}\b|\b(a|at|vers|around)\b")
_LETTERS = re.compile(r"[^\W\d_]+")
# A wire story's dateline opens its first paragraph: "PARIS, 3 mai 2019 (AFP) - Les
# discussions...", "WASHINGTON, May 3, 2019 (Reuters) — ...": the place, the date, the
# agency in brackets, a dash, then the story.
_WIRE_AFTER = re.compile(r"\s*(?:\(\s*[^()]{1,40}\)\s*)?[-\u2013\u2014]\s")


def _written_date(line: str, *, headline: bool = False,
                  strict: bool = False) -> dt.datetime | None:
    """The date of a dateline: a line that is a date with a few words around it (a place,
    "Note du", the time after it), or any line where "publié", "updated"... comes before
    the date. ``headline``: the title line, whose date counts only when it is all there
    is to it."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", line.lower())
                    if not unicodedata.combining(c))
    found: list[tuple[re.Match, dt.datetime | None]] = []
    if m := _ISO_DAY.search(plain):
        # A timestamp keeps its time, in UTC; a day alone is that day's midnight.
        when = None
        if m.group(4):  # Python 3.10 reads a second's fraction of 3 or 6 digits: made 6
            when = parse_datetime(re.sub(r"\.(\d+)", lambda f: "." + f.group(1)[:6].ljust(
                6, "0"), m.group(0).upper()))
        found.append((m, when or _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
    if (m := _FR_DAY.search(plain)) and m.group(2) in _MONTHS:
        found.append((m, _day(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))))
    if (m := _EN_DAY.search(plain)) and m.group(1) in _MONTHS:
        found.append((m, _day(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))))
    if m := _NUM_DAY.search(plain):
        first, second = int(m.group(1)), int(m.group(2))
        day, month = (second, first) if first <= 12 < second else (first, second)
        found.append((m, _day(int(m.group(3)), month, day)))  # day first, as in French
    for m, when in found:
        before, after = plain[:m.start()], plain[m.end():]
        words_before = _LETTERS.findall(before)
        words_after = _LETTERS.findall(_CLOCK.sub(" ", after))
        if headline or strict:
            # "Note du 15 avril 2012", "Paris, le 3 mai 2019" as a file's first line: its
            # dateline (it was dated by the file's time); "Mitterrand, 10 mai 1981 : la
            # victoire", "Souvenirs du 10 mai 1981" are headlines about that day. A web
            # page's lines (``strict``: a caption, "Photo prise le 10 mai 1981", is one
            # of them) count when they say the date is the page's, or are the date alone.
            dateline = not words_after and (
                len(words_before) <= 1 or bool(_CUE.search(before))
                or bool(_BYLINE.match(before))
                or (not strict and bool(_LEAD.match(before))))
        else:
            dateline = bool(_CUE.search(before)) or (len(words_before) <= 5
                                                     and len(words_after) <= 2) or (
                len(words_before) <= 3 and before.rstrip().endswith(",")
                and bool(_WIRE_AFTER.match(after)))
        if dateline and when is not None:
            return when
    return None


def _day(year: int, month: int, day: int) -> dt.datetime | None:
    try:
        return parse_datetime(dt.datetime(year, month, day, tzinfo=dt.timezone.utc))
    except ValueError:
        return None


def dedupe_paragraphs(text: str) -> str:
    """Keep each paragraph once (pasted twice in the sample blog post); short lines such as
    "Lire aussi" may repeat."""
    seen: set[str] = set()
    kept = []
    for para in text.split("\n"):
        key = " ".join(para.split()).lower()
        if len(key) >= 40:
            if key in seen:
                continue
            seen.add(key)
        kept.append(para)
    return "\n".join(kept).strip()


# The languages the tagger reads; detection chooses among these and the config's.
TAGGED_LANGUAGES = ("fr", "en")


def detect_language(text: str, *hints: str | None, among: Sequence[str] = ()) -> str:
    """The text's language, among the tagged ones and ``among`` (the languages the
    config lists): out of 97 languages, "Obama met Sarkozy in Paris" reads as Polish.
    A hint (source lang, html lang) decides when the text is too short to judge."""
    hint = next((h for h in hints if h), None)
    # The classifier's cost grows with the text; a page's first paragraphs settle it.
    sample = text[:1500]
    if len(sample) < 120 and hint:
        return hint
    if not sample.strip():
        return hint or "und"
    lang, _ = identifier(tuple(sorted({*TAGGED_LANGUAGES, *among}))).classify(sample)
    return lang or hint or "und"


def parse_datetime(value: object) -> dt.datetime | None:
    """ISO strings and struct_time (feedparser) -> aware UTC datetime; None if unusable."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif hasattr(value, "tm_year"):
        when = dt.datetime(*value[:6], tzinfo=dt.timezone.utc)  # type: ignore[index,misc]
    else:
        text = str(value).strip()
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            text += "T00:00:00"
        text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    when = when.astimezone(dt.timezone.utc)
    if not (1800 <= when.year <= dt.date.today().year + 1):
        return None
    return when


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    return value or None
