"""The gold validator: the committed gold is clean, and each kind of broken record is caught."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from claimsift.config import CONFIG_DIR
from claimsift.data.gold import check_records, describe_unmatched, load_articles, load_gold, match_gold
from claimsift.gold import main
from claimsift.gold.spans import make_spans

ROOT = CONFIG_DIR.parent
FIXTURE = Path(__file__).parent / "fixtures" / "gold_valid.jsonl"


def _records() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_fixture_is_valid():
    assert check_records(_records(), "fixture") == []


def test_committed_gold_passes_check(capsys):
    files = sorted((ROOT / "data" / "gold").glob("*.jsonl"))
    assert files, "data/gold/ holds no gold file"
    assert main(["check", *map(str, files), "--articles", str(ROOT / "seeds")]) == 0, capsys.readouterr().err


def _break_unknown_label(recs):
    recs[0]["label"] = "rumour"
    return "unknown label 'rumour'"


def _break_span_outside(recs):
    span = recs[0]["spans"][0]
    span["end"] = len(recs[0]["text"]) + 5
    return "offsets outside the sentence"


def _break_negative_offset(recs):
    recs[0]["spans"][0]["start"] = -1
    return "offsets outside the sentence"


def _break_overlap(recs):
    rec = recs[0]
    first, second = sorted(rec["spans"], key=lambda s: s["start"])[:2]
    first["end"] = second["start"] + 3
    first["text"] = rec["text"][first["start"]:first["end"]]
    return "overlapping spans"


def _break_span_text(recs):
    recs[0]["spans"][1]["text"] = "Reuters"
    return "does not match the sentence"


def _break_duplicate_id(recs):
    recs[1]["sent_id"] = recs[0]["sent_id"]
    return "duplicate sent_id"


def _break_sentence_offsets(recs):
    recs[2]["end"] += 4
    return "do not fit its text"


def _break_span_type(recs):
    recs[0]["spans"][0]["type"] = "SPEAKER"
    return "unknown span type 'SPEAKER'"


def _break_missing_field(recs):
    del recs[2]["label"]
    return "missing field(s) label"


def _break_attr_numbers(recs):
    for span in recs[0]["spans"]:
        span["attr"] = 3
    return "attr numbers [3]"


def _break_two_cues(recs):
    rec = recs[1]
    rec["spans"] = make_spans(rec["text"], [{"CUE": ["said", "confirmed"]}])
    return "more than one CUE"


def _break_source_only(recs):
    rec = recs[1]
    rec["spans"] = make_spans(rec["text"], [{"SOURCE": "one of the Iraqi security sources"}])
    return "neither a CUE nor a CONTENT"


BREAKERS = [_break_unknown_label, _break_span_outside, _break_negative_offset, _break_overlap, _break_span_text,
            _break_duplicate_id, _break_sentence_offsets, _break_span_type, _break_missing_field,
            _break_attr_numbers, _break_two_cues, _break_source_only]


@pytest.mark.parametrize("breaker", BREAKERS, ids=lambda f: f.__name__[len("_break_"):])
def test_check_fails_on_each_broken_record(breaker, tmp_path, capsys):
    recs = copy.deepcopy(_records())
    expected = breaker(recs)
    path = _write(tmp_path / "broken.jsonl", recs)
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert any(expected in line for line in err), err
    # Each message is one line naming the file and the line.
    assert all(line.startswith(f"{path}:") for line in err), err


def test_check_reports_text_not_in_article(tmp_path, capsys):
    recs = _records()
    recs[2]["text"] = recs[2]["text"].replace("October", "November")
    recs[2]["end"] = recs[2]["start"] + len(recs[2]["text"])
    path = _write(tmp_path / "moved.jsonl", recs)
    assert main(["check", str(path)]) == 0
    assert main(["check", str(path), "--articles", str(ROOT / "seeds")]) == 1
    assert "differs from the article's cleaned text" in capsys.readouterr().err


def test_check_reports_bad_json_line(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text(FIXTURE.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    assert main(["check", str(path)]) == 1
    assert f"{path}:4: not valid JSON" in capsys.readouterr().err


def test_check_missing_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "absent.jsonl")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_load_gold_raises_with_problems(tmp_path):
    recs = _records()
    _break_unknown_label(recs)
    with pytest.raises(ValueError, match="unknown label"):
        load_gold(_write(tmp_path / "g.jsonl", recs))
    assert len(load_gold(FIXTURE)) == 3


def test_match_gold_reports_changed_segmentation():
    gold = _records()
    sentences = [{k: g[k] for k in ("doc_id", "sent_id", "start", "end", "text")} for g in gold]
    matched, unmatched = match_gold(sentences, gold)
    assert [g["sent_id"] for _, g in matched] == [g["sent_id"] for g in gold] and unmatched == []

    # The segmenter now splits the second sentence in two: its gold record no longer matches.
    s = sentences[1]
    cut = s["text"].index(" said") + 1
    sentences[1:2] = [dict(s, end=s["start"] + cut - 1, text=s["text"][:cut - 1]),
                      dict(s, start=s["start"] + cut, text=s["text"][cut:])]
    matched, unmatched = match_gold(sentences, gold)
    assert len(matched) == 2
    assert [g["sent_id"] for g in unmatched] == [gold[1]["sent_id"]]
    (line,) = describe_unmatched(unmatched, sentences)
    assert "segmentation changed" in line and gold[1]["sent_id"] in line

    # An article missing from the dataset is reported, not dropped.
    _, unmatched = match_gold(sentences[:1], gold)
    assert len(unmatched) == 2
    assert all("segmentation changed" in x or "no sentence" in x for x in describe_unmatched(unmatched, sentences[:1]))
    assert describe_unmatched(unmatched, []) == [f"gold {g['sent_id']} ({g['doc_id']} {g['start']}-{g['end']}): "
                                                 "article not in the dataset" for g in unmatched]


def test_make_spans_offsets_and_ambiguity():
    text = "He said it, she said it."
    spans = make_spans(text, [{"SOURCE": "she", "CUE": ("said", 1)}, {"SOURCE": "He", "CUE": ("said", 0)}])
    assert [(s["text"], s["attr"]) for s in spans] == [("He", 0), ("said", 0), ("she", 1), ("said", 1)]
    assert all(text[s["start"]:s["end"]] == s["text"] for s in spans)
    with pytest.raises(ValueError, match="occurs 2 times"):
        make_spans(text, [{"CUE": "said"}])
    with pytest.raises(ValueError, match="not in the sentence"):
        make_spans(text, [{"CUE": "told"}])


def test_load_articles_cleans_like_the_label_stage():
    articles = load_articles(ROOT / "seeds")
    assert len(articles) == 5
    assert all("728 x 90" not in text for text in articles.values())


# The label specification's examples come from the seeds; the gold must agree (the spec wins).
SPEC_EXAMPLES = {
    "During the interrogations, Musleh revealed a 20-member group": "allegation",
    "The military had said the charges against him were terrorism-related": "allegation",
    "Officials say these explosions are the result of drone attacks": "official_statement",
    "A number of these attacks have been carried out by drones, he explained.": "official_statement",
    "According to sources familiar with the issue, influential officials": "attributed_claim",
    "Iran-backed parties like Asaeb Ahl-e Haq severely condemned": "attributed_claim",
    "“The administration of Mostafa Kazemi follows clear policies": "attributed_claim",
    "Since 2017, Musleh was the West al-Anbar Operations commander.": "background",
    "Notably, in October 2019, hundreds of thousands of people": "background",
}


def test_seed_gold_agrees_with_spec_examples():
    gold = load_gold(ROOT / "data" / "gold" / "seeds.jsonl")
    for prefix, label in SPEC_EXAMPLES.items():
        (rec,) = [g for g in gold if g["text"].startswith(prefix)]
        assert rec["label"] == label, (rec["sent_id"], rec["label"], label)
    musleh = next(g for g in gold if g["text"].startswith("During the interrogations"))
    assert {(s["type"], s["text"]) for s in musleh["spans"]} == {
        ("SOURCE", "Musleh"), ("CUE", "revealed"),
        ("CONTENT", "a 20-member group that was assassinating Iraqi protesters")}


def test_seed_gold_covers_every_seed_sentence_once():
    """Every sentence the label stage cuts from the seeds has exactly one gold record."""
    from claimsift.data.segment import segment

    gold = load_gold(ROOT / "data" / "gold" / "seeds.jsonl")
    sentences = [{"doc_id": doc, "start": s.start, "end": s.end, "text": s.text}
                 for doc, text in load_articles(ROOT / "seeds").items() for s in segment(text)]
    matched, unmatched = match_gold(sentences, gold)
    assert describe_unmatched(unmatched, sentences) == []
    assert len(matched) == len(sentences) == len(gold)


def test_console_dispatch(capsys, monkeypatch):
    import sys

    from claimsift.cli import main as cli_main

    monkeypatch.setattr(sys, "argv", list(sys.argv))  # the CLI rewrites sys.argv for the stage

    assert cli_main(["gold", "check", str(FIXTURE)]) == 0
    assert "checked 3 gold records in 1 file(s): ok" in capsys.readouterr().out


# ---------------------------------------------------------------- one validator for every reader of labels

def test_every_reader_of_labels_says_the_same_with_its_file_and_line(tmp_path):
    from claimsift.data.brat import BratStats, parse_ann, sentence_records
    from claimsift.data.gold import label_problem
    from claimsift.data.standoff import read_standoff
    from claimsift.data.written import parse_article
    from claimsift.evaluate.records import read_gold_file
    from claimsift.gold.agreement import report
    from claimsift.gold.standoff_import import read_label_lines
    from claimsift.models.baseline import TfidfClassifier
    from claimsift.predict.stream import check_classes
    from claimsift.scheme import load_scheme

    expected = label_problem("rumour")
    assert expected.startswith("unknown label 'rumour' (expected one of allegation")
    rec = {**_records()[0], "label": "rumour"}
    gold = _write(tmp_path / "g.jsonl", [rec])
    standoff = _write(tmp_path / "s.jsonl", [{"doc_id": "d", "start": 0, "end": 4, "sha1": "abc", "label": "rumour"}])
    lines = tmp_path / "labels.tsv"
    lines.write_text("d:000\trumour\n", encoding="utf-8")
    written = tmp_path / "w.txt"
    written.write_text("background | Headline\nrumour | The army said so.\n", encoding="utf-8")
    ann = tmp_path / "d.ann"
    ann.write_text("T1\tSentence 0 4\tRain\nA1\tLabel T1 rumour\n", encoding="utf-8")

    def raised(call, *args) -> str:
        with pytest.raises(ValueError) as err:
            call(*args)
        return str(err.value)

    said = {
        f"{gold}:1": check_records([{**rec, "_line": 1}], str(gold))[0],
        f"{gold}:1 ": raised(read_gold_file, gold),
        f"{standoff}:1": read_standoff(standoff)[1][0],
        f"{lines}:1": raised(read_label_lines, lines),
        f"{written}:2": raised(parse_article, written),
        f"{ann}: T1": raised(lambda: sentence_records("Rain", parse_ann(ann, "Rain"), BratStats())),
        f"{gold}:1  ": raised(report, gold, gold),
        "models/run: model predicts a class": raised(check_classes, ["background", "rumour"], "models/run",
                                                     load_scheme("news").classes),
        "training labels": raised(TfidfClassifier(word_ngram_range=[1, 1], char_ngram_range=None, min_df=1,
                                                  max_features=None, sublinear_tf=True, lowercase=True, C=1.0,
                                                  max_iter=10, lf_features=False, lf_weight=1.0,
                                                  class_offsets=None).fit,
                                  ["a", "b"], ["background", "rumour"]),
    }
    for where, message in said.items():
        assert message.startswith(where.strip()), message
        assert message.endswith(expected), message


def test_an_evaluation_file_span_is_checked_as_a_gold_span_is(tmp_path):
    from claimsift.evaluate.records import read_gold_file

    text = "Police said the convoy was hit."
    ok = {"text": text, "label": "allegation", "spans": [{"type": "CUE", "start": 7, "end": 11}]}
    wrong_text = {"text": text, "label": "allegation",
                  "spans": [{"type": "CUE", "start": 7, "end": 11, "text": "told"}]}
    f = _write(tmp_path / "e.jsonl", [ok, wrong_text])
    with pytest.raises(ValueError, match=r"e.jsonl:2: span 0 CUE 7-11: text 'told' does not match the sentence"):
        read_gold_file(f)
    assert check_records([], "x") == []
    assert len(read_gold_file(_write(tmp_path / "ok.jsonl", [ok]))) == 1


def test_labels_module_holds_names_only():
    import claimsift.labels as labels

    assert not any(name.startswith("check_") for name in vars(labels))
