"""Dataset sources: the written markup, standoff labels on brat texts, and the mix of sources."""

import json

import pytest

from claimsift.config import compose
from claimsift.data.build import build
from claimsift.data.standoff import join_standoff, make_record, read_standoff, text_hash
from claimsift.data.written import parse_article, parse_sentence, read_written
from claimsift.io import read_jsonl

# ---------------------------------------------------------------- written markup


def test_markup_gives_text_and_offsets():
    text, spans = parse_sentence("<CONTENT1>“Go home,”</CONTENT1> <SOURCE1>the colonel</SOURCE1> <CUE1>said</CUE1>, "
                                 "<CUE2>adding</CUE2> <CONTENT2>that roads were shut</CONTENT2>.", "x")
    assert text == "“Go home,” the colonel said, adding that roads were shut."
    got = [(s["type"], s["attr"], text[s["start"]:s["end"]]) for s in spans]
    assert got == [("CONTENT", 0, "“Go home,”"), ("SOURCE", 0, "the colonel"), ("CUE", 0, "said"),
                   ("CUE", 1, "adding"), ("CONTENT", 1, "that roads were shut")]
    assert all(s["text"] == text[s["start"]:s["end"]] for s in spans)


def to_markup(text: str, spans: list[dict]) -> str:
    """Put tags back around spans (the inverse of parse_sentence)."""
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: s["start"]):
        n = s["attr"] + 1
        out += [text[pos:s["start"]], f"<{s['type']}{n}>", text[s["start"]:s["end"]], f"</{s['type']}{n}>"]
        pos = s["end"]
    return "".join(out + [text[pos:]])


def test_markup_round_trip_on_every_fixture_sentence(fixtures):
    articles, bad = read_written(fixtures / "written")
    assert not bad and len(articles) == 5
    for art in articles:
        for s in art.sentences:
            assert art.text[s["start"]:s["end"]] == s["text"]
            again, spans = parse_sentence(to_markup(s["text"], s["gold_spans"]), "round trip")
            assert again == s["text"] and spans == s["gold_spans"]


@pytest.mark.parametrize("line, problem", [
    ("background | <SOURCE1>The army said", "never closed"),
    ("background | The army</SOURCE1> said", "closes no open"),
    ("background | <SOURCE1>The <CUE1>army</CUE1></SOURCE1>", "opens inside"),
    ("rumour | The army said so.", "unknown label 'rumour'"),
    ("The army said so.", "expected 'label | sentence'"),
    ("background | <SOURCE1> The army</SOURCE1> said.", "leading or trailing spaces"),
    ("background | <SOURCE1>The army</SOURCE1> <SOURCE1>it</SOURCE1> said.", "more than one SOURCE"),
    ("background | The army <said> so.", "stray"),
])
def test_bad_markup_names_file_line_and_problem(tmp_path, line, problem):
    f = tmp_path / "bad.txt"
    f.write_text("# region: Iraq\nbackground | Headline\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:
        parse_article(f)
    assert f"{f}:3" in str(err.value) and problem in str(err.value)


def test_label_data_written_keeps_gold_labels_and_spans(tmp_path, fixtures):
    cfg = compose("label", ["data=written", f"data.path={fixtures / 'written'}", f"out_dir={tmp_path / 'b'}",
                            "label_model.kind=majority"])
    summary = build(cfg)
    recs = read_jsonl(tmp_path / "b" / "sentences.jsonl")
    assert summary["sentences"] == len(recs) == 12
    assert all(r["gold_label"] and r["weak_label"] and r["source"] == "written" for r in recs)
    wa = [r for r in recs if r["doc_id"] == "wa"]
    assert [r["gold_label"] for r in wa] == ["background", "official_statement", "allegation"]
    assert [s["text"] for s in wa[2]["gold_spans"]][:3] == ["“The rebels fired on the market on purpose,”",
                                                             "a resident", "told"]
    arts = {a["doc_id"]: a["text"] for a in read_jsonl(tmp_path / "b" / "articles.jsonl")}
    assert all(arts[r["doc_id"]][r["start"]:r["end"]] == r["text"] for r in recs)


# ---------------------------------------------------------------- standoff labels


def polnear_sentences(fixtures):
    from claimsift.data.polnear import read_polnear

    cfg = compose("label", ["data=polnear", f"data.path={fixtures / 'brat_polnear'}"])
    return read_polnear(cfg.data)[1]


def test_standoff_join_reports_every_record_that_no_longer_matches(fixtures, tmp_path):
    sents = polnear_sentences(fixtures)
    good = make_record(sents[1], "official_statement", "article", "senator on the record")
    moved = {**make_record(sents[2], "background"), "start": sents[2]["start"] + 1}
    changed = {**make_record(sents[3], "attributed_claim"), "sha1": text_hash("something else")}
    absent = {**make_record(sents[0], "background"), "doc_id": "no_such_doc"}
    assert "text" not in good  # standoff: never the sentence text
    f = tmp_path / "labels.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in (good, moved, changed, absent)), encoding="utf-8")
    records, problems = read_standoff(f)
    assert not problems and len(records) == 4
    matched, unmatched = join_standoff(sents, records)
    assert matched == 1 and sents[1]["gold_label"] == "official_statement"
    assert len(unmatched) == 3
    assert any("segmentation changed" in u for u in unmatched)
    assert any("text changed" in u for u in unmatched)
    assert any("document not in the dataset" in u for u in unmatched)


def test_standoff_reader_refuses_text_bad_labels_and_duplicates(tmp_path):
    base = {"doc_id": "d", "start": 0, "end": 5, "sha1": "abc", "label": "background"}
    rows = [base, base, {**base, "start": 9, "label": "gossip"}, {**base, "start": 20, "text": "leak"}, "[1]"]
    f = tmp_path / "x.jsonl"
    f.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    _, problems = read_standoff(f)
    joined = "\n".join(problems)
    assert "duplicate" in joined and "unknown label 'gossip'" in joined and "carries no text" in joined
    assert "not a JSON object" in joined


def test_gold_check_validates_standoff_against_the_texts(fixtures, tmp_path, capsys):
    from claimsift.gold import main

    sents = polnear_sentences(fixtures)
    folder = tmp_path / "standoff"
    folder.mkdir()
    (folder / "a.jsonl").write_text(json.dumps(make_record(sents[1], "background")) + "\n", encoding="utf-8")
    assert main(["check", "--standoff", str(folder), "--texts", str(fixtures / "brat_polnear")]) == 0
    bad = {**make_record(sents[1], "background"), "end": sents[1]["end"] - 2}
    (folder / "b.jsonl").write_text(json.dumps(bad) + "\n", encoding="utf-8")
    assert main(["check", "--standoff", str(folder), "--texts", str(fixtures / "brat_polnear")]) == 1
    assert "has changed (sha1 differs)" in capsys.readouterr().err


def test_label_data_polnear_joins_standoff_labels(fixtures, tmp_path):
    sents = polnear_sentences(fixtures)
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "train.jsonl").write_text(json.dumps(make_record(sents[1], "official_statement")) + "\n"
                                        + json.dumps({**make_record(sents[2], "background"), "start": 0}) + "\n",
                                        encoding="utf-8")
    cfg = compose("label", ["data=polnear", f"data.path={fixtures / 'brat_polnear'}", f"data.labels={folder}",
                            f"out_dir={tmp_path / 'b'}", "label_model.kind=majority"])
    summary = build(cfg)
    assert summary["gold"]["matched"] == 1 and len(summary["gold"]["unmatched"]) == 1
    recs = {r["sent_id"]: r for r in read_jsonl(tmp_path / "b" / "sentences.jsonl")}
    assert recs[sents[1]["sent_id"]]["gold_label"] == "official_statement"


# ---------------------------------------------------------------- mix


def mix_cfg(fixtures, tmp_path, held_out, extra=()):
    seeds = {"name": "arts", "path": str(fixtures / "label_articles"), "id_field": "id", "text_field": "text",
             "title_field": "title", "gold": None, "max_articles": None}
    written = {"name": "written", "reader": "written", "path": str(fixtures / "written"), "gold": None}
    polnear = {"name": "polnear", "reader": "brat", "path": str(fixtures / "brat_polnear"),
               "splits": {"train": "train", "validation": "dev"}, "annotators": "first", "attr": "sentence",
               "gold": None, "labels": None, "max_articles": None}
    overrides = ["data=mix", f"out_dir={tmp_path / 'mix'}", "label_model.kind=majority",
                 f"data.held_out={json.dumps(held_out)}", *extra]
    cfg = compose("label", overrides)
    cfg.data.sources = [seeds, written, polnear]
    return cfg


@pytest.mark.parametrize("held_out", [["arts"], ["written"], ["arts", "polnear"]])
def test_mix_keeps_articles_whole_and_held_out_sources_out_of_training(fixtures, tmp_path, held_out):
    summary = build(mix_cfg(fixtures, tmp_path, held_out))
    recs = read_jsonl(tmp_path / "mix" / "sentences.jsonl")
    assert {r["source"] for r in recs} == {"arts", "written", "polnear"}
    split_of: dict[str, set] = {}
    for r in recs:
        split_of.setdefault(r["doc_id"], set()).add(r["split"])
    assert all(len(v) == 1 for v in split_of.values()), "an article is in two splits"
    for r in recs:
        assert (r["split"] == "test") == (r["source"] in held_out), (r["source"], r["split"])
    assert set(summary["sources"]) == {"arts", "written", "polnear"}
    from claimsift.data.dataset import load_sentences

    dd = load_sentences(tmp_path / "mix")
    assert set(dd["test"]["source"]) == set(held_out)
    assert not set(dd["train"]["source"]) & set(held_out)


def test_mix_refuses_an_unknown_held_out_source(fixtures, tmp_path):
    with pytest.raises(ValueError, match="not among data.sources"):
        build(mix_cfg(fixtures, tmp_path, ["seeds"]))


@pytest.mark.parametrize("train_only", [["arts"], ["polnear"]])
def test_mix_train_only_sources_go_whole_to_training(fixtures, tmp_path, train_only):
    # data=deploy: the seeds' gold trains the deployed model; a preset compartment (PolNeAR's dev) trains too
    build(mix_cfg(fixtures, tmp_path, [], [f"data.train_only={json.dumps(train_only)}"]))
    recs = read_jsonl(tmp_path / "mix" / "sentences.jsonl")
    for r in recs:
        if r["source"] in train_only:
            assert r["split"] == "train", (r["source"], r["split"])
        else:
            assert r["split"] != "test", (r["source"], r["split"])
    assert {r["split"] for r in recs if r["source"] not in train_only} == {"train", "validation"}


def test_mix_refuses_a_source_both_held_out_and_train_only(fixtures, tmp_path):
    with pytest.raises(ValueError, match="both name arts"):
        build(mix_cfg(fixtures, tmp_path, ["arts"], ['data.train_only=["arts"]']))
    with pytest.raises(ValueError, match="data.train_only: seeds is not among data.sources"):
        build(mix_cfg(fixtures, tmp_path, [], ['data.train_only=["seeds"]']))


def test_deploy_config_trains_on_the_seeds_and_holds_nothing_out():
    cfg = compose("label", ["data=deploy"])
    assert list(cfg.data.sources) == ["seeds", "polnear", "written"] and list(cfg.data.held_out) == []
    assert list(cfg.data.train_only) == ["seeds"]
    train = compose("train", ["experiment=deploy"])
    assert train.data.name == "deploy" and dict(train.train.source_repeats) == {"seeds": 10}
