"""Segmentation: the offset invariant, and boundaries against the hand-made seed reference."""

import json

import pytest

from claimsift.data.clean import clean
from claimsift.data.segment import segment


def boundary_scores(reference: set, predicted: set) -> tuple[float, float]:
    """Precision and recall of sentence end boundaries (doc_id, end offset)."""
    hit = len(reference & predicted)
    return hit / len(predicted), hit / len(reference)


def test_offsets_hold_for_every_seed_sentence(root):
    n = 0
    for f in sorted((root / "seeds").glob("*.txt")):
        text = clean(f.read_text(encoding="utf-8")).text
        for s in segment(text):
            assert text[s.start:s.end] == s.text
            assert s.text == s.text.strip() and s.text
            n += 1
    assert n > 100


def test_boundaries_match_the_hand_made_reference(root):
    ref = [json.loads(l) for l in (root / "tests" / "data" / "seed_sentences_reference.jsonl").open(encoding="utf-8")]
    reference = {(r["doc_id"], r["end"]) for r in ref}
    predicted = set()
    for f in sorted((root / "seeds").glob("*.txt")):
        text = clean(f.read_text(encoding="utf-8")).text
        predicted |= {(f.stem, s.end) for s in segment(text)}
    precision, recall = boundary_scores(reference, predicted)
    assert precision >= 0.97 and recall >= 0.97, (precision, recall)


@pytest.mark.parametrize("text,expected", [
    ("Lt. Gen. Abdul-Amir al-Shammari said the attack was over. He left.",
     ["Lt. Gen. Abdul-Amir al-Shammari said the attack was over.", "He left."]),
    ("Troops of the U.S. arrived on Sept. 18 in Baghdad. They left.",
     ["Troops of the U.S. arrived on Sept. 18 in Baghdad.", "They left."]),
    ("“We know how to deal with protests. We got it under control,” Soleimani told the gathering. Others left.",
     ["“We know how to deal with protests. We got it under control,” Soleimani told the gathering.", "Others left."]),
    ("“Stop,” he said. “Now.”", ["“Stop,” he said.", "“Now.”"]),
    ("Headline without a period\nBody text here. More body.",
     ["Headline without a period", "Body text here.", "More body."]),
])
def test_news_cases(text, expected):
    got = segment(text)
    assert [s.text for s in got] == expected
    assert all(text[s.start:s.end] == s.text for s in got)
