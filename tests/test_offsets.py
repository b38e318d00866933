"""Offsets into the input as given: every record maps back into the user's own text.

The rule the tests hold (docs/predict.md, "Outputs"): for every record,
``input_text[input_start:input_end] == text`` exactly, where ``input_text`` is
the .txt file's text (decoded, line endings as in the file), the ``text``
field of a .jsonl / .csv row, or for .html the extracted text stored as
``input_text`` in the article log. The one exception is the cleaning's two
character fixes: a no-break space in the input is a space in ``text`` and a
zero-width space is absent from it, so there ``normalise_chars(slice) == text``.
Spans carry their own ``input_start``/``input_end`` under the same rule. A
sentence of a title line the reader put before a row's text (the ``title``
field, not in the row's ``text``) has None for both.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimsift.data.clean import NO_BREAK_SPACE, ZERO_WIDTH_SPACE, clean, normalise_chars
from claimsift.predict import predict
from claimsift.predict.writer import iter_log, iter_records, log_path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))  # the stub models must be importable by load_model

from conftest import stub_predict_cfg  # noqa: E402

# Boilerplate before the article and inside it, non-ASCII text, a no-break space
# and a zero-width space inside sentences; joined with CRLF below.
LINES = [
    "Share this",
    "   728 x 90   ",
    "Bürgermeisterin Zoë Ñúñez said the Ölmühle near Kraków was shelled on Tuesday. Residents fled.",
    "",
    "Read more:",
    "  The ministry\u00a0said 300 people were evacuated from Łódź.  ",
    "Advertisement",
    "Witnesses accused the militia of looting the café\u200b in Gdańsk, officials said.",
    "No comments:",
    "北京 officials said talks would resume. The talks failed in 2019.",
]
ARTICLE = "\r\n".join(LINES) + "\r\n"


def check_record(input_text: str, rec: dict) -> bool:
    """Assert the rule for one record and its spans; True when the record needed the character-fix clause."""
    s, e = rec["input_start"], rec["input_end"]
    assert s is not None and e is not None, rec
    raw = input_text[s:e]
    fixed = raw != rec["text"]
    if fixed:  # only the cleaning's character fixes may differ
        assert NO_BREAK_SPACE in raw or ZERO_WIDTH_SPACE in raw, (raw, rec["text"])
        assert normalise_chars(raw) == rec["text"]
    for sp in rec["spans"] or []:
        span_raw = input_text[sp["input_start"]:sp["input_end"]]
        assert normalise_chars(span_raw) == sp["text"]
        assert s <= sp["input_start"] < sp["input_end"] <= e
        if NO_BREAK_SPACE not in span_raw and ZERO_WIDTH_SPACE not in span_raw:
            assert span_raw == sp["text"]
    return fixed


def check_all(input_texts: dict[str, str], records: list[dict]) -> int:
    """Check every record against its article's input text; return how many needed the character-fix clause."""
    assert records
    return sum(check_record(input_texts[r["doc_id"]], r) for r in records)


def run_predict(models_dir: Path, tmp_path: Path, source: Path, out_name: str = "out.jsonl") -> list[dict]:
    out = tmp_path / out_name
    predict(stub_predict_cfg(models_dir, source, out))
    return list(iter_records(out))


def test_txt_offsets_point_into_the_file_text(models_dir, tmp_path):
    src = tmp_path / "in" / "crlf.txt"
    src.parent.mkdir()
    src.write_bytes(ARTICLE.encode("utf-8"))
    records = run_predict(models_dir, tmp_path, src.parent)
    with src.open(encoding="utf-8", newline="") as fh:  # line endings as in the file
        text = fh.read()
    assert "\r\n" in text
    assert check_all({"crlf": text}, records) == 2  # the no-break space and the zero-width space sentences
    # The boilerplate before the article shifts the cleaned text: offsets into it would fail the rule.
    assert any(r["input_start"] != r["start"] for r in records)
    assert "Share this" not in {r["text"] for r in records}


def test_txt_with_byte_order_mark(models_dir, tmp_path):
    src = tmp_path / "in" / "bom.txt"
    src.parent.mkdir()
    src.write_bytes(b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"))
    records = run_predict(models_dir, tmp_path, src)
    with src.open(encoding="utf-8-sig", newline="") as fh:  # the mark is not text
        text = fh.read()
    assert not text.startswith("\ufeff")
    # Offsets count characters after the mark: one more would shift every slice by one.
    assert check_all({"bom": text}, records) == 2


def test_jsonl_offsets_point_into_the_text_field(models_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [{"id": "j1", "text": ARTICLE},
            {"id": "j2", "title": "Ceasefire talks in Genève", "text": "Share this\nThe envoy said the talks ended."}]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    records = run_predict(models_dir, tmp_path, src)
    texts = {json.loads(line)["id"]: json.loads(line)["text"] for line in src.read_text(encoding="utf-8").splitlines()}
    title = [r for r in records if r["text"] == "Ceasefire talks in Genève"]
    assert len(title) == 1 and title[0]["input_start"] is None and title[0]["input_end"] is None
    check_all(texts, [r for r in records if r not in title])
    envoy = next(r for r in records if r["doc_id"] == "j2" and r["input_start"] is not None)
    assert envoy["input_start"] == len("Share this\n")


def test_csv_offsets_point_into_the_text_field_and_survive_csv_output(models_dir, tmp_path):
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "text"])
        w.writerow(["c1", "", ARTICLE])
        w.writerow(["c2", "Überschrift", "Advertisement\r\nThe general said the convoy reached Mosul."])
    jsonl = run_predict(models_dir, tmp_path, src)
    as_csv = run_predict(models_dir, tmp_path, src, "out.csv")
    assert as_csv == jsonl  # None offsets (the title line) read back as None
    with src.open(encoding="utf-8", newline="") as fh:
        texts = {row["id"]: row["text"] for row in csv.DictReader(fh)}
    assert "\r\n" in texts["c1"]
    check_all(texts, [r for r in jsonl if r["input_start"] is not None])
    assert [r["text"] for r in jsonl if r["input_start"] is None] == ["Überschrift"]


def test_html_offsets_point_into_the_stored_extracted_text(models_dir, tmp_path):
    src = tmp_path / "page.html"
    paragraphs = [line.strip() for line in LINES if line.strip()]
    src.write_text("<!DOCTYPE html><html><head><title>Shelling in Kraków</title></head><body>"
                   "<nav>Home | World</nav><article><h1>Shelling in Kraków</h1>"
                   + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    predict(stub_predict_cfg(models_dir, src, out))
    (entry,) = iter_log(log_path(out))
    extracted = entry["input_text"]
    assert "Zoë Ñúñez" in extracted and "<p>" not in extracted
    records = list(iter_records(out))
    check_all({"page": extracted}, records)
    summary = json.loads((tmp_path / "out.jsonl.summary.json").read_text(encoding="utf-8"))
    assert "input_text" not in summary["articles"][0]  # the text stays in the article log


def test_text_inputs_store_no_copy_of_the_input(models_dir, tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("The minister said the road reopened.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    predict(stub_predict_cfg(models_dir, src, out))
    assert all("input_text" not in e for e in iter_log(log_path(out)))


def test_predictor_articles_have_input_offsets(models_dir):
    from claimsift import Predictor

    predictor = Predictor.from_runs(models_dir=models_dir)
    records = predictor.predict_articles([ARTICLE, {"id": "x", "text": "Share this\r\nPolice said it rained."}])
    assert {r["doc_id"] for r in records} == {"0", "x"}
    assert check_all({"0": ARTICLE, "x": "Share this\r\nPolice said it rained."}, records) == 2


def test_resuming_an_output_with_other_record_fields_is_refused(models_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "Police said it rained."}\n{"id": "b", "text": "It rained."}\n',
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    predict(stub_predict_cfg(models_dir, src, out, "max_articles=1"))
    old = [{k: v for k, v in json.loads(line).items() if not k.startswith("input_")}
           for line in out.read_text(encoding="utf-8").splitlines()]
    out.write_text("".join(json.dumps(r) + "\n" for r in old), encoding="utf-8")  # as an older version wrote it
    (entry,) = iter_log(log_path(out))
    log_path(out).write_text(json.dumps({**entry, "end": out.stat().st_size}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="other fields than this claimsift writes"):
        predict(stub_predict_cfg(models_dir, src, out))
    assert predict(stub_predict_cfg(models_dir, src, out, "predict.resume=false"))["n_new_articles"] == 2


# ---------------------------------------------------------------- the map itself

PIECES = ["a", "é", "北", " ", "\t", NO_BREAK_SPACE, ZERO_WIDTH_SPACE, "\r\n", "\n", "\r", ".", "Share this\n",
          "728 x 90\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_every_cleaned_span_maps_back_into_the_raw_text(pieces):
    raw = "".join(pieces)
    cleaned = clean(raw)
    lines = cleaned.text.split("\n") if cleaned.text else []
    assert len(lines) == len(cleaned.lines)
    pos = 0
    for line in lines:
        for start in range(pos, pos + len(line)):
            for end in range(start + 1, pos + len(line) + 1):
                s, e = cleaned.raw_span(start, end)
                assert normalise_chars(raw[s:e]) == cleaned.text[start:end]
                # the slice never reaches past the span into removed characters
                assert ZERO_WIDTH_SPACE not in (raw[s], raw[e - 1])
        pos += len(line) + 1


def test_raw_span_rejects_an_empty_span():
    with pytest.raises(ValueError, match="not a non-empty span"):
        clean("Police said it rained.").raw_span(3, 3)
