"""Hostile text through loading and extraction: each input gets a clear error or a
correct result, in time and memory that grow linearly with its size.

How "linearly" is checked without timing anything:

- ``work_ratio``: the number of Python trace events (lines, calls) extraction executes on
  an input of size n and 2n. Linear code doubles it (ratio about 2); the quadratic code
  these tests guard against quadrupled it (3.5 to 10 on the same inputs). Deterministic.
- work done inside C (regular expressions, string copies) does not show in trace
  events: those cases run at a size where the old code took minutes to hours, inside a
  hang guard (``bounded``) that fails the test instead of waiting forever.
- memory: tracemalloc's peak, against the input's size.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest

from geo import config
from geo.errors import InputTooLargeError, InvalidInputError
from geo.text import loading
from geo.text.clean import clean_text
from geo.text.incidents import MAX_FIGURES
from geo.text.loading import load_article, load_articles

REPO = Path(__file__).resolve().parents[2]
PUB = date(2024, 7, 1)


@pytest.fixture(scope="module")
def extractor():
    from geo.extract import Extractor
    from geo.geocode import Geocoder

    return Extractor(geocoder=Geocoder(online=False, cache=False))


@pytest.fixture(scope="module")
def extract(extractor):
    """``extract(text, **kw)`` -> ExtractionResult (offline, no geocode cache on disk)."""
    from geo.extract import extract_text

    def run(text: str, published=PUB, language="en"):
        return extract_text(text, published=published, language=language, extractor=extractor)

    return run


def _strings(result) -> list[str]:
    """Every string of the extract JSON document (article and incidents)."""
    out: list[str] = []

    def walk(v):
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(result.to_dict())
    return out


def _invisible(s: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in s if unicodedata.category(c) in ("Cf", "Cc") and c not in "\n"]


def work(fn) -> int:
    """Python trace events while ``fn()`` runs: a machine-independent measure of work."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return count


def _names(n: int) -> list[str]:
    return [f"Xab{chr(97 + i % 26)}{chr(97 + (i // 26) % 26)}{chr(97 + (i // 676) % 26)}" for i in range(n)]


# ---------------------------------------------------------------- markup, SQL, control characters


def test_markup_in_plain_text_stays_text(extract):
    text = (
        "Gunmen attacked Kayes on Monday, killing two soldiers. <script>alert('Gao')</script> "
        "Residents of the village of <img src=x onerror=alert(1)> fled. "
        '<a href="javascript:alert(1)" onmouseover="alert(2)">Ménaka</a> was calm.'
    )
    r = extract(text)
    assert [i.place for i in r.incidents] == ["Kayes"]
    assert "<script>alert('Gao')</script>" in r.article.text  # data, kept as written, never run
    for inc in r.incidents:
        assert "<" not in inc.place and ">" not in inc.place
    json.loads(json.dumps(r.to_dict(), ensure_ascii=False))


def test_markup_in_html_input_is_dropped(extract):
    html = (
        "<html><head><title>Attack <script>alert(1)</script>in Kayes</title></head><body><article>"
        '<p>Gunmen attacked <b onmouseover="alert(1)">Kayes</b> on Monday, killing two soldiers.</p>'
        "<script>document.write('Gunmen attacked Gao on Monday.')</script>"
        "<style>p { background: url(javascript:alert(1)) }</style></article></body></html>"
    )
    (a,) = load_articles(html, published=PUB, language="en")
    assert "document.write" not in a.text and "alert" not in a.text and "Gao" not in a.text
    assert "Kayes" in a.text


def test_sql_fragments_are_just_text(extract):
    text = "Gunmen attacked Kayes'; DROP TABLE incidents; -- on Monday, killing 3 soldiers. Robert'); DELETE FROM articles;--"
    r = extract(text)
    assert [i.place for i in r.incidents] == ["Kayes"]
    assert "DROP TABLE incidents" in r.article.text
    doc = {"title": "x'); DROP TABLE articles;--", "text": text, "url": "https://example.org/a?id=1'%20OR%20'1'='1"}
    (a,) = load_articles(json.dumps(doc))
    assert a.title == "x'); DROP TABLE articles;--" and a.url == doc["url"]


def test_control_characters_never_reach_the_output(extract, tmp_path):
    """Terminal escapes in a headline used to reach ``python -m geo extract``'s output."""
    text = (
        "\x1b]0;owned\x07Attack on the \x1b[31mKayes\x1b[0m army post\n\n"
        "Gunmen attacked Kayes\x08\x7f on Monday\x9b2J, killing two soldiers, officials said.\x0c "
        + "The attackers fled towards the north on motorcycles, witnesses said. " * 3
    )
    r = extract(text)
    bad = [(s, _invisible(s)) for s in _strings(r) if _invisible(s)]
    assert bad == []
    assert r.article.title.startswith("]0;owned Attack on the")  # visible text kept, escapes gone
    p = tmp_path / "a.txt"
    p.write_text(text, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "geo", "extract", str(p), "--published", "2024-07-01"],
        capture_output=True, text=True, cwd=REPO, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout and "\x9b" not in out.stdout and "Kayes" in out.stdout


def test_a_nul_byte_is_a_clear_binary_error():
    with pytest.raises(InvalidInputError, match="binary"):
        load_article("Gunmen attacked Kayes on Monday.\x00")


# ---------------------------------------------------------------- bidi and zero-width characters


@pytest.mark.parametrize(
    "name",
    [
        "Ka\u200byes",  # zero-width space
        "Ka\u2066yes\u2069",  # left-to-right isolate
        "\u202eKayes\u202c",  # right-to-left override
        "Kay\u200fes",  # right-to-left mark
        "Ka\u2060y\u180ees",  # word joiner, Mongolian vowel separator
        "Kayes\U000e0041\U000e0042",  # tag characters (hidden ASCII)
        "K\u034fayes",  # combining grapheme joiner
    ],
)
def test_invisible_characters_do_not_hide_in_place_names(extract, name):
    r = extract(f"Gunmen attacked {name} on Monday, killing two soldiers.")
    assert [i.place for i in r.incidents] == ["Kayes"]
    assert all(not _invisible(s) for s in _strings(r))


def test_every_format_character_is_removed_by_cleaning():
    cf = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    left = [f"U+{ord(c):04X}" for c in cf if clean_text(f"Kayes{c}town").text != "Kayestown"]
    assert left == []


def test_titles_lose_invisible_and_control_characters():
    doc = {"title": "Attack\u202e in \u200bKayes\x1b[2J\x07", "text": "Gunmen attacked Kayes on Monday."}
    (a,) = load_articles(json.dumps(doc))
    assert a.title == "Attack in Kayes [2J"


# ---------------------------------------------------------------- repeated names and text


def test_ten_thousand_repeated_place_names(extract):
    """One incident with every sentence as evidence; memory in proportion to the input
    (linear work on this shape: "one place, thousands of sentences" below)."""
    extract("Gunmen attacked Kayes on Monday.")  # gazetteer, boundaries and caches loaded
    text = "Gunmen attacked Kayes on Monday. " * 10_000
    tracemalloc.start()
    try:
        r = extract(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (inc,) = r.incidents  # one place, one date: one incident
    assert inc.place == "Kayes" and inc.date == date(2024, 7, 1)
    assert len(inc.evidence) == 10_000 and inc.evidence == sorted(inc.evidence, key=lambda e: e.start)
    # a sentence this short is ~3 KB of mention, clause and candidate records while it is
    # analysed: about 100 bytes per byte of input at the peak
    assert peak < 150 * len(text), f"peak {peak:,} bytes for {len(text):,} bytes of input"
    r = extract("Gunmen attacked " + ", ".join(["Kayes"] * 10_000) + " and Gao on Monday.")
    assert sorted(i.place for i in r.incidents) == ["Gao", "Kayes"]


@pytest.mark.parametrize("unit,ratio", [("paragraph", 2.0), ("line", 2.0), ("sentence", 4.0)])
def test_repeat_bomb_is_deduplicated_in_bounded_memory(unit, ratio):
    """~4.6 MB: one paragraph (or line, or sentence) repeated 100,000 times, inside the
    size limit. What is kept is one copy; the peak memory stays within a small multiple of
    the input (it was 4x for paragraphs and 15x for sentences: lists of every piece)."""
    para = "Gunmen attacked the post in Diéma on Sunday."  # 44 characters: a sentence dedupe sees
    sep = {"paragraph": "\n\n", "line": "\n", "sentence": " "}[unit]
    text = (para + sep) * 100_000
    size = len(text.encode("utf-8"))
    assert size < config.get_settings().max_input_bytes
    tracemalloc.start()
    try:
        a = load_article(text, published=PUB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert a.text == para and a.removed_duplicates == 99_999
    assert peak < ratio * size, f"peak {peak:,} bytes for {size:,} bytes of input"


def test_repeat_bomb_dedupe_is_linear():
    base = "Gunmen attacked the army post in Diéma on Sunday, a local official said.\n\n"
    small = work(lambda: clean_text(base * 500))
    large = work(lambda: clean_text(base * 1000))
    assert large / small < 2.5


# ---------------------------------------------------------------- linear work on hostile shapes


def _frames(n: int) -> str:
    return "".join(f"Gunmen attacked Kayes on {(date(2000, 1, 1) + timedelta(days=i)).isoformat()}. " for i in range(n))


HOSTILE = {
    # sentence splitter: each "!" walked back over all the text before it
    "punctuation run": lambda n: "x" + " !" * n,
    # sentence splitter: each "." walked back over one endless word
    "dots after a long word": lambda n: "a" * (4 * n) + " ." * n,
    # dates: every new date compared with every date already found
    "thousands of dates": lambda n: "attack on Monday " * n,
    # "the group": each one searched every actor found before it
    "thousands of anaphora": lambda n: "JNIM attacked. " + "the group attacked " * n,
    # one incident merged thousands of times: evidence re-sorted, frame actors re-scanned
    "one place, thousands of sentences": lambda n: "JNIM attacked Kayes on Monday. " * n,
    # a frame per date, each looked up by scanning every frame
    "thousands of dates, one each": _frames,
    # mentions without an event looked up against every incident
    "thousands of weak mentions": lambda n: "".join(f"Gunmen attacked the village of {x}. " for x in _names(n))
    + "Residents of Kayes met. " * (3 * n),
    # casualty figures: each compared with every figure before it
    "thousands of figures": lambda n: "Gunmen attacked Kayes, " + "5 soldiers killed, " * n + "officials said.",
    # geocoding: each place given every other place of the article as context
    "thousands of places": lambda n: "".join(f"Gunmen attacked the village of {x}. " for x in _names(n)),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_extraction_work_grows_linearly(extract, case):
    make = HOSTILE[case]
    extract(make(1000))  # caches warm (gazetteer, geocoder contexts for every name)
    small = work(lambda: extract(make(500)))
    large = work(lambda: extract(make(1000)))
    assert large / small < 3.0, f"{case}: {small:,} -> {large:,} trace events for twice the input"


def test_a_list_that_never_ends(extract, bounded):
    """The enumeration regex retried "Kayes, Kayes, ..." (no "and") from every name:
    about 3.5 minutes on this input; C-level backtracking, not traceable."""
    r = bounded(extract, "Gunmen attacked " + "Kayes, " * 36_000 + "Gao.")
    assert sorted(i.place for i in r.incidents) == ["Gao", "Kayes"]


@pytest.mark.parametrize(
    "case,make",
    [
        # HTML fallback: an unclosed <title> searched to the end from each one
        ("unclosed titles", lambda: "<html><head>" + "<title>" * 140_000 + "</head><body></body></html>"),
        # HTML fallback: an unclosed <script> searched to the end from each one
        ("unclosed scripts", lambda: "<html><body>" + "<script>" * 125_000 + "</body></html>"),
        # HTML fallback: a tag pattern scanned to the end from each "<" that is never closed
        ("unclosed tags", lambda: "<html><body><p>" + "<x " * 500_000),
    ],
)
def test_regex_hostile_shapes_finish(extract, bounded, case, make):
    """Old code: minutes to hours on these (C-level backtracking, not traceable)."""
    text = make()
    try:
        bounded(load_articles, text, published=PUB, language="en")
    except InvalidInputError as exc:
        assert "empty" in str(exc)  # nothing but markup: a clear error, not a hang


def test_extraction_of_a_huge_list_is_correct(extract, bounded):
    r = bounded(extract, "Gunmen attacked " + ", ".join(["Kayes", "Gao", "Mopti", "Ségou"] * 2_500) + ", killing "
                + ", ".join(f"{i % 90 + 2} soldiers" for i in range(3_000)) + ".")
    incs = {i.place: i for i in r.incidents}
    assert set(incs) == {"Kayes", "Gao", "Mopti", "Ségou"}
    for inc in incs.values():  # one figure for several places: shared, and bounded per incident
        assert inc.fatalities and all(f.shared for f in inc.fatalities)
        assert len(inc.fatalities) <= MAX_FIGURES  # not 3,000 copies for each of 10,000 places


# ---------------------------------------------------------------- size limits, files, streams


def test_fifty_megabyte_file_is_refused_without_reading_it(tmp_path):
    p = tmp_path / "big.txt"
    with open(p, "wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLargeError, match="50,000,000 bytes, over the limit of 5,000,000"):
            load_article(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_a_file_bigger_than_it_says_is_read_only_to_the_limit(tmp_path, monkeypatch):
    """A file that grows after it is measured, or whose size the system does not report
    (/proc, some network file systems): reading stops at the limit."""
    p = tmp_path / "liar.txt"
    p.write_bytes(b"Gunmen attacked Kayes. " * 2_000_000)  # 46 MB
    real_stat = Path.stat

    def small_stat(self, *a, **kw):
        st = real_stat(self, *a, **kw)
        if self == p:
            return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 1000,
                                   int(st.st_atime), int(st.st_mtime), int(st.st_ctime)))
        return st

    monkeypatch.setattr(Path, "stat", small_stat)
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLargeError, match="over the limit"):
            load_article(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12_000_000  # the limit (5 MB) and change, not 46 MB


def test_devices_pipes_and_folders_are_refused_clearly(tmp_path):
    with pytest.raises(InvalidInputError, match="is a folder"):
        load_article(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match="not a regular file"):
        load_article(fifo)  # opening it would block until a writer came
    if os.path.exists("/dev/zero"):
        with pytest.raises(InvalidInputError, match="not a regular file"):
            load_article(Path("/dev/zero"))


class _Endless(io.RawIOBase):
    """An endless stream of text that refuses unbounded reads (stdin from /dev/zero)."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        chunk = (b"Gunmen attacked Kayes. " * 3000)[: len(b)]
        b[: len(chunk)] = chunk
        self.served += len(chunk)
        return len(chunk)

    def read(self, size=-1):
        if size is None or size < 0:
            raise AssertionError("an unbounded read of an endless stream")
        return super().read(size)

    def readall(self):
        raise AssertionError("an unbounded read of an endless stream")


def test_stdin_is_read_only_to_the_limit(monkeypatch):
    from geo import cli_extract

    stream = _Endless()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(stream, buffer_size=65536)))
    with pytest.raises(InputTooLargeError, match="over the limit of 5,000,000 bytes"):
        cli_extract._read_source("-", fetch=False)
    assert stream.served < 5_200_000


def test_cli_refuses_oversize_stdin_clearly():
    p = subprocess.run(
        [sys.executable, "-m", "geo", "extract", "-", "--json"],
        input=b"Gunmen attacked Kayes. " * 300_000, capture_output=True, cwd=REPO, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert p.returncode == 2 and b"over the limit of 5,000,000 bytes" in p.stderr and p.stdout == b""


def test_large_str_input_is_sized_without_a_copy():
    too_big = "a" * 5_000_001
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLargeError):
            loading.articles_from_text(too_big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


# ---------------------------------------------------------------- empty, binary and encodings


@pytest.mark.parametrize(
    "data",
    [b"", b"\xef\xbb\xbf", "\u200b\u200b\u2060 \u202e", "<html><body><script>x</script></body></html>", b"\n\r\n\t"],
)
def test_empty_input_is_a_clear_error(data):
    with pytest.raises(InvalidInputError, match="empty"):
        load_article(data)


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4000,
        os.urandom(1_000_000),
        b"\x7fELF\x02\x01\x01" + bytes(2000),
        b"SQLite format 3\x00" + bytes(2000),
        b"\x1f\x8b\x08\x00" + os.urandom(2000),
    ],
)
def test_binary_input_is_a_clear_error(data):
    with pytest.raises(InvalidInputError, match="binary"):
        load_article(data)


FR = "Des hommes armés ont attaqué le poste de Diéma à l'aube, tuant deux soldats, selon l'armée malienne."


@pytest.mark.parametrize(
    "data",
    [
        FR.encode("utf-16-le"),  # no BOM
        FR.encode("utf-16-be"),
        FR.encode("utf-16"),
        FR.encode("utf-32"),
        FR.encode("latin-1"),
        FR.encode("cp1252"),
        "Attaque à Diéma".encode("latin-1"),  # short: once read as cp1250 ("ŕ")
        "Le coût: 5 € à Diéma, attaqué “mardi”.".encode("cp1252"),
    ],
)
def test_encodings_give_the_right_text(data):
    a = load_article(data, language="fr")
    expected = next(t for t in (FR, "Attaque à Diéma", "Le coût: 5 € à Diéma, attaqué “mardi”.")
                    if t.split()[0] in a.text)
    assert a.text == expected


def test_mixed_utf8_and_latin1_give_the_right_text():
    """A UTF-8 file with a Windows-1252 fragment pasted in: both parts right (it came out
    as mojibake: the whole file was guessed as one legacy encoding)."""
    data = (FR + " ").encode("utf-8") + "Les soldats ont été tués à Kayes, selon l'armée.".encode("cp1252")
    assert load_article(data).text == FR + " Les soldats ont été tués à Kayes, selon l'armée."


def test_lone_surrogates_become_replacement_characters(extract):
    r = extract("Gunmen attacked Kayes \ud800on Monday\udfff.")
    json.dumps(r.to_dict(), ensure_ascii=False).encode("utf-8")  # encodable
    assert "\ufffd" in r.article.text and [i.place for i in r.incidents] == ["Kayes"]


# ---------------------------------------------------------------- hostile JSON and feeds


@pytest.mark.parametrize(
    "doc,message",
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"text": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested too deeply"),
        ('{"text": "Gunmen attacked Kayes.", "published": ' + "9" * 5000 + "}", "not usable JSON"),
        ('{"text": "Gunmen attacked Kayes.", "language": ["en"]}', "'language' must be a string"),
        ('{"text": "Gunmen attacked Kayes.", "title": {"x": 1}}', "'title' must be a string"),
        ('{"text": "Gunmen attacked Kayes.", "url": {"a": 1}}', "'url' must be a string"),
        ('{"text": "Gunmen attacked Kayes.", "published": [2024, 7, 1]}', "'published' must be a string or a number"),
    ],
)
def test_hostile_json_is_a_clear_error(doc, message):
    with pytest.raises(InvalidInputError, match=message):
        load_articles(doc)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "file:///etc/passwd", " http://exa mple.org/", "vbscript:x"])
def test_article_urls_from_the_input_must_be_http(url):
    (a,) = load_articles(json.dumps({"text": "Gunmen attacked Kayes on Monday.", "url": url}))
    assert a.url is None


def test_a_forced_feed_never_opens_local_files(tmp_path):
    """feedparser opens a file path or a file:// URL given to it as a string: a "feed"
    that is just a path used to read any local file into articles."""
    secret = tmp_path / "secret.xml"
    secret.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><item><title>t</title><description>'
        "SECRET-CONTENT Gunmen attacked an army post in Diéma on Sunday.</description></item></channel></rss>"
    )
    for source in (str(secret), secret.as_uri()):
        with pytest.raises(InvalidInputError, match="no entries"):
            load_articles(source, fmt="feed")


def test_a_forced_feed_never_fetches(serve_routes):
    srv, seen = serve_routes({"/feed": lambda h: h.reply(b"<rss/>", "application/rss+xml")})
    host = srv.url.split("/")[2]
    for source in (f"feed://{host}/feed", f"feed:http://{host}/feed"):
        with pytest.raises(InvalidInputError):
            load_articles(source, fmt="feed")
    assert seen == []  # feedparser did not go online behind the fetch policy's back


def test_feeds_declaring_entities_are_refused(tmp_path):
    """XXE (an entity that reads a file) and the billion laughs (entities of entities):
    the second cost ~70 MB before expat's own guard stopped it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]><rss version="2.0"><channel>'
        "<item><title>x</title><description>Gunmen attacked an army post in Diéma on Sunday. &xxe;</description>"
        "</item></channel></rss>"
    )
    lol = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10 if i else "lol"}">' for i in range(10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE r [{lol}]><rss version="2.0"><channel><item><title>x</title>'
        "<description>Gunmen attacked Diéma on Sunday. &l9;</description></item></channel></rss>"
    )
    tracemalloc.start()
    try:
        for doc in (xxe, bomb):
            with pytest.raises(InvalidInputError, match="declares XML entities"):
                load_articles(doc)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


def test_a_feed_doctype_is_not_fetched(serve_routes):
    """RSS 0.91 names a DTD by URL: it is never downloaded."""
    srv, seen = serve_routes({"/rss-0.91.dtd": lambda h: h.reply(b"<!ENTITY x 'y'>", "application/xml-dtd")})
    rss = (
        f'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        f'"{srv.url}rss-0.91.dtd"><rss version="0.91"><channel><title>t</title><language>en</language>'
        "<item><title>Attack</title><description>Gunmen attacked an army post in Diéma on Sunday.</description>"
        "</item></channel></rss>"
    )
    (a,) = load_articles(rss)
    assert "Diéma" in a.text and seen == []


def test_anaphora_refer_to_the_last_named_group():
    """Found while making it linear: "the group" after a second group named the first."""
    from geo.text.actors import find_actors
    from geo.text.folding import FoldedText

    t = "JNIM attacked Kayes. The group fled. Islamic State fighters attacked Gao. The group fled."
    assert [a.actor for a in find_actors(FoldedText(t))] == ["JNIM", "JNIM", "Islamic State Sahel", "Islamic State Sahel"]
