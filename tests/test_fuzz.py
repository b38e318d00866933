"""Generated texts and files through ingest, clean, segment and the gold / brat readers (Hypothesis).

Whatever the input: offsets always give the text back, and nothing raises
except a one-line ValueError / FileNotFoundError naming the file. Each test
runs a bounded number of examples (``FUZZ``) so the module stays fast.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimsift.data import segment as segment_module
from claimsift.data.brat import read_brat_corpus
from claimsift.data.clean import clean
from claimsift.data.ingest import RawArticle, Skipped, read_articles
from claimsift.data.segment import pieces, segment
from claimsift.data.gold import check_records, read_gold
from claimsift.gold.labelstudio import import_labelstudio

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)  # the same examples every run: a failure here is never a fluke

# Characters that matter to the code under test, mixed with any Unicode.
TRICKY = list("\n\n\r\t .!?.\"'“”‘’()[]:;,-—#@=+") + ["\u00a0", "\u200b", "\u2028", "\x0b", "\x0c", "\x85",
                                                      "\u3002", "Mr.", "U.S.", "said", "...", "\ufeff"]
pieces_of_text = st.one_of(st.sampled_from(TRICKY), st.text(min_size=1, max_size=8),
                           st.sampled_from(["The minister said the bridge will reopen. ", "Rain fell. ",
                                            "Share this\n", "728 x 90\n", "#a #b #c #d\n", "Source » x\n"]))
texts = st.lists(pieces_of_text, max_size=120).map("".join)


def check_segments(text: str, sents) -> None:
    assert all(text[s.start:s.end] == s.text for s in sents)
    assert all(s.text and s.text == s.text.strip() and "\n" not in s.text for s in sents)
    assert all(a.end <= b.start for a, b in zip(sents, sents[1:]))
    # Every visible character belongs to a sentence: nothing is lost between them.
    covered = [False] * len(text)
    for s in sents:
        covered[s.start:s.end] = [True] * (s.end - s.start)
    lost = [c for c, cov in zip(text, covered) if not cov and not c.isspace()]
    assert not lost, lost


@FUZZ
@given(texts)
def test_segment_offsets_give_the_text_back(text):
    sents = segment(text)
    check_segments(text, sents)
    assert all(text[s.start:s.end] == s.text for s in sents)


@FUZZ
@given(texts, st.integers(min_value=8, max_value=80))
def test_long_lines_cut_into_pieces_segment_exactly(text, limit):
    line = text.replace("\n", " ")
    parts = pieces(line, limit)
    assert "".join(p for _, p in parts) == line
    assert all(line[o:o + len(p)] == p and len(p) <= limit for o, p in parts)
    old = segment_module.MAX_PIECE
    segment_module.MAX_PIECE = limit  # segment reads it at each call
    try:
        check_segments(text, segment(text))
    finally:
        segment_module.MAX_PIECE = old


@FUZZ
@given(texts)
def test_clean_keeps_whole_stripped_lines_and_segments_exactly(text):
    cleaned = clean(text)
    lines = cleaned.text.split("\n") if cleaned.text else []
    assert all(line and line == line.strip() and "\r" not in line for line in lines)
    assert all(reason for _, reason in cleaned.dropped)
    check_segments(cleaned.text, segment(cleaned.text))


# ---------------------------------------------------------------- files for ingest

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                       max_size=3),
                           max_leaves=6)
rows = st.fixed_dictionaries({}, optional={"id": st.one_of(st.text(min_size=1, max_size=5), st.integers(), json_values),
                                           "text": st.one_of(texts, json_values),
                                           "title": st.one_of(st.integers(), st.floats(), texts, json_values),
                                           "extra": json_values})


@st.composite
def article_files(draw) -> tuple[str, bytes, str | None]:
    """(suffix, content, the text a .txt must be read as): raw bytes, text in some encoding, or
    JSONL / CSV rows, perhaps corrupted."""
    suffix = draw(st.sampled_from([".txt", ".html", ".jsonl", ".csv"]))
    kind = draw(st.sampled_from(["bytes", "text", "rows"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"]))
    if kind == "bytes":
        return suffix, draw(st.binary(max_size=400)), None
    if kind == "text" or suffix in (".txt", ".html"):
        text = draw(texts)
        if suffix == ".html" and draw(st.booleans()):
            text = f"<html><head><title>{text[:20]}</title></head><body><article><p>{text}</p></article></body></html>"
        # Text with a byte-order mark, or UTF-8, is always read back as it was written.
        decoded = text.removeprefix("\ufeff") if encoding == "utf-8" else text  # UTF-8 reading drops a BOM
        expected = (decoded if suffix == ".txt" and encoding != "utf-16-le" and decoded.strip()
                    and "\x00" not in decoded else None)
        return suffix, text.encode(encoding, "surrogatepass"), expected
    recs = draw(st.lists(rows, max_size=6))
    if suffix == ".jsonl":
        body = "".join(json.dumps(r) + "\n" for r in recs)
    else:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(draw(st.sampled_from([["id", "text"], ["id", "text", "title"], ["name", "body"]])))
        for r in recs:
            writer.writerow([str(r.get(k, "")) for k in ("id", "text", "title")])
        body = buf.getvalue()
    if body and draw(st.booleans()):  # a stray quote, comma or line break somewhere
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.sampled_from(['"', ",", "\n", '\\"', "{"])) + body[at:]
    return suffix, body.encode(encoding, "surrogatepass"), None


@FUZZ
@given(st.lists(article_files(), min_size=1, max_size=3))
def test_ingest_reads_or_reports_every_file(files):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        for i, (suffix, content, _) in enumerate(files):
            (folder / f"f{i}{suffix}").write_bytes(content)
        items = list(read_articles(folder))
        for i, (suffix, _, expected) in enumerate(files):
            if expected is not None:
                got = [getattr(x, "text", x) for x in items if x.source == str(folder / f"f{i}{suffix}")]
                assert got == [expected]
        for item in items:
            assert isinstance(item, (RawArticle, Skipped))
            assert item.source.startswith(str(folder / "f"))
            if isinstance(item, Skipped):
                assert item.reason and "\n" not in item.reason
            else:
                assert isinstance(item.doc_id, str) and item.doc_id and item.text.strip()
                assert item.title is None or isinstance(item.title, str)
                cleaned = clean(item.text)
                check_segments(cleaned.text, segment(cleaned.text))


# ---------------------------------------------------------------- gold and brat readers

def assert_one_line_naming(exc: Exception, name: str) -> None:
    assert isinstance(exc, (ValueError, FileNotFoundError)), repr(exc)
    message = str(exc)
    assert "\n" not in message and name in message, message


ann_types = st.sampled_from(["Source", "Cue", "Content", "Attribution", "Sentence", "Discard", "source", "X"])


@st.composite
def ann_files(draw, n: int) -> str:
    """An .ann for a text of length ``n``: mostly well-formed lines, with broken ones mixed in."""
    lines = []
    for k in range(1, draw(st.integers(0, 12)) + 1):
        kind = draw(st.sampled_from("TTTTEAA#?"))
        if kind == "T":
            frags = []
            for _ in range(draw(st.integers(1, 2))):
                s = draw(st.integers(0, n + 1))
                frags.append(f"{s} {draw(st.integers(s, n + 2))}")
            lines.append(f"T{k}\t{draw(ann_types)} {';'.join(frags)}\t{draw(st.text(max_size=10))}")
        elif kind == "E":
            args = " ".join(f"{draw(st.sampled_from(['Source', 'Cue', 'Content']))}:T{draw(st.integers(1, 12))}"
                            for _ in range(draw(st.integers(0, 3))))
            lines.append(f"E{k}\tAttribution:T{draw(st.integers(1, 12))} {args}")
        elif kind == "A":
            value = draw(st.sampled_from(["allegation", "background", "nonsense", ""]))
            lines.append(f"A{k}\tLabel T{draw(st.integers(1, 12))} {value}")
        elif kind == "#":
            lines.append(f"#{k}\tAnnotatorNotes T{draw(st.integers(1, 12))}\t{draw(st.text(max_size=10))}")
        else:
            lines.append(draw(st.text(max_size=20)))
    return "\n".join(lines)


@FUZZ
@given(st.data())
def test_brat_reader_gives_exact_spans_or_one_line_naming_the_file(data):
    text = data.draw(texts)
    ann = data.draw(ann_files(len(text)))
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        (folder / "doc.txt").write_text(text, encoding="utf-8", newline="")
        if data.draw(st.booleans()):
            (folder / "doc.ann").write_bytes(ann.encode("utf-8", "surrogatepass") if data.draw(st.booleans())
                                            else data.draw(st.binary(max_size=60)))
        try:
            docs = list(read_brat_corpus(folder, data.draw(st.sampled_from(["first", "all"]))))
        except Exception as exc:
            assert_one_line_naming(exc, str(folder))
            return
    for doc in docs:
        for s in doc.sentences:
            assert doc.text[s.start:s.end] == s.text
            for sp in s.gold_spans or []:
                assert 0 <= sp["start"] < sp["end"] <= len(s.text) and s.text[sp["start"]:sp["end"]] == sp["text"]


@FUZZ
@given(st.lists(st.one_of(rows.map(json.dumps), json_values.map(json.dumps), st.text(max_size=30)), max_size=6))
def test_gold_reader_reports_each_problem_in_one_line(lines):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "gold.jsonl"
        path.write_text("\n".join(line.replace("\n", " ") for line in lines), encoding="utf-8",
                        errors="surrogatepass")
        records, problems = read_gold(path)
        problems += check_records(records, str(path))
    assert all("\n" not in p and p.startswith(str(path)) for p in problems)


label_studio_tasks = st.lists(st.one_of(
    json_values,
    st.fixed_dictionaries({"data": st.fixed_dictionaries({"text": texts, "doc_id": st.text(max_size=3),
                                                          "sent_id": st.text(max_size=3), "start": st.integers(),
                                                          "end": st.integers()}),
                           "annotations": st.lists(st.fixed_dictionaries({"result": st.lists(st.one_of(
                               json_values,
                               st.fixed_dictionaries({"type": st.sampled_from(["choices", "labels", "relation",
                                                                               "textarea"]),
                                                      "from_name": st.sampled_from(["label", "span", "note"]),
                                                      "value": json_values}, optional={"id": json_values,
                                                                                       "from_id": json_values,
                                                                                       "to_id": json_values})),
                               max_size=4)}, optional={"was_cancelled": st.booleans()}), max_size=2)})),
    max_size=4)


@FUZZ
@given(st.one_of(label_studio_tasks, json_values))
def test_labelstudio_import_reads_or_names_the_file(tasks):
    with tempfile.TemporaryDirectory() as d:
        src, out = Path(d) / "export.json", Path(d) / "gold.jsonl"
        src.write_text(json.dumps(tasks), encoding="utf-8", errors="surrogatepass")
        try:
            import_labelstudio(src, out)
        except Exception as exc:
            assert_one_line_naming(exc, str(src))
