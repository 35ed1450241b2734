"""The Add articles page with bad uploads (AppTest): too big, binary, misnamed; nothing stored.

AppTest's file_uploader does not apply Streamlit's own upload limit, so these tests see
exactly what our code refuses (``GEO_MAX_INPUT_BYTES``, per file and per batch).
"""

from __future__ import annotations

from geo import config, dashboard
from ui.common import md_literal

from .conftest import no_exception

ARTICLE = ("Militants attacked the army camp in Boni on Sunday 2 March 2025, killing 5 soldiers, "
           "the army said. JNIM claimed the attack.")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
HTML = (f"<html><head><title>Camp attacked in Boni</title></head><body><article><p>{ARTICLE}</p>"
        "</article></body></html>")


def _add_page(app):
    at = app.run()
    return at.switch_page("ui/add_articles.py").run()


def _upload(at, files):
    at.file_uploader(key="add_files").set_value(files).run()
    at.button(key="add_go_files").click().run()
    no_exception(at)
    return [e.value for e in at.error]


def _limit(monkeypatch, n: int) -> None:
    monkeypatch.setenv("GEO_MAX_INPUT_BYTES", str(n))
    config.get_settings.cache_clear()


def test_the_uploader_takes_any_name_and_our_size_limit(app):
    at = _add_page(app)
    up = at.file_uploader(key="add_files")
    assert up.allowed_type == []           # no filter by name: the content decides
    assert up.proto.max_upload_size_mb == dashboard.upload_limit_mb() == 5


def test_a_file_over_the_limit_shows_an_error_and_nothing_is_stored(app, store, monkeypatch):
    _limit(monkeypatch, 3_000)
    before = store.stats()
    at = _add_page(app)
    assert at.file_uploader(key="add_files").proto.max_upload_size_mb == 1
    big = (ARTICLE + " ") * 40
    assert len(big.encode()) > 3_000
    errors = _upload(at, [("big.txt", big.encode(), "text/plain")])
    assert len(errors) == 1
    assert errors[0].startswith("big.txt: ") and "limit of 3,000 bytes" in errors[0], errors
    assert at.session_state["add_results"] == []
    assert any("No article could be read" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "add_save"]       # nothing to save
    assert store.stats() == before


def test_a_binary_file_named_txt_is_refused_and_a_html_named_png_is_read(app, store):
    before = store.stats()
    at = _add_page(app)
    errors = _upload(at, [
        ("report.txt", PNG, "text/plain"),
        ("photo.png", HTML.encode(), "image/png"),
    ])
    assert errors == ["report.txt: looks like a PNG image, not an article (binary data); give text, HTML, JSON or "
                      "a feed"]
    (result,) = at.session_state["add_results"]
    assert result[0].title == "Camp attacked in Boni" and "<p>" not in result[0].text
    assert store.stats() == before                                # the preview stores nothing
    at.button(key="add_save").click().run()
    no_exception(at)
    after = store.stats()
    assert after["articles"] == before["articles"] + 1             # only the readable file
    assert store.existing_articles([result[0].id]) == {result[0].id}


def test_every_file_of_a_batch_is_reported_and_the_batch_total_is_limited(app, store, monkeypatch):
    _limit(monkeypatch, 1_000)
    before = store.stats()
    at = _add_page(app)
    n = dashboard.UPLOAD_BATCH_FACTOR
    filler = [(f"fill{i}.txt", (f"Note {i}. {ARTICLE} " * 10).encode()[:990], "text/plain") for i in range(n)]
    files = [
        ("ok0.txt", ("Report 0. " + ARTICLE).encode(), "text/plain"),
        ("empty.txt", b"  \n ", "text/plain"),
        ("nul.txt", ARTICLE.encode() + b"\x00\x00" + ARTICLE.encode(), "text/plain"),
        ("ok1.txt", ("Report 1. " + ARTICLE).encode(), "text/plain"),
        *filler,                # the last of these takes the batch over its limit: refused
        ("latin1.txt", "Des hommes armés ont attaqué Boni dimanche, selon l'armée.".encode("latin-1"), "text/plain"),
    ]
    assert sum(len(f[1]) for f in files[:-2]) <= n * 1_000 < sum(len(f[1]) for f in files[:-1])
    errors = _upload(at, files)
    assert [e.split(":")[0] for e in errors] == ["empty.txt", "nul.txt", f"fill{n - 1}.txt"], errors
    assert "input is empty" in errors[0] and "input looks binary" in errors[1]
    assert f"limit of {n * 1_000:,} bytes a batch" in errors[2]
    texts = [a.text for a, _ in at.session_state["add_results"]]
    assert len(texts) == 2 + (n - 1) + 1
    assert texts[0].startswith("Report 0.") and texts[-1].startswith("Des hommes armés ont attaqué Boni")
    assert store.stats() == before


def test_a_hostile_file_name_is_shown_as_text(app):
    at = _add_page(app)
    name = "[x](javascript:alert(1)) ![p](http://evil.example/p.png) **b**.txt"
    errors = _upload(at, [(name, PNG, "image/png")])
    assert errors == [f"{md_literal(name)}: looks like a PNG image, not an article (binary data); give text, HTML, "
                      "JSON or a feed"]
    assert "\\[x\\]" in errors[0] and "!\\[p\\]" in errors[0] and "\\*\\*b\\*\\*" in errors[0]


def test_md_literal_drops_bidi_overrides_and_escapes_markdown():
    out = md_literal("x \u202egnp.exe\u202c ![i](http://t/p.png) **b**")
    assert "\u202e" not in out and "\u202c" not in out
    assert out == r"x gnp.exe !\[i\](http\://t/p.png) \*\*b\*\*"
