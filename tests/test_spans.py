"""Span layers: nested attributions reach the evaluation truth and are counted, not dropped, in training."""

from claimsift.data.tokens import layered_tags, span_layers, spans_to_bio, tokenize
from claimsift.evaluate.score import Predictions, score
from claimsift.gold.spans import make_spans
from claimsift.train.data import outer_spans

KW = dict(n_resamples=10, seed=0, confidence=0.95, calibration_bins=10, n_errors=5)
NESTED = "The senator said the aide told him the deal was dead."


def nested_spans():
    outer = make_spans(NESTED, [{"SOURCE": "The senator", "CUE": ("said", 0),
                                 "CONTENT": "the aide told him the deal was dead"}])
    inner = make_spans(NESTED, [{"SOURCE": "the aide", "CUE": "told", "CONTENT": "the deal was dead"}])
    return outer, inner


def test_nested_spans_go_to_a_second_layer():
    outer, inner = nested_spans()
    layers = span_layers(tokenize(NESTED), outer + inner)
    assert [sorted(s["type"] for s in layer) for layer in layers] == [["CONTENT", "CUE", "SOURCE"],
                                                                       ["CONTENT", "CUE", "SOURCE"]]
    assert {s["start"] for s in layers[0]} == {s["start"] for s in outer}


def test_one_bio_layer_loses_nested_spans_but_layered_tags_keep_them():
    outer, inner = nested_spans()
    toks = tokenize(NESTED)
    flat = spans_to_bio(toks, outer + inner)
    assert sum(t.startswith("B-") for t in flat) < 6  # what a single tag sequence can hold
    gold, pred = layered_tags(toks, outer + inner, outer)
    assert len(gold) == len(pred) == 2 * len(toks) + 1
    assert sum(t.startswith("B-") for t in gold) == 6 and sum(t.startswith("B-") for t in pred) == 3


def test_nested_gold_spans_reach_the_evaluation_truth():
    outer, inner = nested_spans()
    rec = {"sent_id": "d:000", "doc_id": "d", "text": NESTED, "spans": outer + inner}
    m = score([rec], Predictions("extract", spans=[outer]), "t", **KW).metrics
    assert m["t/support_SOURCE"] == 2 and m["t/support_CUE"] == 2 and m["t/support_CONTENT"] == 2
    assert m["t/micro_recall"] == 0.5 and m["t/micro_precision"] == 1.0  # the nested three are missed
    full = score([rec], Predictions("extract", spans=[outer + inner]), "t", **KW).metrics
    assert full["t/micro_f1"] == 1.0 and full["t/overlap_micro_f1"] == 1.0


def test_training_targets_keep_the_outer_layer_and_count_the_rest():
    outer, inner = nested_spans()
    targets, nested = outer_spans(NESTED, outer + inner)
    assert nested == 3
    assert [(s["type"], s["start"], s["end"]) for s in targets] == [(s["type"], s["start"], s["end"])
                                                                   for s in sorted(outer, key=lambda s: s["start"])]
    assert outer_spans(NESTED, outer) == (targets, 0)


def decode(text, tags):
    from claimsift.data.tokens import bio_to_spans

    toks = tokenize(text)
    assert len(toks) == len(tags), [t for t, _, _ in toks]
    return [(sp["type"], sp["text"]) for sp in bio_to_spans(text, toks, tags)]


def test_bio_repair_never_cuts_a_span_word_by_word():
    text = "According to Tomas Reyes, the road is closed."
    # a tagger that says B- on every word: one CUE and one SOURCE, not four pieces
    tags = ["B-CUE", "B-CUE", "B-SOURCE", "B-SOURCE", "O", "B-CONTENT", "I-CONTENT", "I-CONTENT", "I-CONTENT", "O"]
    assert decode(text, tags) == [("CUE", "According to"), ("SOURCE", "Tomas Reyes"),
                                  ("CONTENT", "the road is closed")]


def test_bio_repair_starts_a_span_at_an_orphan_inside_tag_and_splits_at_gaps():
    text = "He said it rained, she said."
    tags = ["I-SOURCE", "B-CUE", "I-CONTENT", "I-CONTENT", "O", "B-SOURCE", "I-CUE", "O"]
    assert decode(text, tags) == [("SOURCE", "He"), ("CUE", "said"), ("CONTENT", "it rained"),
                                  ("SOURCE", "she"), ("CUE", "said")]


def test_group_attributions_ties_sources_and_contents_to_their_cues():
    from claimsift.data.tokens import group_attributions

    text = "The army said the road was shut, while residents told reporters it was open."
    spans = make_spans(text, [{"SOURCE": "The army", "CUE": "said", "CONTENT": "the road was shut"},
                              {"SOURCE": "residents", "CUE": "told", "CONTENT": "it was open"}])
    truth = {(s["type"], s["start"]): s["attr"] for s in spans}
    loose = [{k: v for k, v in s.items() if k != "attr"} for s in spans]
    grouped = group_attributions(loose)
    assert {(s["type"], s["start"]): s["attr"] for s in grouped} == truth
    credit = make_spans("Militias deployed snipers - Reuters", [{"CONTENT": "Militias deployed snipers",
                                                                  "SOURCE": "Reuters"}])
    assert {s["attr"] for s in group_attributions([{**s, "attr": None} for s in credit])} == {0}


def test_a_quote_split_around_its_cue_is_one_attribution_and_unknown_tags_close_a_span():
    from claimsift.data.tokens import bio_to_spans

    text = "“We will stay,” the mayor said, “until the end.”"
    toks = tokenize(text)
    tags = ["B-CONTENT", "I-CONTENT", "I-CONTENT", "I-CONTENT", "I-CONTENT", "I-CONTENT", "B-SOURCE", "I-SOURCE",
            "B-CUE", "O", "B-CONTENT", "I-CONTENT", "I-CONTENT", "B-FOO", "I-CONTENT", "I-CONTENT"]
    assert len(tags) == len(toks), [t for t, _, _ in toks]
    scores = [0.5] * len(toks)
    scores[6:8] = [0.2, 0.4]
    spans = bio_to_spans(text, toks, tags, scores)
    assert [(s["type"], s["text"], s["attr"]) for s in spans] == [
        ("CONTENT", "“We will stay,”", 0), ("SOURCE", "the mayor", 0), ("CUE", "said", 0),
        ("CONTENT", "“until the", 0), ("CONTENT", ".”", 0)]  # B-FOO (no such type) ends the piece it cuts
    assert spans[1]["score"] == 0.3  # a span's score is the mean of its tokens'
