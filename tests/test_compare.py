"""claimsift compare: runs side by side on one split, with the weak labels as a reference row."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from claimsift.compare import WEAK_ROW, compare, main
from claimsift.io import read_jsonl

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))

from eval_stub_models import TableClassifier, TableSpanModel, make_run  # noqa: E402


@pytest.fixture
def runs(tmp_path):
    from claimsift.data.dataset import write_dataset

    rows = read_jsonl(FIXTURES / "eval_sentences.jsonl")
    dataset = write_dataset(tmp_path / "built", rows, [], {"name": "eval"}, {}, "")
    test = [r for r in rows if r["split"] == "test"]
    perfect = make_run(tmp_path / "classify-perfect", TableClassifier({r["text"]: [r["gold_label"], 0.9] for r in test}),
                       dataset)
    blind = make_run(tmp_path / "classify-blind", TableClassifier({}), dataset)  # always background
    spans = make_run(tmp_path / "extract-copy", TableSpanModel({r["text"]: r["gold_spans"] for r in test}), dataset)
    return [perfect, blind, spans]


def test_compare_table_has_runs_and_weak_reference(runs, tmp_path):
    tables = compare(runs, "test", overrides=["eval.n_resamples=20"])
    assert [r["name"] for r in tables["classify"]] == ["classify-perfect", "classify-blind", WEAK_ROW]
    assert [r["name"] for r in tables["extract"]] == ["extract-copy", WEAK_ROW]
    perfect, blind, weak = (r["metrics"] for r in tables["classify"])
    assert perfect["test/macro_f1"] == 1.0
    assert blind["test/accuracy"] == pytest.approx(1 / 6)
    assert weak["test/macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 0.5 + 1) / 4)
    # weak spans: the last sentence keeps only its SOURCE, so 11 of the 13 gold spans, none wrong
    ext_weak = tables["extract"][1]["metrics"]
    assert ext_weak["test/micro_precision"] == 1.0
    assert ext_weak["test/micro_recall"] == pytest.approx(11 / 13)
    # the runs were evaluated on the way
    assert (runs[0] / "eval" / "test" / "metrics.json").is_file()


def test_main_prints_and_writes(runs, tmp_path, capsys):
    out = tmp_path / "cmp.md"
    assert main([*map(str, runs), "--split", "test", "--out", str(out), "--set", "eval.n_resamples=20"]) == 0
    md = out.read_text()
    assert "| classify-perfect | 6 | 1.000 [1.000, 1.000] |" in md
    assert f"| {WEAK_ROW} | 6 | 0.708 [" in md
    assert "## extract" in md
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["split"] == "test" and len(data["tables"]["classify"]) == 3
    assert "classify-blind" in capsys.readouterr().out


def test_main_reports_a_bad_run(tmp_path, capsys):
    assert main([str(tmp_path / "nope"), "--out", str(tmp_path / "x.md")]) == 1
    assert "not a run folder" in capsys.readouterr().err
    assert not (tmp_path / "x.md").exists()


def test_python_dash_m_works(tmp_path):
    r = subprocess.run([sys.executable, "-m", "claimsift.compare", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--split" in r.stdout


def test_compare_on_gold_without_hand_labels_points_to_the_test_split(tmp_path, capsys, monkeypatch):
    from claimsift.data.dataset import write_dataset

    rows = [{**r, "gold_label": None, "gold_spans": None} for r in read_jsonl(FIXTURES / "eval_sentences.jsonl")]
    dataset = write_dataset(tmp_path / "built", rows, [], {"name": "nogold"}, {}, "")
    run = make_run(tmp_path / "classify-blind", TableClassifier({}), dataset)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main([str(run), "--set", "eval.n_resamples=20"]) == 1
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("claimsift compare:")]
    assert "no hand labels" in line and "--split test" in line
    assert main([str(run), "--split", "test"]) == 0  # evaluated already, against the weak labels
