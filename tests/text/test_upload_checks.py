"""Uploads: what a file is comes from its content, sizes are held per file and per batch.

:func:`geo.text.loading.sniff_binary` names binary formats from their first bytes;
:func:`geo.dashboard.load_uploads` reads a batch of uploaded files (the Add articles
page), each on its own, whatever the web server's own upload limit is.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
import tomllib
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import config, dashboard
from geo.errors import InvalidInputError
from geo.text.loading import decode, load_articles, sniff_binary

ROOT = Path(__file__).resolve().parents[2]
FR = "Des hommes armés ont attaqué le poste de Diéma à l'aube, tuant deux soldats, selon l'armée malienne."
EN = ("Gunmen attacked an army post in Diéma on Sunday, killing two soldiers, a local official said. "
      "The attackers fled on motorcycles.")
HTML = (f"<!doctype html><html><head><title>Attack near Diéma</title></head><body><article><h1>Attack near Diéma</h1>"
        f"<p>{EN}</p><script>var x = 1;</script></article></body></html>")
RSS = ('<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
       + "".join(f"<item><title>Attack {i}</title><link>https://example.org/{i}</link>"
                 f"<description>{EN} Report {i}.</description></item>" for i in (1, 2))
       + "</channel></rss>")


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("article.txt", EN)
    return buf.getvalue()


def _limit(monkeypatch, n: int) -> None:
    monkeypatch.setenv("GEO_MAX_INPUT_BYTES", str(n))
    config.get_settings.cache_clear()


# ---------------------------------------------------------------- sniffing binary formats


BINARIES = {
    "PNG image": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
    "JPEG image": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64),
    "GIF image": b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(32),
    "PDF document": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n",
    "ZIP archive": _zip(),
    "gzip-compressed": gzip.compress(EN.encode()),
    "bzip2-compressed": bz2.compress(EN.encode()),
    "xz-compressed": lzma.compress(EN.encode()),
    "executable (ELF)": b"\x7fELF\x02\x01\x01\x00" + bytes(120),
    "executable (Windows)": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(120),
    "SQLite database": b"SQLite format 3\x00" + bytes(100),
    "old-style Office document": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
    "MP4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00" + bytes(64),
    "RIFF media file": b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64),
    "7-Zip archive": b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(64),
    "BMP image": b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00" + bytes(64),
    "MP3 audio": b"ID3\x04\x00\x00\x00\x00\x00\x23" + bytes(64),
    "WebAssembly": b"\x00asm\x01\x00\x00\x00" + bytes(16),
    "tar archive": b"article.txt".ljust(257, b"\x00") + b"ustar\x0000" + bytes(200),
}


@pytest.mark.parametrize("what", list(BINARIES))
def test_binary_formats_are_named(what):
    data = BINARIES[what]
    assert what in (sniff_binary(data) or ""), sniff_binary(data)
    with pytest.raises(InvalidInputError, match=rf"looks like .*{re.escape(what)}.*, not an article") as exc:
        decode(data)
    assert "binary" in str(exc.value)


@pytest.mark.parametrize(
    "text",
    [
        "MZ Sahel: gunmen attacked an army post in Diéma on Sunday, the army said.",   # starts like an .exe
        "BM Ségou reported an attack on the army post of Diéma on Sunday.",            # ... a BMP image
        "ID3 forces said the attack on Diéma killed two soldiers on Sunday.",          # ... an MP3
        "GIF89a is not a place: gunmen attacked Diéma on Sunday, the army said.",      # ... a GIF
        "RIFF raff attacked Diéma on Sunday, killing two soldiers, the army said.",    # ... a RIFF file
        "The HEATWAVE did not stop gunmen attacking Diéma on Sunday, the army said.",  # "WAVE" at byte 8
        "Mali ftyp: gunmen attacked an army post in Diéma on Sunday, the army said.",  # "ftyp" at byte 4
        "%PDF is what the report was sent as; gunmen attacked Diéma on Sunday.",        # not "%PDF-"
    ],
)
def test_text_that_begins_like_a_signature_is_text(text):
    for enc in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp1252"):
        data = text.encode(enc)
        assert sniff_binary(data) is None, (enc, sniff_binary(data))
        assert decode(data) == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=300))
def test_no_text_is_taken_for_a_binary_format(text):
    for enc in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        assert sniff_binary(text.encode(enc)) is None, (enc, text)


# ---------------------------------------------------------------- formats by content, not by name


def _one(name: str, data: bytes, **kw):
    report = dashboard.load_uploads([(name, data)], **kw)
    return report


def test_a_txt_that_is_an_image_is_refused_by_what_it_is():
    report = _one("x.txt", BINARIES["PNG image"])
    assert report.articles == [] and report.files == []
    ((name, why),) = report.errors
    assert name == "x.txt"
    assert "looks like a PNG image, not an article" in why


@pytest.mark.parametrize("name", ["article.png", "article.pdf", "article", "article.exe"])
def test_a_file_named_like_a_binary_is_read_as_what_it_is(name):
    report = _one(name, HTML.encode("utf-8"))
    assert report.errors == []
    (art,) = report.articles
    assert art.title == "Attack near Diéma"
    assert "Gunmen attacked an army post in Diéma" in art.text
    assert "<p>" not in art.text and "var x" not in art.text
    assert report.files == [(name, 1)]


def test_formats_are_told_apart_by_content_whatever_the_name():
    doc = json.dumps({"title": "JSON title", "text": EN, "published": "2024-05-06", "url": "https://example.org/j"})
    report = dashboard.load_uploads([
        ("a.html", doc.encode()),                 # JSON called .html
        ("b.json", RSS.encode()),                 # a feed called .json
        ("c.rss", ("Attack near Diéma today\n\n" + EN).encode()),  # plain text called .rss
        ("d.txt", HTML.encode()),                 # HTML called .txt
    ])
    assert report.errors == []
    assert report.files == [("a.html", 1), ("b.json", 2), ("c.rss", 1), ("d.txt", 1)]
    a, b1, b2, c, d = report.articles
    assert (a.title, a.url, str(a.published)) == ("JSON title", "https://example.org/j", "2024-05-06")
    assert (b1.title, b2.title) == ("Attack 1", "Attack 2") and b1.url == "https://example.org/1"
    assert c.title == "Attack near Diéma today" and c.text.endswith("motorcycles.")
    assert d.title == "Attack near Diéma" and "<" not in d.text


@pytest.mark.parametrize(
    "data",
    [
        FR.encode("latin-1"),
        FR.encode("cp1252"),
        (FR + " Le coût : 5 €, “selon l'armée”.").encode("cp1252"),
        FR.encode("utf-16"),       # with a BOM
        FR.encode("utf-16-le"),    # without
        FR.encode("utf-16-be"),
        FR.encode("utf-8-sig"),
    ],
    ids=["latin-1", "cp1252", "cp1252-quotes-euro", "utf-16-bom", "utf-16-le", "utf-16-be", "utf-8-bom"],
)
def test_encodings_give_the_right_text(data):
    report = _one("article.txt", data)
    assert report.errors == []
    (art,) = report.articles
    assert FR in art.text and art.language == "fr"


@pytest.mark.parametrize(
    "text, enc",
    [
        ("Gunmen attacked Kidal, Ségou and Diéma on Sunday, the army said.", "latin-1"),  # was Big5: "S嶲ou"
        ("Gunmen attacked Kidal, Ségou and Diéma on Sunday, the army said.", "cp1252"),
        ("BM Ségou reported an attack on the army post of Diéma on Sunday.", "latin-1"),
        ("Attaque à Diéma : l’armée parle de « terroristes » — 5 morts.", "cp1252"),
    ],
)
def test_english_and_french_in_latin_1_are_not_read_as_chinese(text, enc):
    (art,) = _one("a.txt", text.encode(enc)).articles
    assert art.text == text


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "empty"),
        (b"  \n\t\r\n ", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        ("\u200b \u2060".encode(), "empty"),
        (EN.encode() + b"\x00\x00\x00" + EN.encode(), "binary"),
        (b"\x00" * 400, "binary"),
        (bytes(range(256)) * 8, "binary"),
    ],
    ids=["empty", "blank", "bom-only", "invisible-only", "nul-bytes", "all-nul", "every-byte"],
)
def test_empty_and_binary_files_are_clear_errors(data, expected):
    report = _one("bad.txt", data)
    assert report.articles == []
    ((name, why),) = report.errors
    assert name == "bad.txt" and expected in why


def test_one_bad_file_does_not_stop_the_others():
    class Unreadable(io.BytesIO):
        def read(self, *a):
            raise OSError("device not ready")

    report = dashboard.load_uploads([
        ("one.txt", EN.encode()),
        ("photo.txt", BINARIES["PNG image"]),
        ("empty.txt", b""),
        ("broken.txt", Unreadable(b"x")),
        ("feed.xml", RSS.encode()),
    ])
    assert [n for n, _ in report.files] == ["one.txt", "feed.xml"]
    assert len(report.articles) == 3
    errors = dict(report.errors)
    assert set(errors) == {"photo.txt", "empty.txt", "broken.txt"}
    assert "PNG image" in errors["photo.txt"] and "empty" in errors["empty.txt"]
    assert "device not ready" in errors["broken.txt"]


# ---------------------------------------------------------------- sizes


def test_a_file_over_the_limit_is_refused_with_its_name_and_the_limit(monkeypatch):
    _limit(monkeypatch, 2_000)
    big = ("Attack near Diéma\n\n" + EN * 30).encode()
    assert len(big) > 2_000
    report = dashboard.load_uploads([("big.txt", big), ("small.txt", EN.encode())])
    assert [n for n, _ in report.files] == ["small.txt"]
    ((name, why),) = report.errors
    assert name == "big.txt"
    assert f"{len(big):,} bytes" in why and "limit of 2,000 bytes" in why


def test_exactly_the_limit_is_accepted(monkeypatch):
    data = (EN + " " * 2_000).encode()[:2_000]
    _limit(monkeypatch, 2_000)
    assert dashboard.load_uploads([("edge.txt", data)]).errors == []
    _limit(monkeypatch, 1_999)
    assert dashboard.load_uploads([("edge.txt", data)]).errors != []


def test_the_size_is_checked_before_the_file_is_read(monkeypatch):
    _limit(monkeypatch, 2_000)

    class Huge(io.BytesIO):
        size = 10**12   # as Streamlit's UploadedFile says

        def read(self, *a):
            raise AssertionError("an oversize upload was read")

    report = dashboard.load_uploads([("huge.txt", Huge())])
    ((name, why),) = report.errors
    assert name == "huge.txt" and "limit of 2,000 bytes" in why


def test_a_file_larger_than_it_says_is_still_held_to_the_limit(monkeypatch):
    _limit(monkeypatch, 2_000)

    class Liar(io.BytesIO):
        size = 10

    report = dashboard.load_uploads([("liar.txt", Liar(EN.encode() * 40))])
    assert report.articles == [] and "limit of 2,000 bytes" in report.errors[0][1]


def test_the_batch_total_is_limited_and_what_fits_is_still_read(monkeypatch):
    _limit(monkeypatch, 2_000)
    per_file, per_batch = dashboard.upload_limits()
    assert (per_file, per_batch) == (2_000, 2_000 * dashboard.UPLOAD_BATCH_FACTOR)
    files = []
    for i in range(dashboard.UPLOAD_BATCH_FACTOR + 1):   # one file too many of 1,900 bytes
        body = f"Report {i}. {EN} " * 20
        files.append((f"f{i}.txt", body.encode()[:1_900]))
    files.append(("small.txt", EN.encode()[:50] + b" Gunmen attacked Gao."))  # still fits
    report = dashboard.load_uploads(files)
    read = [n for n, _ in report.files]
    assert read == [f"f{i}.txt" for i in range(dashboard.UPLOAD_BATCH_FACTOR)] + ["small.txt"]
    ((name, why),) = report.errors
    assert name == f"f{dashboard.UPLOAD_BATCH_FACTOR}.txt"
    assert f"limit of {per_batch:,} bytes a batch" in why


def test_a_single_upload_is_checked_before_it_is_copied(monkeypatch):
    _limit(monkeypatch, 100)
    with pytest.raises(InvalidInputError, match=r"^big\.txt: .*limit of 100 bytes"):
        dashboard.load_input("upload", b"x" * 101, name="big.txt")


def test_streamlit_upload_limit_matches_ours():
    """.streamlit/config.toml's maxUploadSize (MiB) is GEO_MAX_INPUT_BYTES rounded up."""
    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    mb = conf["server"]["maxUploadSize"]
    default = config.Settings().max_input_bytes
    assert isinstance(mb, int) and mb == dashboard.upload_limit_mb(config.Settings())
    assert (mb - 1) * dashboard.MIB < default <= mb * dashboard.MIB


def test_upload_limit_mb_rounds_up(monkeypatch):
    for n, mb in ((1, 1), (dashboard.MIB, 1), (dashboard.MIB + 1, 2), (5_000_000, 5), (50_000_000, 48)):
        _limit(monkeypatch, n)
        assert dashboard.upload_limit_mb() == mb, n


def test_loading_a_file_by_path_names_the_format(tmp_path):
    p = tmp_path / "report.txt"
    p.write_bytes(BINARIES["PDF document"])
    with pytest.raises(InvalidInputError, match="looks like a PDF document, not an article"):
        load_articles(p)
