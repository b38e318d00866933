"""brat standoff reading (PolNeAR layout), export → import round trips, and PolNeAR through the label stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimsift import brat as brat_cli
from claimsift.config import compose
from claimsift.data.brat import BratStats, document_text, export, import_folder, parse_ann, read_brat_corpus
from claimsift.data.gold import check_records
from claimsift.io import read_jsonl, write_jsonl

FIXTURE = Path(__file__).parent / "fixtures" / "brat_polnear"


def _spans(sentence) -> list[tuple]:
    return [(s["type"], s["text"], s["attr"]) for s in sentence.gold_spans]


def test_reads_polnear_layout_with_exact_offsets_and_clipping():
    stats = BratStats()
    (doc,) = list(read_brat_corpus(FIXTURE / "train", "first", stats=stats))
    assert doc.doc_id == "doc_a" and doc.annotator == "x1"
    texts = [s.text for s in doc.sentences]
    assert texts[1] == "Sen. Jane Roe said the plan was “a disaster for families.”"
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text
        for span in s.gold_spans:
            assert s.text[span["start"]:span["end"]] == span["text"]
    # curly quotes are one character each: the content ends on the closing quote
    assert _spans(doc.sentences[1]) == [("SOURCE", "Sen. Jane Roe", 0), ("CUE", "said", 0),
                                        ("CONTENT", "the plan was “a disaster for families.”", 0)]
    # a span in no E line is an attribution of its own
    assert _spans(doc.sentences[2]) == [("SOURCE", "Critics", 0)]
    # a discontinuous content is split into its fragments
    assert _spans(doc.sentences[3]) == [("CONTENT", "The vote", 0), ("SOURCE", "aides", 0), ("CUE", "say", 0),
                                        ("CONTENT", "is next week", 0)]
    # a content crossing a sentence boundary is clipped into both sentences
    assert texts[4:] == ["The senator told reporters we will win.", "Nothing stops us."]
    assert _spans(doc.sentences[4]) == [("SOURCE", "The senator", 0), ("CUE", "told", 0),
                                        ("CONTENT", "we will win.", 0)]
    assert _spans(doc.sentences[5]) == [("CONTENT", "Nothing stops us", 0)]
    assert _spans(doc.sentences[0]) == []  # the Discard span is not an attribution
    assert stats.multi_annotator_documents == 1
    assert stats.clipped == {"CONTENT": 1} and stats.discontinuous == {"CONTENT": 1}
    assert stats.unlinked == {"SOURCE": 1} and stats.dropped == {}
    assert stats.ignored_types == {"Discard": 1, "Discuss": 1}
    assert stats.spans == {"SOURCE": 4, "CUE": 3, "CONTENT": 3}
    assert stats.pieces == {"SOURCE": 4, "CUE": 3, "CONTENT": 5}


def test_event_attr_mode_keeps_e_line_numbers():
    (doc,) = list(read_brat_corpus(FIXTURE / "train", "first", attr_mode="event"))
    assert {s["attr"] for s in doc.sentences[1].gold_spans} == {1}
    assert {s["attr"] for s in doc.sentences[4].gold_spans} == {3}
    assert doc.sentences[2].gold_spans[0]["attr"] == 4  # unlinked: the next free number


def test_annotator_policy_all_gives_one_document_per_annotator():
    docs = list(read_brat_corpus(FIXTURE / "train", "all"))
    assert [d.doc_id for d in docs] == ["doc_a@x1", "doc_a@x2"]
    assert _spans(docs[1].sentences[1]) == [("SOURCE", "Sen. Jane Roe", 0), ("CUE", "said", 0),
                                            ("CONTENT", "the plan", 0)]
    with pytest.raises(ValueError, match="annotator policy"):
        list(read_brat_corpus(FIXTURE / "train", "majority"))


def test_source_without_e_number_in_no_source_event_is_still_read():
    (doc,) = list(read_brat_corpus(FIXTURE / "dev", "first"))
    assert _spans(doc.sentences[0]) == [("SOURCE", "Mayor", 0), ("CUE", "denies", 0), ("CONTENT", "report", 0)]
    assert _spans(doc.sentences[1])[0] == ("SOURCE", "The mayor’s office", 0)


@pytest.mark.parametrize("line, message", [
    ("T1\tSource 5 500\tx", "outside the text"),
    ("T1\tSource five 9\tx", "bad offsets"),
    ("E1\tAttribution:T9 Cue:T1", "not a T line"),
    ("garbage here", "not a brat standoff line"),
])
def test_bad_ann_names_file_and_problem(tmp_path, line, message):
    ann = tmp_path / "d.ann"
    ann.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        parse_ann(ann, "Someone said something.")
    assert str(ann) in str(err.value)


def _predictions(tmp_path: Path, with_articles: bool) -> Path:
    text = "“We will win,” Roe said.\nCritics disagree, aides say. The vote is Monday."
    sents = [(0, 24), (25, 53), (54, 72)]
    recs = []
    for i, (s, e) in enumerate(sents):
        recs.append({"doc_id": "art1", "sent_id": f"art1:{i:03d}", "start": s, "end": e, "text": text[s:e],
                     "label": ["attributed_claim", "official_statement", "background"][i], "spans": []})
    recs[0]["spans"] = [{"type": "CONTENT", "start": 0, "end": 14, "text": "“We will win,”"},
                        {"type": "SOURCE", "start": 15, "end": 18, "text": "Roe"},
                        {"type": "CUE", "start": 19, "end": 23, "text": "said"}]
    recs[1]["spans"] = [{"type": "CONTENT", "start": 0, "end": 16, "text": "Critics disagree", "attr": 0},
                        {"type": "SOURCE", "start": 18, "end": 23, "text": "aides", "attr": 0},
                        {"type": "CUE", "start": 24, "end": 27, "text": "say", "attr": 0}]
    path = tmp_path / "pred.jsonl"
    write_jsonl(path, recs)
    if with_articles:
        write_jsonl(tmp_path / "pred.jsonl.articles.jsonl", [{"doc_id": "art1", "text": text}])
    return path


@pytest.mark.parametrize("with_articles", [True, False])
def test_predictions_round_trip_through_brat(tmp_path, with_articles):
    pred = _predictions(tmp_path, with_articles)
    out = tmp_path / "brat"
    assert brat_cli.main(["export", str(pred), str(out)]) == 0
    assert (out / "annotation.conf").is_file() and (out / "art1.ann").is_file()
    text = (out / "art1.txt").read_text(encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    assert brat_cli.main(["import", str(out), str(gold)]) == 0
    back = read_jsonl(gold)
    orig = read_jsonl(pred)
    assert len(back) == len(orig)
    for b, o in zip(back, orig):
        assert (b["doc_id"], b["sent_id"], b["start"], b["end"], b["text"], b["label"]) == \
               (o["doc_id"], o["sent_id"], o["start"], o["end"], o["text"], o["label"])
        assert text[b["start"]:b["end"]] == b["text"]
        key = lambda s: (s["start"], s["end"])  # noqa: E731
        assert [(s["type"], s["start"], s["end"], s["text"]) for s in sorted(b["spans"], key=key)] == \
               [(s["type"], s["start"], s["end"], s["text"]) for s in sorted(o["spans"], key=key)]
    # the unnumbered prediction (one cue) became one attribution; the result is valid gold
    assert {s["attr"] for s in back[0]["spans"]} == {0}
    assert check_records(back, str(gold)) == []


def test_corrections_made_in_brat_are_imported(tmp_path):
    pred = _predictions(tmp_path, True)
    out = tmp_path / "brat"
    export(pred, out)
    ann = out / "art1.ann"
    lines = ann.read_text(encoding="utf-8").splitlines()
    # a person relabels the last sentence and deletes the CONTENT span of the first
    lines = [ln.replace(" background", " allegation") for ln in lines]
    content = next(ln.split("\t")[0] for ln in lines if ln.split("\t")[1].startswith("Content 0 "))
    lines = [ln for ln in lines if not ln.startswith(content + "\t")]
    lines = [ln.replace(f" Content:{content}", "") for ln in lines]
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    counts = import_folder(out, gold)
    back = read_jsonl(gold)
    assert back[2]["label"] == "allegation"
    assert [s["type"] for s in back[0]["spans"]] == ["SOURCE", "CUE"]
    assert counts["records"] == 3 and counts["unlabeled_sentences"] == 0


def test_document_text_keeps_offsets_and_rejects_bad_records():
    sents = [{"doc_id": "d", "start": 3, "end": 8, "text": "Hello"},
             {"doc_id": "d", "start": 10, "end": 13, "text": "“A”"}]
    text = document_text(sents, "x.jsonl")
    assert text[3:8] == "Hello" and text[10:13] == "“A”" and text[9] == "\n"
    with pytest.raises(ValueError, match="x.jsonl"):
        document_text([{"doc_id": "d", "start": 0, "end": 9, "text": "short"}], "x.jsonl")


def test_export_names_missing_field(tmp_path, capsys):
    path = tmp_path / "p.jsonl"
    write_jsonl(path, [{"doc_id": "a", "start": 0, "end": 2, "text": "Hi", "spans": []}])
    assert brat_cli.main(["export", str(path), str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "p.jsonl:1" in err and "'label'" in err and "\n" == err[-1] and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_import_reports_several_annotators(tmp_path, capsys):
    out = tmp_path / "g.jsonl"
    assert brat_cli.main(["import", str(FIXTURE / "train"), str(out), "--annotators", "all"]) == 0
    printed = capsys.readouterr().out
    assert "documents with several annotators: 1 (policy 'all')" in printed
    assert {r["doc_id"] for r in read_jsonl(out)} == {"doc_a@x1", "doc_a@x2"}


def test_label_stage_builds_polnear_on_fixture(tmp_path):
    from claimsift.data.dataset import load_sentences
    from claimsift.label import label

    cfg = compose("label", ["data=polnear", f"data.path={FIXTURE}", f"out_dir={tmp_path / 'built'}",
                            "label_model.kind=majority"])
    summary = label(cfg)
    assert summary["split_articles"] == {"train": 1, "validation": 1, "test": 0}
    assert summary["read"]["train"]["multi_annotator_documents"] == 1
    assert summary["read"]["train"]["clipped"] == {"CONTENT": 1}
    dd = load_sentences(tmp_path / "built")
    assert (dd["train"].num_rows, dd["validation"].num_rows, dd["test"].num_rows) == (6, 2, 0)
    row = dd["train"][1]
    assert row["gold_label"] is None and row["weak_label"] and len(row["weak_probs"]) == 4
    assert [s["text"] for s in row["gold_spans"]] == ["Sen. Jane Roe", "said",
                                                      "the plan was “a disaster for families.”"]
    articles = {a["doc_id"]: a["text"] for a in read_jsonl(tmp_path / "built" / "articles.jsonl")}
    for rec in read_jsonl(tmp_path / "built" / "sentences.jsonl"):
        assert articles[rec["doc_id"]][rec["start"]:rec["end"]] == rec["text"]

    # a built dataset exports to brat with its gold spans, and imports back unchanged
    out = tmp_path / "brat"
    assert brat_cli.main(["export", str(tmp_path / "built"), str(out), "--spans-field", "gold_spans",
                          "--label-field", "none", "--split", "train"]) == 0
    back = read_jsonl(_import(out, tmp_path / "back.jsonl"))
    built = [r for r in read_jsonl(tmp_path / "built" / "sentences.jsonl") if r["split"] == "train"]
    assert [(b["start"], b["end"], b["spans"]) for b in back] == \
           [(r["start"], r["end"], r["gold_spans"]) for r in built]


def _import(folder: Path, out: Path) -> Path:
    assert brat_cli.main(["import", str(folder), str(out)]) == 0
    return out


def test_polnear_config_points_outside_the_repo():
    cfg = compose("label", ["data=polnear"])
    assert cfg.data.reader == "brat" and cfg.data.annotators in ("first", "all")
    assert dict(cfg.data.splits) == {"train": "train", "validation": "dev"}
    assert str(cfg.data.path).startswith("../shared/")


def test_brat_polnear_points_to_the_label_stage(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert brat_cli.main(["polnear", f"data.path={FIXTURE}", f"out_dir={tmp_path / 'built'}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "claimsift label data=polnear" in err
    assert not (tmp_path / "built").exists() and not (tmp_path / "data").exists()


def test_brat_command_line_holds_no_export_or_import_logic():
    import claimsift.data.brat as library

    assert brat_cli.export is library.export and brat_cli.import_folder is library.import_folder
    assert not hasattr(brat_cli, "group_spans")
