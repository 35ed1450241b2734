"""Input loading: bytes, files, JSON, HTML, RSS/Atom feeds and (on request) URLs -> Articles.

Every path goes through the same checks: a size limit (``settings.max_input_bytes``,
:class:`~geo.errors.InputTooLargeError`; files and downloads are read only up to the
limit, never whole), empty input and binary input (:class:`~geo.errors.InvalidInputError`,
with a message that says which: :func:`sniff_binary` names the format from the first
bytes, "looks like a PNG image, not an article", whatever the file is called). Encodings
are detected: a BOM, then strict UTF-8, then UTF-8 mixed with Windows-1252 (a pasted
fragment), then the charset a server declared, then charset-normalizer (Latin-script
guesses are read as Windows-1252, the superset of Latin-1 that French and English text
uses, and so is mostly-ASCII text whose other bytes are Latin letters there, whatever the
guess: "Ségou" is not Big5).

The format is detected from the content unless given: JSON (an object with "text", a list
of such objects, or {"articles": [...]}), an RSS/Atom feed (feedparser), HTML (main text
by trafilatura), else plain text. A URL is fetched only when the caller asks
(``fetch=True``); otherwise it is refused, so nothing goes online by accident. Fetching
goes through :mod:`geo._http` (http/https only, public addresses only unless
``GEO_ALLOW_PRIVATE_URLS``, bounded redirects, time and size, checked content types).

Metadata from the input is data, not trusted: titles lose control and invisible
characters, an article URL is kept only when it is an http(s) URL, and JSON fields of
the wrong type are refused with a message that names them.
"""

from __future__ import annotations

import email.utils
import io
import json
import os
import re
import stat
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .. import _http
from ..config import Settings, get_settings
from ..errors import InputTooLargeError, InvalidInputError
from .clean import clean_text, normalise_chars
from .records import Article

FORMATS = ("auto", "text", "html", "json", "feed")
_URL = re.compile(r"^\s*https?://\S+\s*$", re.IGNORECASE)
#: one token with a URL scheme ("file:///etc/passwd", "ftp://...", "data:text/html,..."):
#: with fetch=True it is a URL the caller meant to fetch, and it is refused
_OTHER_URL = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]{1,30}:\S+\s*$")
_HTML = re.compile(r"<(?:!doctype\s+html|html|head|body|article|main|div|p|h1|h2|span|br)\b", re.IGNORECASE)
_FEED = re.compile(r"<(?:rss|feed|rdf:rdf)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")  # not "<[^>]*>": a run of "<" without ">" made that quadratic
_BLOCK_OPEN = re.compile(r"<(script|style|noscript)\b", re.IGNORECASE)
_ESCAPED = re.compile("[\udc80-\udcff]+")  # bytes that were not UTF-8 (surrogateescape)
#: charset-normalizer guesses for Latin-script text: read as Windows-1252 instead (short
#: French text is often guessed as cp1250 and "à" comes out as "ŕ")
_LATIN_GUESSES = frozenset(
    """cp1250 cp1252 cp1254 cp1257 cp1258 latin_1 iso8859_1 iso8859_2 iso8859_3 iso8859_4 iso8859_9
    iso8859_10 iso8859_13 iso8859_14 iso8859_15 iso8859_16 mac_roman mac_latin2 mac_iceland mac_turkish
    cp437 cp850 cp852 cp858""".split()
)
#: File signatures ("magic numbers") of binary formats someone might upload instead of an
#: article, whatever the file is called: (offset, signature, what it is). Checked on the
#: first bytes only. Signatures that could also begin a text ("MZ", "BM", "GIF89a", "OggS")
#: are in :data:`_TEXTLIKE_MAGIC`: they count only when the start of the data is binary too
#: (these formats always have NUL or control bytes in their header).
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive (or a Word, Excel, OpenDocument or EPUB file)"),
    (0, b"PK\x05\x06", "a ZIP archive"),
    (0, b"PK\x07\x08", "a ZIP archive"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office document (.doc, .xls, .ppt, .msg)"),
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
    (0, b"\x1f\x8b", "gzip-compressed data"),
    (0, b"\xfd7zXZ\x00", "xz-compressed data"),
    (0, b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"\x7fELF", "an executable (ELF)"),
    (0, b"\xcf\xfa\xed\xfe", "an executable (Mach-O)"),
    (0, b"\xce\xfa\xed\xfe", "an executable (Mach-O)"),
    (0, b"\xfe\xed\xfa\xcf", "an executable (Mach-O)"),
    (0, b"\xca\xfe\xba\xbe", "a Java class file or a Mach-O executable"),
    (0, b"\x00asm", "a WebAssembly module"),
    (0, b"SQLite format 3\x00", "an SQLite database"),
)
_TEXTLIKE_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"MZ", "an executable (Windows)"),
    (0, b"BM", "a BMP image"),
    (0, b"ID3", "an MP3 audio file"),
    (0, b"BZh", "bzip2-compressed data"),
    (0, b"RIFF", "a RIFF media file (WAV, AVI or WebP)"),
    (4, b"ftyp", "an MP4/QuickTime video or HEIC image"),
    (0, b"\x89PNG", "a PNG image"),
    (0, b"\xff\xfb", "an MP3 audio file"),
    (0, b"\xff\xf3", "an MP3 audio file"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"OggS", "an Ogg audio or video file"),
    (0, b"fLaC", "a FLAC audio file"),
    (257, b"ustar", "a tar archive"),
    (0, b"wOFF", "a web font"),
    (0, b"wOF2", "a web font"),
)
#: bytes that do not occur in text in any encoding we read (NUL and C0 controls but tab,
#: newline, vertical tab, form feed, carriage return and escape), in the first bytes
_BINARY_BYTES = re.compile(b"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
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


def check_text_size(text: str, settings: Settings | None = None) -> None:
    """:func:`check_size` of ``text``'s UTF-8 length, without encoding a copy when the
    character count already decides (1 to 4 bytes a character)."""
    limit = _settings(settings).max_input_bytes
    n = len(text)
    if n > limit:
        check_size(n, settings)  # at least n bytes: too large, say so now
    elif n * 4 > limit:
        check_size(len(text.encode("utf-8", "surrogatepass")), settings)


def read_file(path: str | os.PathLike, settings: Settings | None = None) -> bytes:
    """The bytes of a regular file, read only up to the size limit (never the whole of a
    larger file, even one that grows while it is read, or one whose size the file system
    does not report)."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InvalidInputError(f"{p}: no such file") from None
    except OSError as exc:
        raise InvalidInputError(f"{p}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InvalidInputError(f"{p}: is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise InvalidInputError(f"{p}: not a regular file (a device, pipe or socket); give a file")
    check_size(st.st_size, settings)
    limit = _settings(settings).max_input_bytes
    try:
        with open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InvalidInputError(f"{p}: cannot read it ({exc.strerror or exc})") from None
    check_size(len(data), settings)
    return data


def read_stream(stream: Any, settings: Settings | None = None) -> bytes:
    """Up to the size limit (plus one byte, to tell) of a binary stream such as stdin."""
    limit = _settings(settings).max_input_bytes
    data = stream.read(limit + 1)
    check_size(len(data), settings)
    return data


def sniff_binary(data: bytes) -> str | None:
    """What binary format ``data`` is ("a PNG image", "a ZIP archive ...") from its first
    bytes, or None. By content only: a file's name or declared type is not consulted.

    Text in any encoding is never taken for a signature: UTF-16/32 text (NUL bytes, with
    or without a byte-order mark) matches none of them, and a text that happens to begin
    like a signature ("MZ ...", "BM ...") has no binary header after it.
    """
    head = bytes(data[:512])
    for offset, magic, what in _MAGIC:
        if head.startswith(magic, offset):
            return what
    for offset, magic, what in _TEXTLIKE_MAGIC:
        if head.startswith(magic, offset) and _BINARY_BYTES.search(head):
            return what
    return None


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


def _mixed_utf8(data: bytes) -> str | None:
    """UTF-8 with some Windows-1252 bytes in it (a fragment pasted from another file), or None.

    Each byte that is not UTF-8 is read as Windows-1252. Used when the valid non-ASCII
    UTF-8 characters are at least half as many as the stray bytes; a text with mostly
    stray bytes is in a legacy encoding and left to the detector.
    """
    text = data.decode("utf-8", "surrogateescape")
    stray = sum(len(m.group()) for m in _ESCAPED.finditer(text))
    if not stray:
        return text
    valid = len(text) - len(text.encode("ascii", "ignore")) - stray  # non-ASCII characters that were UTF-8
    if valid <= 0 or valid * 2 < stray:
        return None
    return _ESCAPED.sub(lambda m: bytes(ord(c) - 0xDC00 for c in m.group()).decode("cp1252", "replace"), text)


def decode(data: bytes, settings: Settings | None = None, encoding: str | None = None) -> str:
    """Bytes -> text: size limit, binary and empty checks, encoding detection.

    ``encoding`` is a charset the source declared (an HTTP ``Content-Type``): tried after
    UTF-8, before guessing.
    """
    check_size(len(data), settings)
    if not data.strip():
        raise InvalidInputError("input is empty: there is no text to extract incidents from")
    what = sniff_binary(data)
    if what:
        raise InvalidInputError(f"looks like {what}, not an article (binary data); give text, HTML, JSON or a feed")
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
        mixed = _mixed_utf8(data)
        if mixed is not None:
            return _check_text(mixed)
        if encoding:
            try:
                return _check_text(data.decode(encoding))
            except (UnicodeDecodeError, LookupError):
                pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InvalidInputError("input looks binary (no text encoding fits it); give text, HTML, JSON or a feed")
    if best.encoding in _LATIN_GUESSES:
        for enc in ("cp1252", "latin_1"):
            try:
                return _check_text(data.decode(enc))
            except UnicodeDecodeError:
                continue
    latin = _latin_text(data) if b"\x00" not in data else None
    if latin is not None:
        return _check_text(latin)
    return _check_text(str(best))


#: non-ASCII characters of English and French text in Windows-1252 besides Latin letters
_LATIN_PUNCTUATION = frozenset("\u00a0«»‘’‚“”„–—…•·°€£¢§©®™ºª¿¡×÷¼½¾²³¹")


def _latin_text(data: bytes) -> str | None:
    """``data`` read as Windows-1252 when it is mostly ASCII and each other byte is a Latin
    letter or common punctuation there ("Ségou", "l’armée"), else None.

    The detector guesses from byte statistics, and a short English text with two place
    names in Latin-1 ("... Ségou and Diéma ...") comes out as Big5 ("S嶲ou"). Text in
    another script in a legacy encoding (Cyrillic, Chinese) is mostly non-ASCII bytes and
    is left to the detector.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
        return None
    other = [c for c in text if ord(c) > 0x7F]
    if not other or len(other) * 5 > len(text):
        return None
    for c in other:
        if c in _LATIN_PUNCTUATION:
            continue
        if not (unicodedata.category(c).startswith("L") and unicodedata.name(c, "").startswith("LATIN")):
            return None
    return text


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
    lines: list[str] = []  # the first three non-empty lines (not a list of every line)
    pos = 0
    while len(lines) < 3 and pos <= len(text):
        nl = text.find("\n", pos)
        nl = len(text) if nl == -1 else nl
        line = text[pos:nl].strip()
        if line:
            lines.append(line)
        pos = nl + 1
    for line in lines:
        if (
            len(line) <= 160
            and len(line.split()) >= 3
            and not line.endswith((".", "!", "?", ":", ";", ","))
            and len(text) > len(line) + 40
        ):
            return line
    return ""


_CONTROL_OR_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_title(title: Any) -> str:
    """A title as one line of visible text: control, bidi and zero-width characters out."""
    t = normalise_chars(str(title or ""))
    return " ".join(_CONTROL_OR_INVISIBLE.sub(" ", t).split())


def safe_url(url: Any) -> str | None:
    """``url`` if it is an http(s) URL with a host and nothing odd in it, else None.

    Article URLs come from the input (JSON, feeds); a ``javascript:`` or ``data:`` link
    must not reach a page as a link, so anything else is dropped.
    """
    if not isinstance(url, str):
        return None
    u = url.strip()
    if not u or len(u) > 2048 or _CONTROL_OR_INVISIBLE.search(u) or " " in u:
        return None
    try:
        _http.check_url(u)
    except InvalidInputError:
        return None
    return u


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
    if language is not None and not isinstance(language, str):
        raise InvalidInputError(f"language {language!r} is not supported (use en or fr)")
    lang = (language or "").lower()[:2] or detect_language(cleaned.text)
    if lang not in ("en", "fr"):
        raise InvalidInputError(f"language {language!r} is not supported (use en or fr)")
    return Article(
        text=cleaned.text,
        title=clean_title(title),
        published=parse_published(published) if not isinstance(published, date) else published,
        language=lang,
        url=safe_url(url),
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

        body = _strip_blocks(html)
        body = re.sub(r"(?i)</?(p|div|br|h[1-6]|li|tr|article|section)\b[^<>]*>", "\n", body)
        text = _html.unescape(_TAG.sub(" ", body))
        if not title:
            title = _html.unescape(_TAG.sub(" ", _first_title(html))).strip()
    return text, title, pub


def _strip_blocks(html: str) -> str:
    """``html`` without its <script>, <style> and <noscript> elements, in linear time.

    An element that is never closed runs to the end of the document (as in a browser). A
    regex with a lazy ``.*?`` rescanned the rest of the text for every unclosed tag.
    """
    out: list[str] = []
    pos = 0
    n = len(html)
    while pos < n:
        m = _BLOCK_OPEN.search(html, pos)
        if m is None:
            out.append(html[pos:])
            break
        out.append(html[pos : m.start()])
        out.append(" ")
        close = re.compile(rf"</{m.group(1)}\s*>", re.IGNORECASE).search(html, m.end())
        if close is None:
            break
        pos = close.end()
    return "".join(out)


def _first_title(html: str) -> str:
    m = re.search(r"<title\b[^<>]*>", html, re.IGNORECASE)
    if m is None:
        return ""
    end = re.compile(r"</title\s*>", re.IGNORECASE).search(html, m.end())
    return html[m.end() : end.start()] if end else ""


def _fragment_to_text(fragment: str) -> str:
    """Feed summaries are small HTML fragments: strip tags, keep paragraph breaks."""
    import html as _html

    if "<" not in fragment:
        return _html.unescape(fragment)
    body = _strip_blocks(fragment)
    body = re.sub(r"(?i)</?(p|div|br|h[1-6]|li)\b[^<>]*>", "\n", body)
    return _html.unescape(_TAG.sub(" ", body))


def _parse_json(text: str) -> Any:
    """``json.loads`` with every failure as :class:`InvalidInputError` (deep nesting, huge numbers)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"input is not valid JSON: {exc}") from None
    except RecursionError:
        raise InvalidInputError("input is not usable JSON: it is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise InvalidInputError(f"input is not usable JSON: {exc}") from None


_JSON_STRING_FIELDS = ("title", "url", "link", "language", "lang")
_JSON_DATE_FIELDS = ("published", "date", "published_at")


def _json_field(item: dict, i: int, name: str, kinds: tuple[type, ...]) -> Any:
    value = item.get(name)
    if value is None or isinstance(value, kinds) and not isinstance(value, bool):
        return value
    want = "a string" if kinds == (str,) else "a string or a number"
    raise InvalidInputError(f"JSON article {i}: {name!r} must be {want}, not {type(value).__name__}")


def _from_json(text: str, **kw: Any) -> list[Article]:
    obj = _parse_json(text)
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
        for name in _JSON_STRING_FIELDS:
            _json_field(item, i, name, (str,))
        for name in _JSON_DATE_FIELDS:
            _json_field(item, i, name, (str, int, float))
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


_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)


def _from_feed(text: str, **kw: Any) -> list[Article]:
    import feedparser

    root = _FEED.search(text)
    if _ENTITY_DECL.search(text, 0, root.start() if root else len(text)):
        # internal entities are the "billion laughs" (expat expands megabytes before its
        # guard stops it) and external ones read files: no real feed declares any
        raise InvalidInputError("the feed declares XML entities (<!ENTITY ...>); such feeds are not read")

    # bytes in a file object: given a str, feedparser treats a URL or a file path as
    # something to open (a "feed" of "file:///etc/passwd" or "feed://10.0.0.1/" would be
    # read or fetched, past every check in geo._http)
    feed = feedparser.parse(io.BytesIO(text.encode("utf-8", "replace")))
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
        except (RecursionError, ValueError):
            return "json"  # JSON, but not usable: _from_json says why
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
    if not isinstance(text, str):
        raise InvalidInputError(f"cannot read an article from {type(text).__name__}")
    check_text_size(text, settings)
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


def fetch_document(url: str, settings: Settings | None = None) -> _http.Fetched:
    """Download ``url`` under the policy of :mod:`geo._http`: the body and its declared type."""
    return _http.fetch(url.strip(), _settings(settings))


def fetch_url(url: str, settings: Settings | None = None) -> bytes:
    """Download ``url`` (http/https, public addresses, size and time limits: see :mod:`geo._http`)."""
    return fetch_document(url, settings).body


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
        text = decode(read_file(source, settings), settings)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        text = decode(bytes(source), settings)
    elif not isinstance(source, str):
        raise InvalidInputError(f"cannot read an article from {type(source).__name__}")
    elif _URL.match(source):
        if not fetch:
            raise InvalidInputError(
                "input is a URL; fetching is off by default (pass fetch=True, or --fetch on the command line)"
            )
        url = source.strip()
        doc = fetch_document(url, settings)
        text = decode(doc.body, settings, encoding=doc.charset)
    else:
        if fetch and _OTHER_URL.match(source):
            _http.check_url(source.strip())  # file:, ftp:, data: ...: refused, clearly
        text = source
    return articles_from_text(
        text, fmt=fmt, published=published, language=language, title=title, url=url, settings=settings
    )


def load_article(source: str | bytes | os.PathLike, **kw: Any) -> Article:
    """Like :func:`load_articles` for input that holds one article (the first one of a feed)."""
    return load_articles(source, **kw)[0]
