"""Input loading: formats, encodings, size limit, empty and binary input, URLs, metadata."""

from __future__ import annotations

import json
from datetime import date

import pytest

from geo import config
from geo.errors import InputTooLargeError, InvalidInputError
from geo.text.loading import (
    decode,
    detect_format,
    detect_language,
    load_article,
    load_articles,
    parse_published,
)

BODY = (
    "Gunmen attacked an army post in Diéma on Sunday, killing two soldiers, a local official said. "
    "The attackers fled on motorcycles."
)


def test_plain_text_article(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Attack near Diéma\n\n" + BODY, encoding="utf-8")
    a = load_article(p, published="2024-05-06")
    assert a.title == "Attack near Diéma"
    assert a.published == date(2024, 5, 6)
    assert a.language == "en"
    assert "Diéma" in a.text and len(a.id) == 64


def test_article_id_ignores_whitespace_differences():
    a = load_article(BODY)
    b = load_article("  " + BODY.replace(" ", "   ") + "\n\n")
    assert a.id == b.id


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-8-sig"])
def test_encodings_are_detected(encoding):
    text = "Des hommes armés ont attaqué le poste de Diéma mercredi, selon l'armée malienne. " * 3
    a = load_article(text.encode(encoding))
    assert "armés" in a.text and "Diéma" in a.text
    assert a.language == "fr"


def test_html_main_text_is_extracted():
    html = f"""<!doctype html><html><head><title>Attack in Diéma</title></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>Attack in Diéma</h1><p>{BODY}</p><p>{BODY.replace("Sunday", "Monday")}</p></article>
    <footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"""
    a = load_article(html, published="2024-05-06")
    assert "Gunmen attacked an army post in Diéma" in a.text
    assert "Home" not in a.text.split()
    assert a.title == "Attack in Diéma"


def test_json_article_and_metadata():
    doc = {"title": "Attack", "text": BODY, "published": "2024-05-06T10:00:00Z", "url": "https://example.org/a"}
    a = load_article(json.dumps(doc))
    assert a.published == date(2024, 5, 6)
    assert a.url == "https://example.org/a" and a.title == "Attack"


def test_json_list_and_articles_key():
    docs = [{"text": BODY}, {"text": BODY.replace("Diéma", "Nioro")}]
    assert len(load_articles(json.dumps(docs))) == 2
    assert len(load_articles(json.dumps({"articles": docs}))) == 2


def test_json_without_text_is_refused():
    with pytest.raises(InvalidInputError, match="'text'"):
        load_article(json.dumps({"title": "no body"}))


def test_caller_published_date_wins_over_metadata():
    doc = {"text": BODY, "published": "2024-05-06"}
    assert load_article(json.dumps(doc), published="2024-06-01").published == date(2024, 6, 1)


def test_rss_feed_gives_one_article_per_entry():
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Sahel news</title><language>en</language>
    <item><title>Attack in Diéma</title><link>https://example.org/1</link>
      <pubDate>Mon, 06 May 2024 08:00:00 GMT</pubDate><description>&lt;p&gt;{BODY}&lt;/p&gt;</description></item>
    <item><title>Clash near Nioro</title><link>https://example.org/2</link>
      <pubDate>Tue, 07 May 2024 08:00:00 GMT</pubDate><description>{BODY.replace("Diéma", "Nioro")}</description></item>
    </channel></rss>"""
    arts = load_articles(rss)
    assert [a.title for a in arts] == ["Attack in Diéma", "Clash near Nioro"]
    assert arts[0].published == date(2024, 5, 6) and arts[1].url == "https://example.org/2"
    assert "<p>" not in arts[0].text


def test_atom_feed():
    atom = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
    <title>Feed</title><entry><title>Attack</title><link href="https://example.org/a"/>
    <updated>2024-05-06T08:00:00Z</updated><content type="html">{BODY}</content></entry></feed>"""
    (a,) = load_articles(atom)
    assert a.published == date(2024, 5, 6) and "Diéma" in a.text


@pytest.mark.parametrize("data", [b"", b"   \n\t ", ""])
def test_empty_input_is_refused_clearly(data):
    with pytest.raises(InvalidInputError, match="empty"):
        load_article(data)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        b"%PDF-1.7 binary",
        b"abc\x00\x00\x00def" * 20,
        bytes(range(0, 32)) * 10,
    ],
)
def test_binary_input_is_refused_clearly(data):
    with pytest.raises(InvalidInputError, match="binary"):
        load_article(data)


def test_size_limit(monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_MAX_INPUT_BYTES", "1000")
    config.get_settings.cache_clear()
    with pytest.raises(InputTooLargeError, match="limit of 1,000 bytes"):
        load_article("x " * 600)
    p = tmp_path / "big.txt"
    p.write_text("y " * 600)
    with pytest.raises(InputTooLargeError):
        load_article(p)
    with pytest.raises(InputTooLargeError):
        decode(b"z" * 1001)
    assert isinstance(InputTooLargeError("x"), InvalidInputError)


def test_missing_file(tmp_path):
    with pytest.raises(InvalidInputError, match="no such file"):
        load_article(tmp_path / "nope.txt")


def test_url_is_not_fetched_unless_asked():
    with pytest.raises(InvalidInputError, match="fetch"):
        load_article("https://example.org/article")


def test_url_is_fetched_when_asked(serve_handler, monkeypatch):
    import http.server

    # loopback is refused by default (tests/hardening/test_fetch.py): this server is one
    monkeypatch.setenv("GEO_ALLOW_PRIVATE_URLS", "1")
    config.get_settings.cache_clear()

    page = f"<html><head><title>Diéma</title></head><body><article><p>{BODY}</p><p>{BODY}</p></article></body></html>"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            data = page.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    srv = serve_handler(Handler)
    a = load_article(srv.url + "article", fetch=True, published="2024-05-06")
    assert "Diéma" in a.text and a.url == srv.url + "article"
    assert a.text.count("Gunmen attacked") == 1  # the repeated paragraph is gone


def test_unreachable_url_gives_clear_error(monkeypatch):
    monkeypatch.setenv("GEO_ALLOW_PRIVATE_URLS", "1")
    config.get_settings.cache_clear()
    with pytest.raises(InvalidInputError, match="could not fetch"):
        load_article("http://127.0.0.1:9/nothing", fetch=True)


def test_language_detection_and_override():
    assert detect_language("Des hommes armés ont attaqué le village et les soldats sont arrivés.") == "fr"
    assert detect_language("Gunmen attacked the village and the soldiers arrived.") == "en"
    assert load_article(BODY, language="fr").language == "fr"
    with pytest.raises(InvalidInputError, match="not supported"):
        load_article(BODY, language="de")


def test_bad_published_date_is_refused():
    with pytest.raises(InvalidInputError, match="YYYY-MM-DD"):
        load_article(BODY, published="not a date at all")


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2025-07-01", date(2025, 7, 1)),
        ("2025-07-01T23:10:00+02:00", date(2025, 7, 1)),
        ("Tue, 01 Jul 2025 10:00:00 GMT", date(2025, 7, 1)),
        ("1 juillet 2025", date(2025, 7, 1)),
        (date(2025, 7, 1), date(2025, 7, 1)),
        (None, None),
    ],
)
def test_parse_published(value, expected):
    assert parse_published(value) == expected


def test_dateline_gives_published_date_when_metadata_lacks_it(analyse):
    an = analyse(
        "BAMAKO, 12 mars 2025 - Des hommes armés ont attaqué mardi le poste de Diéma, selon l'armée.", language="fr"
    )
    assert an.article.published == date(2025, 3, 12)
    assert [i.date for i in an.incidents] == [date(2025, 3, 11)]
    assert [i.place for i in an.incidents] == ["Diéma"]  # the dateline's city is not an incident


@pytest.mark.parametrize(
    "text,fmt",
    [
        ('{"text": "x"}', "json"),
        ("<rss><channel></channel></rss>", "feed"),
        ("<html><body><p>x</p></body></html>", "html"),
        ("Plain words here.", "text"),
    ],
)
def test_detect_format(text, fmt):
    assert detect_format(text) == fmt
