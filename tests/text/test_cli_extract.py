"""``python -m geo extract`` / ``eval``: output shapes, exit codes and messages."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from geo.cli import main

REPO = Path(__file__).resolve().parents[2]
ARTICLE = (
    "Suspected jihadists attacked a military camp in Gao on Thursday, killing three soldiers, "
    "the army said. Islamic State Sahel claimed the attack."
)


def test_extract_text_file_json(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    assert main(["extract", str(f), "--published", "2024-04-12", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (inc,) = doc["incidents"]
    assert (inc["place"], inc["date"], inc["event_type"]) == ("Gao", "2024-04-11", "attack on military position")
    assert inc["actors"][0] == "Islamic State Sahel"
    assert doc["article"]["language"] == "en"


def test_extract_human_output(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    assert main(["extract", str(f), "--published", "2024-04-12"]) == 0
    out = capsys.readouterr().out
    assert "Gao" in out and "2024-04-11" in out


def test_extract_feed_gives_articles_list(tmp_path, capsys):
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
    <item><title>a</title><pubDate>Fri, 12 Apr 2024 08:00:00 GMT</pubDate><description>{ARTICLE}</description></item>
    <item><title>b</title><pubDate>Fri, 12 Apr 2024 09:00:00 GMT</pubDate><description>{ARTICLE.replace("Gao", "Kidal")}</description></item>
    </channel></rss>"""
    f = tmp_path / "feed.xml"
    f.write_text(rss, encoding="utf-8")
    assert main(["extract", str(f), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["incidents"][0]["place"] for d in doc["articles"]] == ["Gao", "Kidal"]


def test_extract_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ARTICLE.encode("utf-8"))))
    assert main(["extract", "-", "--published", "2024-04-12", "--lang", "en", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["incidents"][0]["place"] == "Gao"


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    ],
)
def test_extract_errors_exit_2_with_a_clear_message(tmp_path, capsys, content, message):
    f = tmp_path / "bad.bin"
    f.write_bytes(content)
    assert main(["extract", str(f), "--json"]) == 2
    assert message in capsys.readouterr().err


def test_extract_refuses_urls_without_fetch_and_missing_files(capsys):
    assert main(["extract", "https://example.org/a", "--json"]) == 2
    assert "--fetch" in capsys.readouterr().err
    assert main(["extract", "/nonexistent/file.txt"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_extract_bad_published(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    assert main(["extract", str(f), "--published", "yesterday-ish"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_python_dash_m_geo_extract(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "geo", "extract", str(f), "--published", "2024-04-12", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["incidents"][0]["place"] == "Gao"


def test_bench_extract_smoke():
    """The benchmark runs and reports its fields (no timing assertion: benches print, tests don't time)."""
    sys.path.insert(0, str(REPO))
    try:
        from bench.extract import corpus, run
    finally:
        sys.path.remove(str(REPO))
    docs = corpus(6)
    assert len(docs) == 6 and all(len(t.split()) > 400 for t, _, _ in docs)
    doc = run(20)
    assert set(doc) >= {"name", "articles", "seconds", "articles_per_s"}
    assert doc["name"] == "extract" and doc["articles"] == 20 and doc["incidents"] > 20
