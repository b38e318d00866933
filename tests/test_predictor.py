"""claimsift.Predictor: the Python API the command line predicts through, and its documented example."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from claimsift.labels import CLASSES
from claimsift.predict import predict
from claimsift.predict.writer import iter_records

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTICLES = FIXTURES / "predict_articles"
sys.path.insert(0, str(FIXTURES))  # the stub models must be importable by load_model

from conftest import stub_predict_cfg  # noqa: E402
from predict_stub_models import TINY_TEXTS, StubClassifier, StubExtractor, make_run, tiny_baseline_runs  # noqa: E402


def test_import_claimsift_stays_light():
    code = ("import sys, claimsift; heavy = [m for m in ('claimsift.predict', 'torch', 'transformers', 'sklearn') "
            "if m in sys.modules]; print(heavy); from claimsift import Predictor; print(Predictor.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "Predictor"]
    import claimsift

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        claimsift.Nope  # noqa: B018


def test_sentences_in_records_out(models_dir):
    from claimsift import Predictor

    predictor = Predictor.from_runs(models_dir=models_dir)
    assert predictor.runs == {"classify": "classify-stub-mix-20240101T000000",
                              "extract": "extract-stub-mix-20240101T000000"}
    texts = ["Spokesman Ali Hamid said the border was closed.", "Rain fell.", "He allegedly took bribes."]
    records = predictor(texts)
    assert [r["text"] for r in records] == texts
    assert [r["label"] for r in records] == ["official_statement", "background", "allegation"]
    for r in records:
        assert set(r) == {"text", "label", "probabilities", "spans"}
        assert list(r["probabilities"]) == CLASSES and r["label"] == max(r["probabilities"], key=r["probabilities"].get)
        assert all(r["text"][sp["start"]:sp["end"]] == sp["text"] for sp in r["spans"])
    assert {(sp["type"], sp["text"]) for sp in records[0]["spans"]} >= {("SOURCE", "Spokesman Ali Hamid"),
                                                                        ("CUE", "said")}
    assert predictor(texts[0]) == records[0]  # one string, one record
    assert predictor([]) == []
    with pytest.raises(TypeError, match="must be strings, got a int"):
        predictor(["ok", 3])


def test_batch_size_bounds_what_the_models_see_at_once(models_dir):
    from claimsift import Predictor

    clf = StubClassifier()
    predictor = Predictor(clf, StubExtractor(), batch_size=2)
    texts = ["a long sentence here, said he.", "short", "He was accused.", "mid length one", "x"]
    batched = predictor(texts)
    assert [len(call) for call in clf.calls] == [2, 2, 1]
    assert all([len(t) for t in call] == sorted(len(t) for t in call) for call in clf.calls)
    clf.calls.clear()
    assert predictor(texts, batch_size=10) == batched and [len(c) for c in clf.calls] == [5]
    assert predictor.runs == {"classify": None, "extract": None}
    with pytest.raises(ValueError, match="batch_size=0"):
        Predictor(clf, batch_size=0)
    with pytest.raises(ValueError, match="needs a classifier, an extractor or both"):
        Predictor()


def test_articles_give_the_command_lines_records(models_dir, tmp_path):
    from claimsift import Predictor

    out = tmp_path / "out.jsonl"
    predict(stub_predict_cfg(models_dir, ARTICLES / "gamma.jsonl", out))
    rows = [json.loads(line) for line in (ARTICLES / "gamma.jsonl").read_text(encoding="utf-8").splitlines()]
    records = Predictor.from_runs(models_dir=models_dir, batch_size=1).predict_articles(rows)
    assert records == list(iter_records(out))
    assert any(r["input_start"] is None for r in records)  # g1's title is not in its text


def test_article_strings_ids_and_errors(models_dir):
    from claimsift import Predictor

    predictor = Predictor.from_runs(models_dir=models_dir, extract=None)
    records = predictor.predict_articles(["Police said it rained. Shops closed.", "", "Share this\n728 x 90",
                                          {"text": "The minister said talks resumed.", "title": None}])
    assert [r["sent_id"] for r in records] == ["0:000", "0:001", "3:000"]  # nothing left of 1 and 2
    assert all(r["spans"] is None and r["extract_run"] is None for r in records)
    with pytest.raises(ValueError, match=r"articles\[1\]: duplicate id 'a'"):
        predictor.predict_articles([{"id": "a", "text": "One."}, {"id": "a", "text": "Two."}])
    with pytest.raises(ValueError, match=r"articles\[0\]: missing text field 'text'"):
        predictor.predict_articles([{"id": "a", "body": "One."}])
    with pytest.raises(ValueError, match=r"articles\[0\] is a int"):
        predictor.predict_articles([7])


def test_from_runs_finds_runs_as_the_command_line_does(models_dir, tmp_path):
    from claimsift import Predictor

    mine = make_run(models_dir, "classify", StubClassifier(), "2025-06-01T00:00:00", name="classify-stub-mine",
                    data="mycorpus")
    with pytest.warns(UserWarning, match="no extract run trained on dataset 'mycorpus'"):
        predictor = Predictor.from_runs(models_dir=models_dir, dataset="mycorpus")
    assert predictor.run_dirs == {"classify": mine.resolve(), "extract": None}
    explicit = Predictor.from_runs(classify=mine, extract=None, models_dir=tmp_path / "nowhere")
    assert explicit.runs["classify"] == mine.name
    with pytest.raises(FileNotFoundError, match="no trained classify or extract run .*pass classify=/extract="):
        Predictor.from_runs(models_dir=tmp_path / "nowhere")
    with pytest.raises(ValueError, match="is a extract run"):
        Predictor.from_runs(classify=next(models_dir.glob("extract-*")), extract=None)
    with pytest.raises(ValueError, match="predict.backend=tensorrt: not available"):
        Predictor.from_runs(models_dir=models_dir, backend="tensorrt")


def test_the_command_line_predicts_through_the_predictor(models_dir, tmp_path, monkeypatch):
    """Every chunk the CLI writes comes from Predictor.predict_chunk, in chunks of predict.chunk_sentences."""
    from claimsift.predict.api import Predictor

    seen = []
    real = Predictor.predict_chunk

    def spy(self, articles):
        seen.append((self.batch_size, sum(len(a.sentences) for a in articles)))
        return real(self, articles)

    monkeypatch.setattr(Predictor, "predict_chunk", spy)
    result = predict(stub_predict_cfg(models_dir, ARTICLES, tmp_path / "o.jsonl", "predict.chunk_sentences=3"))
    assert seen and all(size == 3 for size, _ in seen)
    assert sum(n for _, n in seen) == result["n_new_sentences"]
    assert all(n >= 3 for _, n in seen[:-1])  # every chunk but the last reaches the batch size


# ---------------------------------------------------------------- the example in docs/predict.md

def doc_example() -> str:
    doc = (ROOT / "docs" / "predict.md").read_text(encoding="utf-8")
    section = doc.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "docs/predict.md's Python API section holds one python example"
    return blocks[0]


@pytest.mark.slow
def test_the_documented_example_runs(tmp_path, monkeypatch):
    """The docs' example, run as written against baseline runs trained here on a few sentences."""
    spans = []
    for t in TINY_TEXTS:
        cue = t.find(" said ")
        spans.append([] if cue < 0 else [{"type": "SOURCE", "start": 0, "end": cue, "text": t[:cue]},
                                         {"type": "CUE", "start": cue + 1, "end": cue + 5, "text": "said"}])
    tiny_baseline_runs(tmp_path / "models", "1", spans)
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.simplefilter("error")  # both runs are found: no "predicting without it" warning
        exec(compile(doc_example(), "docs/predict.md", "exec"), {"__name__": "__doc_example__"})
    lines = printed.getvalue().splitlines()
    assert lines[0] == "Predictor(classify='classify-baseline-1', extract='extract-baseline-1')"
    assert len(lines) == 1 + 2 + 4  # the predictor, two sentences, four article sentences ("Share this" dropped)
    assert all(line.split()[1] in CLASSES for line in lines[3:])
    assert os.listdir(tmp_path) == ["models"]  # the API writes nothing
