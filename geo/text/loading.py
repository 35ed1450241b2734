"""Input loading: bytes, files, JSON, HTML, RSS/Atom feeds and (on request) URLs -> Articles.

Every path goes through the same checks: a size limit (``settings.max_input_bytes``,
:class:`~geo.errors.InputTooLargeError`), empty input and binary input
(:class:`~geo.errors.InvalidInputError`, with a message that says which). Encodings are
detected: a BOM, then strict UTF-8, then charset-normalizer.

The format is detected from the content unless given: JSON (an object with "text", a list
of such objects, or {"articles": [...]}), an RSS/Atom feed (feedparser), HTML (main text
by trafilatura), else plain text. A URL is fetched only when the caller asks
(``fetch=True``); otherwise it is refused, so nothing goes online by accident.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import unicodedata
import urllib.error
import urllib.request
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..config import Settings, get_settings
from ..errors import InputTooLargeError, InvalidInputError
from .clean import clean_text
from .records import Article

FORMATS = ("auto", "text", "html", "json", "feed")
_URL = re.compile(r"^\s*https?://\S+\s*$", re.IGNORECASE)
_HTML = re.compile(r"<(?:!doctype\s+html|html|head|body|article|main|div|p|h1|h2|span|br)\b", re.IGNORECASE)
_FEED = re.compile(r"<(?:rss|feed|rdf:rdf)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_MAGIC = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "gzip-compressed data",
    b"\x7fELF": "an executable",
    b"MZ": "an executable",
    b"SQLite format 3": "an SQLite database",
}
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_FR_WORDS = frozenset(
    "le la les des du de et dans une est à au aux sur par pour selon ont été qui que il elle ils a".split()
)
_EN_WORDS = frozenset("the and of in a to was were is on by for according have has been that which it they at".split())


# ---------------------------------------------------------------- checks and decoding


def _settings(settings: Settings | None) -> Settings:
    return settings or get_settings()


def check_size(n_bytes: int, settings: Settings | None = None) -> None:
    """Raise :class:`InputTooLargeError` if ``n_bytes`` is over the configured limit."""
    limit = _settings(settings).max_input_bytes
    if n_bytes > limit:
        raise InputTooLargeError(
            f"input is {n_bytes:,} bytes, over the limit of {limit:,} bytes (raise it with GEO_MAX_INPUT_BYTES)"
        )


def _check_text(text: str) -> str:
    """Reject empty text and text that is mostly control characters (binary decoded as text)."""
    if not text.strip():
        raise InvalidInputError("input is empty: there is no text to extract incidents from")
    if "\x00" in text:
        raise InvalidInputError("input looks binary (it contains NUL bytes); give text, HTML, JSON or a feed")
    sample = text[:20000]
    bad = sum(1 for c in sample if (unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v") or c == "\ufffd")
    if bad > max(2, len(sample) // 20):
        raise InvalidInputError(
            "input looks binary (too many control or undecodable characters); give text, HTML, JSON or a feed"
        )
    return text


def decode(data: bytes, settings: Settings | None = None) -> str:
    """Bytes -> text: size limit, binary and empty checks, encoding detection."""
    check_size(len(data), settings)
    if not data.strip():
        raise InvalidInputError("input is empty: there is no text to extract incidents from")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InvalidInputError(f"input is binary ({what}), not an article; give text, HTML, JSON or a feed")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(enc))
            except UnicodeDecodeError:
                break
    if b"\x00" not in data:
        try:
            return _check_text(data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InvalidInputError("input looks binary (no text encoding fits it); give text, HTML, JSON or a feed")
    return _check_text(str(best))


# ---------------------------------------------------------------- metadata helpers


def parse_published(value: Any) -> date | None:
    """A published date from metadata: date, datetime, ISO string, RFC 822 or free text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "tm_year"):  # time.struct_time from feedparser
        return date(value.tm_year, value.tm_mon, value.tm_mday)
    s = str(value).strip()
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(s).date()
    except (TypeError, ValueError, IndexError):
        pass
    import dateparser

    dt = dateparser.parse(s, languages=["en", "fr"], settings={"PREFER_DAY_OF_MONTH": "first"})
    return dt.date() if dt else None


def _published_arg(value: Any) -> date | None:
    if value is None or value == "":
        return None
    d = parse_published(value)
    if d is None:
        raise InvalidInputError(f"published date {value!r} is not a date (use YYYY-MM-DD)")
    return d


def detect_language(text: str) -> str:
    """ "fr" or "en", by counting common function words in the first few thousand characters."""
    words = re.findall(r"[a-zà-ÿ']+", text[:5000].lower())
    fr = sum(1 for w in words if w in _FR_WORDS)
    en = sum(1 for w in words if w in _EN_WORDS)
    return "fr" if fr > en else "en"


def _plain_title(text: str) -> str:
    """A headline among the first three lines: short, three words or more, no final stop."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()][:3]
    for line in lines:
        if (
            len(line) <= 160
            and len(line.split()) >= 3
            and not line.endswith((".", "!", "?", ":", ";", ","))
            and len(text) > len(line) + 40
        ):
            return line
    return ""


def make_article(
    text: str,
    *,
    title: str = "",
    published: Any = None,
    language: str | None = None,
    url: str | None = None,
) -> Article:
    """Clean ``text`` and wrap it; raise :class:`InvalidInputError` if nothing is left."""
    cleaned = clean_text(text)
    if not cleaned.text.strip():
        raise InvalidInputError("input is empty after cleaning: there is no article text")
    lang = (language or "").lower()[:2] or detect_language(cleaned.text)
    if lang not in ("en", "fr"):
        raise InvalidInputError(f"language {language!r} is not supported (use en or fr)")
    return Article(
        text=cleaned.text,
        title=" ".join((title or "").split()),
        published=parse_published(published) if not isinstance(published, date) else published,
        language=lang,
        url=url,
        removed_duplicates=cleaned.removed,
    )


# ---------------------------------------------------------------- formats


def _html_to_text(html: str) -> tuple[str, str, Any]:
    """Main text, title and date of an HTML page (trafilatura; tag stripping as a fallback)."""
    text, title, pub = "", "", None
    try:
        import trafilatura

        doc = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_tables=False, favor_recall=True
        )
        if doc is not None:
            get = doc.get if isinstance(doc, dict) else (lambda k, d=None: getattr(doc, k, d))
            text = get("text") or ""
            title = get("title") or ""
            pub = get("date")
    except ImportError:  # pragma: no cover - trafilatura is a runtime dependency
        pass
    if not text.strip():
        import html as _html

        body = re.sub(r"(?is)<(script|style|noscript)\b.*?</\1>", " ", html)
        body = re.sub(r"(?i)</?(p|div|br|h[1-6]|li|tr|article|section)\b[^>]*>", "\n", body)
        text = _html.unescape(_TAG.sub(" ", body))
        m = re.search(r"(?is)<title[^>]*>(.*?)</title>", html)
        if m and not title:
            title = _html.unescape(_TAG.sub(" ", m.group(1))).strip()
    return text, title, pub


def _fragment_to_text(fragment: str) -> str:
    """Feed summaries are small HTML fragments: strip tags, keep paragraph breaks."""
    import html as _html

    if "<" not in fragment:
        return _html.unescape(fragment)
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", fragment)
    body = re.sub(r"(?i)</?(p|div|br|h[1-6]|li)\b[^>]*>", "\n", body)
    return _html.unescape(_TAG.sub(" ", body))


def _from_json(text: str, **kw: Any) -> list[Article]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"input is not valid JSON: {exc}") from None
    if isinstance(obj, dict) and isinstance(obj.get("articles"), list):
        items = obj["articles"]
    elif isinstance(obj, list):
        items = obj
    else:
        items = [obj]
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInputError(f"JSON article {i} is not an object with a 'text' field")
        body = item.get("text") or item.get("content") or item.get("body")
        if not isinstance(body, str) or not body.strip():
            raise InvalidInputError(f"JSON article {i} has no 'text' field (expected title, text, published, url)")
        if _HTML.search(body[:2000]):
            body = _html_to_text(body)[0] or body
        out.append(
            make_article(
                body,
                title=str(item.get("title") or ""),
                published=kw["published"] or item.get("published") or item.get("date") or item.get("published_at"),
                language=kw["language"] or item.get("language") or item.get("lang"),
                url=item.get("url") or item.get("link"),
            )
        )
    if not out:
        raise InvalidInputError("JSON input holds no articles")
    return out


def _from_feed(text: str, **kw: Any) -> list[Article]:
    import feedparser

    feed = feedparser.parse(text)
    out = []
    for entry in feed.entries:
        body = ""
        if entry.get("content"):
            body = "\n\n".join(c.get("value", "") for c in entry["content"])
        body = body or entry.get("summary", "") or entry.get("description", "")
        body = _fragment_to_text(body)
        if not body.strip():
            continue
        out.append(
            make_article(
                body,
                title=_fragment_to_text(entry.get("title", "")),
                published=kw["published"]
                or entry.get("published_parsed")
                or entry.get("updated_parsed")
                or entry.get("published"),
                language=kw["language"] or (feed.feed.get("language") or "")[:2] or None,
                url=entry.get("link"),
            )
        )
    if not out:
        raise InvalidInputError("the feed has no entries with text")
    return out


def detect_format(text: str) -> str:
    """ "json", "feed", "html" or "text", from the first characters."""
    head = text.lstrip()[:3000]
    if head[:1] in "{[":
        try:
            json.loads(text)
            return "json"
        except json.JSONDecodeError:
            pass
    if _FEED.search(head) and (head.startswith("<") or head.lower().startswith("<?xml")):
        return "feed"
    if head.startswith("<") and _HTML.search(head) or len(_HTML.findall(head)) >= 3:
        return "html"
    return "text"


def articles_from_text(
    text: str,
    *,
    fmt: str = "auto",
    published: Any = None,
    language: str | None = None,
    title: str | None = None,
    url: str | None = None,
    settings: Settings | None = None,
) -> list[Article]:
    """Articles from already-decoded input of any supported format."""
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}")
    check_size(len(text.encode("utf-8", "surrogatepass")), settings)
    _check_text(text)
    pub = _published_arg(published)
    if fmt == "auto":
        fmt = detect_format(text)
    if fmt == "json":
        return _from_json(text, published=pub, language=language)
    if fmt == "feed":
        return _from_feed(text, published=pub, language=language)
    if fmt == "html":
        body, html_title, html_pub = _html_to_text(text)
        return [make_article(body, title=title or html_title, published=pub or html_pub, language=language, url=url)]
    return [
        make_article(
            text, title=title if title is not None else _plain_title(text), published=pub, language=language, url=url
        )
    ]


def fetch_url(url: str, settings: Settings | None = None) -> bytes:
    """Download ``url`` (size-limited; the configured User-Agent and timeout)."""
    s = _settings(settings)
    req = urllib.request.Request(url.strip(), headers={"User-Agent": s.user_agent})
    try:
        with urllib.request.urlopen(req, timeout=s.geocoder_timeout) as resp:  # noqa: S310 - user asked
            data = resp.read(s.max_input_bytes + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise InvalidInputError(f"could not fetch {url}: {exc}") from None
    return data


def load_articles(
    source: str | bytes | os.PathLike,
    *,
    fmt: str = "auto",
    published: Any = None,
    language: str | None = None,
    title: str | None = None,
    url: str | None = None,
    fetch: bool = False,
    settings: Settings | None = None,
) -> list[Article]:
    """Load one or more articles from a path, bytes, text or (with ``fetch``) a URL.

    A ``str`` is content, except a lone http(s) URL, which is fetched only when
    ``fetch`` is true. ``published`` and ``language`` from the caller win over metadata.
    """
    if isinstance(source, os.PathLike):
        p = Path(source)
        if not p.is_file():
            raise InvalidInputError(f"{p}: no such file")
        check_size(p.stat().st_size, settings)
        data = p.read_bytes()
        return articles_from_text(
            decode(data, settings),
            fmt=fmt,
            published=published,
            language=language,
            title=title,
            url=url,
            settings=settings,
        )
    if isinstance(source, (bytes, bytearray, memoryview)):
        return articles_from_text(
            decode(bytes(source), settings),
            fmt=fmt,
            published=published,
            language=language,
            title=title,
            url=url,
            settings=settings,
        )
    if not isinstance(source, str):
        raise InvalidInputError(f"cannot read an article from {type(source).__name__}")
    if _URL.match(source):
        if not fetch:
            raise InvalidInputError(
                "input is a URL; fetching is off by default (pass fetch=True, or --fetch on the command line)"
            )
        u = source.strip()
        return articles_from_text(
            decode(fetch_url(u, settings), settings),
            fmt=fmt,
            published=published,
            language=language,
            title=title,
            url=u,
            settings=settings,
        )
    return articles_from_text(
        source, fmt=fmt, published=published, language=language, title=title, url=url, settings=settings
    )


def load_article(source: str | bytes | os.PathLike, **kw: Any) -> Article:
    """Like :func:`load_articles` for input that holds one article (the first one of a feed)."""
    return load_articles(source, **kw)[0]
