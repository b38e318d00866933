"""The HTML report, opened in headless Chromium: what a reader sees is what the predictions say."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from claimsift.config import compose
from claimsift.predict import predict
from claimsift.predict.writer import iter_records

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))

from predict_stub_models import StubClassifier, StubExtractor, make_run  # noqa: E402

CHROMIUM_INSTALL = ["apt-get", "install", "-y", "-q", "chromium"]


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium, installed here if missing (needs root and the Debian mirror), else a skip."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe:
        return exe
    why = "not root" if os.geteuid() != 0 else "no apt-get" if not shutil.which("apt-get") else ""
    if not why:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(CHROMIUM_INSTALL, capture_output=True, text=True, env=env, timeout=1200)
        if done.returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, timeout=600)
            done = subprocess.run(CHROMIUM_INSTALL, capture_output=True, text=True, env=env, timeout=1200)
        why = (done.stderr.strip().splitlines() or ["failed"])[-1]
    exe = shutil.which("chromium")
    if not exe:
        pytest.skip(f"chromium is not installed and `{' '.join(CHROMIUM_INSTALL)}` failed: {why}")
    return exe


def headless(exe: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'chromium-profile'}"]
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=120)


class Dom(HTMLParser):
    """Collects the rendered elements the test checks."""

    def __init__(self):
        super().__init__()
        self.sentences: list[dict] = []
        self.marks: list[dict] = []
        self.body: dict = {}
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "span" and "sent" in classes:
            self.sentences.append(a)
        if tag == "mark" and "span" in classes:
            self.marks.append(a)
        if tag == "body":
            self.body = a
        for key in ("src", "href"):
            if a.get(key) and not a[key].startswith("#"):
                self.external.append(a[key])

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def report(tmp_path) -> tuple[Path, list[dict]]:
    models = tmp_path / "models"
    make_run(models, "classify", StubClassifier(), "2024-01-01T00:00:00")
    make_run(models, "extract", StubExtractor(), "2024-01-01T00:00:00")
    inp = tmp_path / "in"
    shutil.copytree(FIXTURES / "predict_articles", inp)
    (inp / "tricky.txt").write_text('The mayor said "<script>document.title=1</script>" was posted & removed.\n')
    (inp / "empty.txt").write_text("")
    out, page = tmp_path / "out.jsonl", tmp_path / "report.html"
    cfg = compose("predict", [f"input={inp}", f"output={out}", f"report={page}", f"models_dir={models}",
                              "predict.progress=false"])
    predict(cfg)
    return page, list(iter_records(out))


def test_report_renders_in_chromium(chromium, tmp_path, report):
    page, records = report
    done = headless(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = Dom()
    dom.feed(done.stdout)
    assert dom.body.get("data-ready") == "1"  # the inline script ran
    assert dom.external == []  # self-contained: nothing to fetch
    # one coloured element per sentence, with the predicted class
    assert Counter(s["data-label"] for s in dom.sentences) == Counter(r["label"] for r in records)
    assert all(f"c-{s['data-label']}" in s["class"] for s in dom.sentences)
    # probabilities on hover
    by_id = {r["sent_id"]: r for r in records}
    for s in dom.sentences:
        rec = by_id[s["data-sent"]]
        assert f"{rec['label']}: {100 * rec['probabilities'][rec['label']]:.1f}%" in s["title"]
    # SOURCE / CUE / CONTENT highlights, as many as predicted (legend marks excluded)
    shown = Counter(m["data-type"] for m in dom.marks if "data-type" in m)
    assert shown == Counter(sp["type"] for r in records for sp in r["spans"])
    assert shown["SOURCE"] >= 2
    text = "".join(dom.text)
    assert '"<script>document.title=1</script>" was posted & removed.' in text  # escaped, shown as text
    assert "empty.txt: empty file" in text  # skipped inputs listed
    assert "Drone strike near airport" in text and "Spokesman Yahya Rasool ×1" in text


def test_report_screenshot_shows_class_colours(chromium, tmp_path, report):
    from PIL import Image

    page, _ = report
    shot = tmp_path / "shot.png"
    done = headless(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1000,2400", page.as_uri())
    assert shot.is_file(), done.stderr[-2000:]
    colours = Counter(Image.open(shot).convert("RGB").getdata())
    for rgb in [(0xF7, 0xB2, 0xB2), (0xB9, 0xD4, 0xF5), (0xFB, 0xE2, 0x9A)]:  # allegation, official, attributed
        assert colours[rgb] > 500, rgb
