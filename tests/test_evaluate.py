"""claimsift evaluate end to end on a tiny dataset: hand-checked metrics, files, errors, CV, train round trip."""

import json
import sys
from pathlib import Path

import pytest

from claimsift.config import compose
from claimsift.evaluate import evaluate
from claimsift.io import read_jsonl

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))  # the stub models must be importable by load_model

from eval_stub_models import TableClassifier, TableSpanModel, make_run  # noqa: E402


@pytest.fixture
def dataset(tmp_path) -> Path:
    """4 articles x 6 sentences (train a, b; validation c; test d), weak and gold columns, as the label stage writes."""
    from claimsift.data.dataset import write_dataset

    rows = read_jsonl(FIXTURES / "eval_sentences.jsonl")
    return write_dataset(tmp_path / "built", rows, [], {"name": "eval"}, {}, "")


def split_rows(dataset, split="test"):
    return [r for r in read_jsonl(dataset / "sentences.jsonl") if r["split"] == split]


def eval_cfg(*overrides):
    return compose("evaluate", ["eval.n_resamples=50", *overrides])


def test_classify_on_test_split_by_hand(dataset, tmp_path):
    rows = split_rows(dataset)
    table = {r["text"]: [r["gold_label"], 0.9] for r in rows}
    river = next(r["text"] for r in rows if r["text"].startswith("The river"))
    table[river] = ["allegation", 0.8]  # the one mistake: background → allegation
    run = make_run(tmp_path / "run", TableClassifier(table), dataset)

    m = evaluate(eval_cfg(f"run={run}", "split=test"))

    # gold A O C B A O, predicted A O C A A O: allegation P 2/3 R 1, background missed
    assert m["test/n"] == 6
    assert m["test/accuracy"] == pytest.approx(5 / 6)
    assert m["test/f1_allegation"] == pytest.approx(0.8)
    assert m["test/f1_background"] == 0.0
    assert m["test/macro_f1"] == pytest.approx((0.8 + 1 + 0 + 1) / 4)
    assert m["test/macro_f1_lo"] <= m["test/macro_f1"] <= m["test/macro_f1_hi"]
    # ECE: 5 right at 0.9, 1 wrong at 0.8 → bins 0.8-0.9 (0.8, acc 0) and 0.9-1.0 (0.9, acc 1)
    assert m["test/ece"] == pytest.approx(1 / 6 * 0.8 + 5 / 6 * 0.1)

    out = run / "eval" / "test"
    assert json.loads((out / "metrics.json").read_text()) == pytest.approx(m)
    assert {p.name for p in out.iterdir()} >= {"metrics.json", "report.md", "confusion.png", "reliability.png",
                                               "weak_reference.json"}
    report = (out / "report.md").read_text()
    mistakes = report.split("## Most confident mistakes")[1]
    assert "| 0.800 | background | allegation | The river floods" in mistakes
    # the weak labels: gold A O C B A O vs weak A O C B C C (hand-computed macro-F1 0.7083)
    weak = json.loads((out / "weak_reference.json").read_text())
    assert weak["test/macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 0.5 + 1) / 4)
    assert weak["test/accuracy"] == pytest.approx(4 / 6)


def test_bootstrap_reproducible_through_config(dataset, tmp_path):
    rows = split_rows(dataset)
    run = make_run(tmp_path / "run", TableClassifier({r["text"]: [r["weak_label"], 0.7] for r in rows}), dataset)
    a = evaluate(eval_cfg(f"run={run}", "split=test", "seed=5"))
    b = evaluate(eval_cfg(f"run={run}", "split=test", "seed=5"))
    c = evaluate(eval_cfg(f"run={run}", "split=test", "seed=6"))
    assert a == b
    assert any(a[k] != c[k] for k in a if k.endswith(("_lo", "_hi")))


def test_extract_on_a_user_gold_file_by_hand(dataset, tmp_path):
    text = "Police said the militia attacked the convoy."
    gold = [{"type": "SOURCE", "start": 0, "end": 6}, {"type": "CUE", "start": 7, "end": 11},
            {"type": "CONTENT", "start": 12, "end": 43}]
    file = tmp_path / "held out.jsonl"
    file.write_text(json.dumps({"doc_id": "x", "text": text, "label": "allegation", "spans": gold}) + "\n"
                    + json.dumps({"doc_id": "x", "text": "Rain fell.", "label": "background", "spans": []}) + "\n")
    pred = [{"type": "SOURCE", "start": 0, "end": 6, "score": 0.9},
            {"type": "CUE", "start": 7, "end": 11, "score": 0.8},
            {"type": "CONTENT", "start": 16, "end": 43, "score": 0.6}]  # "militia attacked the convoy": cut short
    run = make_run(tmp_path / "run", TableSpanModel({text: pred, "Rain fell.": []}), dataset)

    m = evaluate(eval_cfg(f"run={run}", f"split={file}"))

    assert m["held_out/n"] == 2
    assert m["held_out/f1_SOURCE"] == 1 and m["held_out/f1_CUE"] == 1 and m["held_out/f1_CONTENT"] == 0
    assert m["held_out/micro_f1"] == pytest.approx(2 / 3)
    assert m["held_out/overlap_f1_CONTENT"] == 1 and m["held_out/overlap_micro_f1"] == 1
    report = (run / "eval" / "held_out" / "report.md").read_text()
    assert "CONTENT: the militia attacked the convoy |" in report  # gold span shown in the error table
    assert not (run / "eval" / "held_out" / "weak_reference.json").exists()  # a user file has no weak labels


def test_gold_split_says_it_is_not_held_out(dataset, tmp_path):
    run = make_run(tmp_path / "run", TableClassifier({}), dataset)
    m = evaluate(eval_cfg(f"run={run}", "split=gold"))
    assert m["gold/n"] == 24
    assert "**Not held out:** 12 of them are in the training split" in (run / "eval/gold/report.md").read_text()


def test_bad_inputs_fail_with_the_file_named(dataset, tmp_path):
    run = make_run(tmp_path / "run", TableClassifier({}), dataset)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "A b.", "label": "background"}) + "\n"
                   + json.dumps({"text": "C d.", "label": "rumour"}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: unknown label 'rumour'"):
        evaluate(eval_cfg(f"run={run}", f"split={bad}"))
    bad.write_text(json.dumps({"text": "A b.", "label": "background",
                               "spans": [{"type": "CUE", "start": 2, "end": 9}]}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:1: span 0 CUE 2-9: offsets outside the sentence"):
        evaluate(eval_cfg(f"run={run}", f"split={bad}"))
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        evaluate(eval_cfg(f"run={tmp_path}", "split=test"))
    with pytest.raises(FileNotFoundError, match="nor a file"):
        evaluate(eval_cfg(f"run={run}", "split=tset"))
    assert not (run / "eval").exists()  # nothing half-written


def test_cv_holds_whole_articles_out(dataset, tmp_path):
    # The stub memorises its training sentences and answers background (p 0.4) for anything unseen,
    # so with articles held out every prediction must be that fallback: any leak would show.
    out = tmp_path / "cv"
    m = evaluate(eval_cfg("cv=by_article", f"dataset={dataset}", f"cv.out_dir={out}",
                          "model.classify._target_=eval_stub_models.TableClassifier"))
    assert m["cv/n"] == 24
    assert m["cv/accuracy"] == pytest.approx(4 / 24)  # the 4 gold background sentences
    preds = read_jsonl(out / "predictions.jsonl")
    assert len(preds) == 24 and {p["pred"] for p in preds} == {"background"}
    folds = json.loads((out / "details.json").read_text())["folds"]
    assert [f["held_out"] for f in folds] == ["art_a", "art_b", "art_c", "art_d"]
    assert all(f["n_train"] == 18 for f in folds)
    assert (out / "report.md").is_file() and (out / "weak_reference.json").is_file()


@pytest.mark.parametrize("task", ["classify", "extract"])
def test_train_then_evaluate_reproduces_validation_metrics(dataset, tmp_path, task):
    from claimsift.train import train

    cfg = compose("train", [f"task={task}", "model=baseline", "data=seeds", "train.labels=weak",
                            f"dataset_dir={dataset}", f"out_root={tmp_path / 'models'}",
                            "model.extract.max_iterations=20"])
    monitored = train(cfg)
    run = tmp_path / "models" / f"{task}-baseline-seeds-latest"
    saved = json.loads((run / "metrics.json").read_text())
    assert monitored == saved[cfg.monitor]
    # training scored the validation split against its training labels (weak)
    m = evaluate(eval_cfg(f"run={run}", "split=validation", "eval.truth=weak"))
    # training reports its validation metrics through the evaluation code: the same keys (every class
    # or span type, present or not), the same values; evaluate adds only the bootstrap intervals
    shared = [k for k in saved if k.startswith("val/")]
    assert {k for k in m if not k.endswith(("_lo", "_hi"))} == set(shared)
    assert "val/macro_f1" in shared and len(shared) >= 4
    for k in shared:
        assert m[k] == pytest.approx(saved[k], abs=1e-9), k


@pytest.fixture
def no_gold_dataset(tmp_path) -> Path:
    """The fixture dataset with every hand label removed: a user's corpus labelled only by the rules."""
    from claimsift.data.dataset import write_dataset

    rows = [{**r, "gold_label": None, "gold_spans": None} for r in read_jsonl(FIXTURES / "eval_sentences.jsonl")]
    return write_dataset(tmp_path / "built-nogold", rows, [], {"name": "nogold"}, {}, "")


def test_no_gold_scores_the_held_out_split_against_weak_labels_and_says_so(no_gold_dataset, tmp_path, capsys):
    rows = split_rows(no_gold_dataset)
    run = make_run(tmp_path / "run", TableClassifier({r["text"]: [r["weak_label"], 0.9] for r in rows}),
                   no_gold_dataset)

    m = evaluate(eval_cfg(f"run={run}"))  # split=gold, eval.truth=auto: the defaults

    assert m["test/n"] == 6 and m["test/accuracy"] == 1.0  # the stub answers the weak labels
    out = capsys.readouterr().out
    banner = next(line for line in out.splitlines() if "WEAK LABELS" in line)
    assert "has no hand labels for classify" in banner and "'test'" in banner and "not correctness" in banner
    report = (run / "eval" / "test" / "report.md").read_text()
    assert report.splitlines()[2].startswith("> **Truth = WEAK LABELS:") and "no hand labels" in report.splitlines()[2]
    assert not (run / "eval" / "test" / "weak_reference.json").exists()  # the weak labels are the truth
    # asked for hand labels explicitly: a clear error, not a fallback
    with pytest.raises(ValueError, match="no sentence has a class annotation"):
        evaluate(eval_cfg(f"run={run}", "eval.truth=gold"))


def test_a_split_without_gold_is_scored_against_weak_labels_with_a_banner(no_gold_dataset, dataset, tmp_path,
                                                                          capsys):
    run = make_run(tmp_path / "run", TableClassifier({}), no_gold_dataset)
    evaluate(eval_cfg(f"run={run}", "split=validation"))
    assert "Truth = WEAK LABELS (no hand labels for classify in these 6 sentences)" in capsys.readouterr().out
    assert "> **Truth = WEAK LABELS" in (run / "eval" / "val" / "report.md").read_text()
    # hand labels present: no banner
    gold_run = make_run(tmp_path / "gold-run", TableClassifier({}), dataset)
    evaluate(eval_cfg(f"run={gold_run}", "split=validation"))
    assert "WEAK LABELS" not in capsys.readouterr().out
    assert "WEAK LABELS" not in (gold_run / "eval" / "val" / "report.md").read_text()


def test_a_dataset_without_a_test_split_names_the_splits_it_has(tmp_path):
    # data=deploy trains on every labelled article: split=test has nothing to score
    from claimsift.data.dataset import write_dataset

    rows = [{**r, "split": "train" if r["split"] == "test" else r["split"]}
            for r in read_jsonl(FIXTURES / "eval_sentences.jsonl")]
    dataset = write_dataset(tmp_path / "built", rows, [], {"name": "x"}, {}, "")
    run = make_run(tmp_path / "run", TableClassifier({}), dataset)
    have = ", ".join(sorted({r["split"] for r in rows}))
    with pytest.raises(ValueError, match=rf"no sentences in split 'test' \(it has {have}\)"):
        evaluate(eval_cfg(f"run={run}", "split=test"))


def test_no_gold_and_no_held_out_split_says_what_to_do(tmp_path):
    from claimsift.data.dataset import write_dataset

    rows = [{**r, "gold_label": None, "gold_spans": None, "split": "train" if r["split"] == "test" else r["split"]}
            for r in read_jsonl(FIXTURES / "eval_sentences.jsonl")]
    dataset = write_dataset(tmp_path / "built", rows, [], {"name": "x"}, {}, "")
    run = make_run(tmp_path / "run", TableClassifier({}), dataset)
    with pytest.raises(ValueError, match="no hand labels for classify and no 'test' split.*split=validation"):
        evaluate(eval_cfg(f"run={run}"))
