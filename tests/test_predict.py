"""claimsift predict: input formats, offsets, run choice, resume, bad files, streaming."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from claimsift.io import read_jsonl
from claimsift.labels import CLASSES
from claimsift.predict import predict
from claimsift.predict.stream import predict_texts
from claimsift.predict.writer import iter_log, iter_records, log_path, summary_path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTICLES = FIXTURES / "predict_articles"
sys.path.insert(0, str(FIXTURES))  # the stub models must be importable by load_model

from conftest import stub_predict_cfg  # noqa: E402
from predict_stub_models import StubClassifier, StubExtractor, make_run, tiny_baseline_runs  # noqa: E402

ALL_DOCS = {"alpha", "beta", "g1", "g2", "d1", "d2"}


def make_cfg(models_dir: Path, input, output, *overrides: str):
    return stub_predict_cfg(models_dir, input, output, *overrides)


def check_offsets(output: Path) -> list[dict]:
    """Every record's text is its slice of the cleaned article; every span's text its slice of the sentence."""
    texts = {e["doc_id"]: e["text"] for e in iter_log(log_path(output))}
    records = list(iter_records(output))
    for r in records:
        assert texts[r["doc_id"]][r["start"]:r["end"]] == r["text"]
        for sp in r["spans"]:
            assert r["text"][sp["start"]:sp["end"]] == sp["text"]
            assert set(sp) == {"type", "start", "end", "text", "input_start", "input_end"}
    return records


@pytest.mark.parametrize("name, docs", [("alpha.txt", {"alpha"}), ("beta.html", {"beta"}),
                                        ("gamma.jsonl", {"g1", "g2"}), ("delta.csv", {"d1", "d2"})])
def test_each_input_format(models_dir, tmp_path, name, docs):
    out = tmp_path / "out.jsonl"
    result = predict(make_cfg(models_dir, ARTICLES / name, out))
    records = check_offsets(out)
    assert {r["doc_id"] for r in records} == docs
    assert result["n_new_articles"] == len(docs) and result["n_new_sentences"] == len(records)
    for r in records:
        assert r["label"] in CLASSES
        assert list(r["probabilities"]) == CLASSES
        assert r["label"] == max(r["probabilities"], key=r["probabilities"].get)
        assert r["classify_run"].startswith("classify-") and r["extract_run"].startswith("extract-")
    assert len({r["sent_id"] for r in records}) == len(records)
    assert not (tmp_path / "out.jsonl.part").exists()


def test_records_and_summary_content(models_dir, tmp_path):
    out = tmp_path / "out.jsonl"
    predict(make_cfg(models_dir, ARTICLES, out))
    records = {r["text"]: r for r in check_offsets(out)}
    said = records["Spokesman Yahya Rasool said the army had opened an inquiry into the attack on the warehouse."]
    assert said["label"] == "official_statement"
    assert {(s["type"], s["text"]) for s in said["spans"]} >= {("SOURCE", "Spokesman Yahya Rasool"), ("CUE", "said")}
    assert "Share this" not in records  # boilerplate dropped by the label stage's cleaning
    summary = json.loads(summary_path(out).read_text())
    arts = {a["doc_id"]: a for a in summary["articles"]}
    assert set(arts) == ALL_DOCS
    assert arts["beta"]["sources"] == {"Spokesman Yahya Rasool": 1, "Residents": 1}
    assert arts["alpha"]["counts"]["allegation"] == 2 and arts["alpha"]["shares"]["allegation"] == pytest.approx(2 / 5)
    assert sum(summary["counts"].values()) == summary["n_sentences"] == len(records)
    # the stub run records no scheme; its classes are the active scheme's, whose highlight the report shows
    assert summary["scheme"]["highlight"] == "allegation" and summary["scheme"]["classes"] == CLASSES


def test_csv_output_matches_jsonl(models_dir, tmp_path):
    predict(make_cfg(models_dir, ARTICLES, tmp_path / "a.jsonl"))
    predict(make_cfg(models_dir, ARTICLES, tmp_path / "a.csv"))
    assert (tmp_path / "a.csv").read_text().startswith(
        "doc_id,sent_id,start,end,input_start,input_end,text,label,p_allegation")
    assert list(iter_records(tmp_path / "a.csv")) == list(iter_records(tmp_path / "a.jsonl"))
    check_offsets(tmp_path / "a.csv")


def test_batches_sorted_by_length_and_order_restored():
    clf, texts = StubClassifier(), ["a much longer sentence, said he.", "short", "He was accused.", "mid length one"]
    proba, spans = predict_texts(texts, clf, StubExtractor())
    assert [len(t) for t in clf.calls[0]] == sorted(len(t) for t in texts)
    assert np.array_equal(proba, StubClassifier().predict_proba(texts))
    assert spans == StubExtractor().predict(texts)


def test_latest_run_of_each_task_is_used(models_dir, tmp_path):
    newer = make_run(models_dir, "classify", StubClassifier(), "2025-06-01T00:00:00", name="classify-other-20250601")
    (models_dir / "classify-other-mix-latest").symlink_to(newer.name)
    out = tmp_path / "out.jsonl"
    predict(make_cfg(models_dir, ARTICLES / "alpha.txt", out))
    assert {r["classify_run"] for r in iter_records(out)} == {"classify-other-20250601"}
    # classes only: the extract task left out
    predict(make_cfg(models_dir, ARTICLES / "alpha.txt", tmp_path / "c.jsonl", "extract_run=null"))
    assert all(r["spans"] is None and r["extract_run"] is None for r in iter_records(tmp_path / "c.jsonl"))


def test_latest_is_the_newest_run_on_the_configured_dataset(models_dir, tmp_path, capfd):
    """A newer run on a user's dataset does not replace the default (data=mix); dataset= picks it; runs are printed."""
    mine = make_run(models_dir, "classify", StubClassifier(), "2025-06-01T00:00:00", name="classify-stub-mycorpus-x",
                    data="mycorpus")
    out = tmp_path / "out.jsonl"
    predict(make_cfg(models_dir, ARTICLES / "alpha.txt", out))
    default = {r["classify_run"] for r in iter_records(out)}
    assert default == {"classify-stub-mix-20240101T000000"}
    err = capfd.readouterr().err.splitlines()
    used = [line for line in err if " run " in line and "(model " in line]
    assert used == [f"claimsift predict: classify run {(models_dir / 'classify-stub-mix-20240101T000000').resolve()} "
                    "(model stub)",
                    f"claimsift predict: extract run {(models_dir / 'extract-stub-mix-20240101T000000').resolve()} "
                    "(model stub)"]
    predict(make_cfg(models_dir, ARTICLES / "alpha.txt", tmp_path / "m.jsonl", "dataset=mycorpus", "extract_run=null"))
    assert {r["classify_run"] for r in iter_records(tmp_path / "m.jsonl")} == {mine.name}
    predict(make_cfg(models_dir, ARTICLES / "alpha.txt", tmp_path / "any.jsonl", "dataset=null", "extract_run=null"))
    assert {r["classify_run"] for r in iter_records(tmp_path / "any.jsonl")} == {mine.name}
    with pytest.raises(FileNotFoundError, match="no trained classify or extract run trained on dataset 'written'"):
        predict(make_cfg(models_dir, ARTICLES / "alpha.txt", tmp_path / "w.jsonl", "dataset=written"))


def test_missing_run_or_input_is_an_error(models_dir, tmp_path):
    out = tmp_path / "out.jsonl"
    with pytest.raises(FileNotFoundError, match="nope: no such run folder"):
        predict(make_cfg(models_dir, ARTICLES, out, f"classify_run={tmp_path / 'nope'}"))
    with pytest.raises(FileNotFoundError, match="no article files found"):
        predict(make_cfg(models_dir, tmp_path / "nothing*.txt", out))
    with pytest.raises(FileNotFoundError, match="no trained classify or extract run"):
        predict(make_cfg(tmp_path / "empty_models", ARTICLES, out))
    with pytest.raises(ValueError, match="is a extract run"):
        predict(make_cfg(models_dir, ARTICLES, out, f"classify_run={next(models_dir.glob('extract-*'))}"))
    assert not list(tmp_path.glob("out.jsonl*"))


def test_resume_skips_written_articles(models_dir, tmp_path):
    full, out = tmp_path / "full.jsonl", tmp_path / "out.jsonl"
    predict(make_cfg(models_dir, ARTICLES, full))
    first = predict(make_cfg(models_dir, ARTICLES, out, "max_articles=2"))
    assert first["n_new_articles"] == 2
    second = predict(make_cfg(models_dir, ARTICLES, out))
    assert second["n_resumed_articles"] == 2 and second["n_new_articles"] == 4
    assert out.read_bytes() == full.read_bytes()
    third = predict(make_cfg(models_dir, ARTICLES, out))
    assert third["n_new_articles"] == 0 and out.read_bytes() == full.read_bytes()
    assert json.loads(summary_path(out).read_text())["n_articles"] == 6
    with pytest.raises(ValueError, match="was written by runs"):
        predict(make_cfg(models_dir, ARTICLES, out, "extract_run=null"))
    restart = predict(make_cfg(models_dir, ARTICLES, out, "extract_run=null", "predict.resume=false"))
    assert restart["n_new_articles"] == 6


class Crash(Exception):
    pass


def test_interrupted_run_never_leaves_a_truncated_record(models_dir, tmp_path, monkeypatch):
    full, out = tmp_path / "full.jsonl", tmp_path / "out.jsonl"
    predict(make_cfg(models_dir, ARTICLES, full))
    calls = {"n": 0}
    real = StubClassifier.predict_proba

    def dies_on_third_chunk(self, texts):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Crash()
        return real(self, texts)

    monkeypatch.setattr(StubClassifier, "predict_proba", dies_on_third_chunk)
    with pytest.raises(Crash):
        predict(make_cfg(models_dir, ARTICLES, out, "predict.chunk_sentences=1"))
    assert not out.exists()  # only a complete part is ever renamed onto the output
    part = tmp_path / "out.jsonl.part"
    assert len(list(iter_log(log_path(out)))) == 2
    # A kill in the middle of a write: torn record in the part, torn line in the log.
    with part.open("ab") as fh:
        fh.write(b'{"doc_id": "g1", "sent_id": "g1:000", "sta')
    with log_path(out).open("ab") as fh:
        fh.write(b'{"doc_id": "g1", "n_sen')
    monkeypatch.setattr(StubClassifier, "predict_proba", real)
    result = predict(make_cfg(models_dir, ARTICLES, out))
    assert result["n_resumed_articles"] == 2 and result["n_new_articles"] == 4
    assert out.read_bytes() == full.read_bytes()
    assert [json.loads(line)["sent_id"] for line in out.read_text().splitlines()] == \
        [r["sent_id"] for r in read_jsonl(full)]


def test_bad_files_are_skipped_and_listed(models_dir, tmp_path, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "good.txt").write_text((ARTICLES / "alpha.txt").read_text())
    (inp / "empty.txt").write_text("  \n")
    (inp / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01\x02 some text")
    (inp / "latin1.txt").write_bytes("Caf\xe9 owner said the police raided it.".encode("latin-1"))
    (inp / "boiler.txt").write_text("Share this\n728 x 90\n")
    (inp / "rows.jsonl").write_text('{"id": "r1", "text": "Officials said it rained."}\n{not json\n'
                                    '{"id": "r3"}\n')
    with (inp / "rows.jsonl").open("ab") as fh:
        fh.write(b'{"id": "r4", "text": "Bad \xff byte."}\n{"id": "r1", "text": "Same id again."}\n')
    (inp / "nohead.csv").write_text("a,b\n1,2\n")
    out = tmp_path / "out.jsonl"
    result = predict(make_cfg(models_dir, inp, out))
    summary = json.loads(summary_path(out).read_text())
    reasons = {Path(s["source"]).name: s["reason"] for s in summary["skipped"]}
    assert reasons == {
        "empty.txt": "empty file", "binary.txt": "binary file (NUL bytes)",
        "latin1.txt": "not UTF-8 (bad byte at offset 3)", "boiler.txt": "no sentences left after cleaning",
        "rows.jsonl:2": reasons["rows.jsonl:2"], "rows.jsonl:3": "missing text field 'text'",
        "rows.jsonl:4": "not UTF-8 (bad byte at offset 26)", "rows.jsonl:5": "duplicate doc_id 'r1'",
        "nohead.csv": reasons["nohead.csv"]}
    assert reasons["rows.jsonl:2"].startswith("not valid JSON") and "CSV header lacks" in reasons["nohead.csv"]
    assert result["n_skipped"] == 9 and {a["doc_id"] for a in summary["articles"]} == {"good", "r1"}
    err = capsys.readouterr().err
    assert "skipped" in err and "latin1.txt: not UTF-8" in err


def test_streaming_memory_stays_flat(models_dir, tmp_path):
    """Peak Python memory for 5x the articles stays about the same (chunks, streamed JSONL)."""
    sentence = "The ministry said the border crossing reopened on Tuesday after a week of clashes. "

    def peak(n: int) -> int:
        src = tmp_path / f"in{n}.jsonl"
        with src.open("w") as fh:
            for i in range(n):
                fh.write(json.dumps({"id": f"a{i}", "text": sentence * 2}) + "\n")
        tracemalloc.start()
        predict(make_cfg(models_dir, src, tmp_path / f"out{n}.jsonl", "predict.chunk_sentences=40"))
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    peak(20)  # warm-up: first-call caches (segmenter, regexes) are not per-article memory
    small, big = peak(100), peak(500)
    assert big < 1.5 * small, (small, big)


def test_cli_runs_and_fails_in_one_line(models_dir, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(FIXTURES)}
    exe = Path(sys.executable).with_name("claimsift")
    ok = subprocess.run([str(exe), "predict", f"input={ARTICLES}", f"output={tmp_path / 'o.csv'}",
                         f"models_dir={models_dir}", f"report={tmp_path / 'o.html'}"],
                        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "o.csv").is_file() and (tmp_path / "o.html").is_file()
    assert not list(tmp_path.glob("*.log"))
    bad = subprocess.run([str(exe), "predict", f"input={tmp_path / 'missing'}", f"output={tmp_path / 'x.jsonl'}",
                          f"models_dir={models_dir}"], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [f"claimsift predict: {tmp_path / 'missing'}: no article files found "
                                               "(.txt, .html, .jsonl, .csv, .parquet)"]


@pytest.mark.slow
def test_real_baseline_models(tmp_path):
    """The project's baselines, trained on a few sentences, predict through the same path."""
    models = tiny_baseline_runs(tmp_path / "models", "20240101")
    out = tmp_path / "seeds.jsonl"
    result = predict(make_cfg(models, Path(__file__).resolve().parents[1] / "seeds", out))
    assert result["n_new_articles"] == 5 and result["n_skipped"] == 0
    records = check_offsets(out)
    assert {r["label"] for r in records} <= set(CLASSES) and len({r["label"] for r in records}) >= 2
    assert all(abs(sum(r["probabilities"].values()) - 1) < 1e-3 for r in records)
