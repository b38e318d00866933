"""Nothing a user gives is lost, nothing hangs (issue 16, "Data loss and hangs"): one test per case."""

from __future__ import annotations

import builtins
import csv
import errno
import fcntl
import io
import json
import os
import sys
import time
from pathlib import Path

import pytest

from claimsift import brat as brat_cli
from claimsift.config import compose
from claimsift.data.ingest import RawArticle, Skipped, find_files, read_articles
from claimsift.data.segment import segment
from claimsift.gold.labelstudio import to_tasks
from claimsift.io import MARKER, atomic_path
from claimsift.label import label
from claimsift.models.base import load_model
from claimsift.predict import predict
from claimsift.predict.writer import iter_log, iter_records, log_path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTICLES = FIXTURES / "predict_articles"
sys.path.insert(0, str(FIXTURES))  # the stub models must be importable by load_model

from predict_stub_models import StubClassifier, StubExtractor, make_run  # noqa: E402


@pytest.fixture
def models_dir(tmp_path) -> Path:
    models = tmp_path / "models"
    make_run(models, "classify", StubClassifier(), "2024-01-01T00:00:00")
    make_run(models, "extract", StubExtractor(), "2024-01-01T00:00:00")
    return models


def predict_cfg(models_dir: Path, input, output, *overrides: str):
    return compose("predict", [f"input={input}", f"output={output}", f"models_dir={models_dir}",
                               "predict.progress=false", *overrides])


def label_cfg(*overrides: str):
    return compose("label", [f"data.path={ROOT / 'seeds'}", "gold=null", "label_model.kind=majority",
                             "data.max_articles=2", *overrides])


def one_line(message: str) -> str:
    lines = message.strip().splitlines()
    assert len(lines) == 1, message
    return lines[0]


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A folder nothing can be written into. Root writes anywhere, so for root the refusal is emulated."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() == 0:
        def below(p) -> bool:
            return ro in Path(os.path.abspath(os.fspath(p))).parents

        def refuse(p):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(p))

        real_os_open, real_mkdir, real_open = os.open, os.mkdir, builtins.open

        def os_open(p, flags, *a, **k):
            if below(p) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                refuse(p)
            return real_os_open(p, flags, *a, **k)

        def mkdir(p, *a, **k):
            if below(p):
                refuse(p)
            return real_mkdir(p, *a, **k)

        def open_(p, mode="r", *a, **k):
            if isinstance(p, (str, os.PathLike)) and below(p) and any(c in mode for c in "wax+"):
                refuse(p)
            return real_open(p, mode, *a, **k)

        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(os, "mkdir", mkdir)
        monkeypatch.setattr(builtins, "open", open_)
        monkeypatch.setattr(io, "open", open_)
    yield ro
    ro.chmod(0o755)


# ---------------------------------------------------------------- 1. a folder write never replaces a user's folder

def test_atomic_folder_write_never_replaces_a_folder_it_did_not_write(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="was not written by claimsift") as err:
        with atomic_path(mine, is_dir=True) as tmp:
            (tmp / "a.txt").write_text("new")
    assert str(mine) in one_line(str(err.value))
    assert (mine / "notes.txt").read_text() == "keep me" and not (mine / "a.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["mine"], "no temporary folder left behind"

    a_file = tmp_path / "file"
    a_file.write_text("keep me too")
    with pytest.raises(ValueError, match="is a file"):
        with atomic_path(a_file, is_dir=True):
            pass
    assert a_file.read_text() == "keep me too"

    ours = tmp_path / "ours"
    for content in ("first", "second"):  # a folder it wrote is replaced whole, every time
        with atomic_path(ours, is_dir=True) as tmp:
            (tmp / "a.txt").write_text(content)
    assert (ours / "a.txt").read_text() == "second" and (ours / MARKER).is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    with atomic_path(empty, is_dir=True) as tmp:  # an empty folder holds nothing to lose
        (tmp / "a.txt").write_text("x")
    assert (empty / "a.txt").is_file()


def _predictions(tmp_path: Path, doc_id: str = "d1") -> Path:
    text = "The minister said the bridge will reopen."
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"doc_id": doc_id, "sent_id": f"{doc_id}:000", "start": 0, "end": len(text),
                                "text": text, "label": "official_statement",
                                "spans": [{"type": "CUE", "start": 13, "end": 17, "text": "said"}]}) + "\n")
    return pred


def test_brat_export_keeps_the_files_already_in_its_folder(tmp_path, capsys):
    pred = _predictions(tmp_path)
    x = tmp_path / "x"
    x.mkdir()
    (x / "my_notes.txt").write_text("a week of corrections")
    assert brat_cli.main(["export", str(pred), str(x)]) == 1
    assert str(x) in one_line(capsys.readouterr().err)
    assert sorted(p.name for p in x.iterdir()) == ["my_notes.txt"]
    assert (x / "my_notes.txt").read_text() == "a week of corrections"
    for _ in range(2):  # its own folder it rewrites
        assert brat_cli.main(["export", str(pred), str(tmp_path / "y")]) == 0
    assert (tmp_path / "y" / "d1.ann").is_file()


def test_brat_export_never_writes_over_its_input(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    pred = _predictions(tmp_path / "in")
    assert brat_cli.main(["export", str(pred), str(tmp_path / "in")]) == 1
    assert "input" in one_line(capsys.readouterr().err)
    assert pred.is_file()


@pytest.mark.parametrize("name", ["", "../gold", "..", ".hidden", "a/b", "null"])
def test_label_refuses_a_dataset_name_that_is_not_a_plain_name(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    keep = tmp_path / "data" / "built" / "other" / "sentences.jsonl"
    gold = tmp_path / "data" / "gold" / "seeds.jsonl"
    for f in (keep, gold):
        f.parent.mkdir(parents=True)
        f.write_text("{}\n")
    with pytest.raises(ValueError, match="data.name") as err:
        label(label_cfg(f"data.name={name}"))
    one_line(str(err.value))
    assert keep.read_text() == "{}\n" and gold.read_text() == "{}\n"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["built", "gold"]


def test_label_never_replaces_a_folder_it_did_not_build(tmp_path):
    out = tmp_path / "built"
    out.mkdir()
    (out / "mine.txt").write_text("x")
    with pytest.raises(ValueError, match="not written by claimsift"):
        label(label_cfg(f"out_dir={out}"))
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
