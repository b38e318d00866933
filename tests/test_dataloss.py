"""Nothing a user gives is lost, nothing hangs (issue 16, "Data loss and hangs"): one test per case."""

from __future__ import annotations

import builtins
import csv
import errno
import fcntl
import io
import json
import os
import sys
import time
from pathlib import Path

import pytest

from claimsift import brat as brat_cli
from claimsift.config import compose
from claimsift.data.ingest import RawArticle, Skipped, find_files, read_articles
from claimsift.data.segment import segment
from claimsift.gold.labelstudio import to_tasks
from claimsift.io import MARKER, atomic_path
from claimsift.label import label
from claimsift.models.base import load_model
from claimsift.predict import predict
from claimsift.predict.writer import iter_log, iter_records, log_path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTICLES = FIXTURES / "predict_articles"
sys.path.insert(0, str(FIXTURES))  # the stub models must be importable by load_model

from conftest import stub_predict_cfg  # noqa: E402


def predict_cfg(models_dir: Path, input, output, *overrides: str):
    return stub_predict_cfg(models_dir, input, output, *overrides)


def label_cfg(*overrides: str):
    return compose("label", ["data=seeds", f"data.path={ROOT / 'seeds'}", "gold=null", "label_model.kind=majority",
                             "data.max_articles=2", *overrides])


def one_line(message: str) -> str:
    lines = message.strip().splitlines()
    assert len(lines) == 1, message
    return lines[0]


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A folder nothing can be written into. Root writes anywhere, so for root the refusal is emulated."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() == 0:
        def below(p) -> bool:
            return ro in Path(os.path.abspath(os.fspath(p))).parents

        def refuse(p):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(p))

        real_os_open, real_mkdir, real_open = os.open, os.mkdir, builtins.open

        def os_open(p, flags, *a, **k):
            if below(p) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                refuse(p)
            return real_os_open(p, flags, *a, **k)

        def mkdir(p, *a, **k):
            if below(p):
                refuse(p)
            return real_mkdir(p, *a, **k)

        def open_(p, mode="r", *a, **k):
            if isinstance(p, (str, os.PathLike)) and below(p) and any(c in mode for c in "wax+"):
                refuse(p)
            return real_open(p, mode, *a, **k)

        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(os, "mkdir", mkdir)
        monkeypatch.setattr(builtins, "open", open_)
        monkeypatch.setattr(io, "open", open_)
    yield ro
    ro.chmod(0o755)


# ---------------------------------------------------------------- 1. a folder write never replaces a user's folder

def test_atomic_folder_write_never_replaces_a_folder_it_did_not_write(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="was not written by claimsift") as err:
        with atomic_path(mine, is_dir=True) as tmp:
            (tmp / "a.txt").write_text("new")
    assert str(mine) in one_line(str(err.value))
    assert (mine / "notes.txt").read_text() == "keep me" and not (mine / "a.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["mine"], "no temporary folder left behind"

    a_file = tmp_path / "file"
    a_file.write_text("keep me too")
    with pytest.raises(ValueError, match="is a file"):
        with atomic_path(a_file, is_dir=True):
            pass
    assert a_file.read_text() == "keep me too"

    ours = tmp_path / "ours"
    for content in ("first", "second"):  # a folder it wrote is replaced whole, every time
        with atomic_path(ours, is_dir=True) as tmp:
            (tmp / "a.txt").write_text(content)
    assert (ours / "a.txt").read_text() == "second" and (ours / MARKER).is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    with atomic_path(empty, is_dir=True) as tmp:  # an empty folder holds nothing to lose
        (tmp / "a.txt").write_text("x")
    assert (empty / "a.txt").is_file()


def test_atomic_folder_write_keeps_the_previous_version_when_the_last_rename_fails(tmp_path, monkeypatch):
    ours = tmp_path / "ours"
    with atomic_path(ours, is_dir=True) as tmp:
        (tmp / "a.txt").write_text("first")
    real_rename = Path.rename

    def rename(self, target):
        if self.name.endswith(".tmp"):
            raise OSError(errno.EXDEV, "simulated failure", str(self))
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError, match="simulated"):
        with atomic_path(ours, is_dir=True) as tmp:
            (tmp / "a.txt").write_text("second")
    assert (ours / "a.txt").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["ours"]


def _predictions(tmp_path: Path, doc_id: str = "d1") -> Path:
    text = "The minister said the bridge will reopen."
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"doc_id": doc_id, "sent_id": f"{doc_id}:000", "start": 0, "end": len(text),
                                "text": text, "label": "official_statement",
                                "spans": [{"type": "CUE", "start": 13, "end": 17, "text": "said"}]}) + "\n")
    return pred


def test_brat_export_keeps_the_files_already_in_its_folder(tmp_path, capsys):
    pred = _predictions(tmp_path)
    x = tmp_path / "x"
    x.mkdir()
    (x / "my_notes.txt").write_text("a week of corrections")
    assert brat_cli.main(["export", str(pred), str(x)]) == 1
    assert str(x) in one_line(capsys.readouterr().err)
    assert sorted(p.name for p in x.iterdir()) == ["my_notes.txt"]
    assert (x / "my_notes.txt").read_text() == "a week of corrections"
    for _ in range(2):  # its own folder it rewrites
        assert brat_cli.main(["export", str(pred), str(tmp_path / "y")]) == 0
    assert (tmp_path / "y" / "d1.ann").is_file()


def test_brat_export_never_writes_over_its_input(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    pred = _predictions(tmp_path / "in")
    assert brat_cli.main(["export", str(pred), str(tmp_path / "in")]) == 1
    assert "input" in one_line(capsys.readouterr().err)
    assert pred.is_file()


@pytest.mark.parametrize("name", ["", "../gold", "..", ".hidden", "a/b", "null"])
def test_label_refuses_a_dataset_name_that_is_not_a_plain_name(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    keep = tmp_path / "data" / "built" / "other" / "sentences.jsonl"
    gold = tmp_path / "data" / "gold" / "seeds.jsonl"
    for f in (keep, gold):
        f.parent.mkdir(parents=True)
        f.write_text("{}\n")
    with pytest.raises(ValueError, match="data.name") as err:
        label(label_cfg(f"data.name={name}"))
    one_line(str(err.value))
    assert keep.read_text() == "{}\n" and gold.read_text() == "{}\n"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["built", "gold"]


def test_label_never_replaces_a_folder_it_did_not_build(tmp_path):
    out = tmp_path / "built"
    out.mkdir()
    (out / "mine.txt").write_text("x")
    with pytest.raises(ValueError, match="not written by claimsift"):
        label(label_cfg(f"out_dir={out}"))
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


# ---------------------------------------------------------------- 2. an output is never an input

def test_predict_refuses_an_output_that_is_its_input(models_dir, tmp_path):
    src = tmp_path / "a.jsonl"
    src.write_text((ARTICLES / "gamma.jsonl").read_text())
    before = src.read_bytes()
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "g.jsonl").write_bytes(before)
    cases = [
        (src, src, None),                                    # output = input
        (src, tmp_path / "o.jsonl", src),                    # report = input
        (src, tmp_path / "o.jsonl", tmp_path / "o.jsonl"),   # report = output
        (src, tmp_path / "o.jsonl", tmp_path / "o.jsonl.summary.json"),
        (folder, folder / "g.jsonl", None),                  # output among a folder's files
        (folder, folder / "new.jsonl", None),                # ... or to be read by the next run
        (folder, tmp_path / "o.jsonl", folder / "r.html"),
        (f"{tmp_path}/*.jsonl", src, None),                  # a glob matches the output
        (f"{tmp_path}/*.jsonl", tmp_path / "x.csv", tmp_path / "a.jsonl"),
        (tmp_path / "o2.jsonl.articles.jsonl", tmp_path / "o2.jsonl", None),  # a side file is the input
    ]
    (tmp_path / "o2.jsonl.articles.jsonl").write_bytes(before)
    for inp, out, report in cases:
        overrides = [f"report={report}"] if report else []
        with pytest.raises(ValueError, match="is an input of this run|is one of the files the run writes") as err:
            predict(predict_cfg(models_dir, inp, out, *overrides))
        one_line(str(err.value))
    assert src.read_bytes() == before and (folder / "g.jsonl").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["g.jsonl"]
    assert (tmp_path / "o2.jsonl.articles.jsonl").read_bytes() == before
    assert not (tmp_path / "o.jsonl").exists()


# ---------------------------------------------------------------- 3. one run at a time on an output

def test_second_predict_on_the_same_output_is_refused(models_dir, tmp_path):
    from claimsift.predict.writer import lock_path

    out = tmp_path / "out.jsonl"
    lock = lock_path(out)
    with lock.open("ab") as held:  # another run holds the output
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ValueError, match="another claimsift predict") as err:
            predict(predict_cfg(models_dir, ARTICLES / "gamma.jsonl", out))
        one_line(str(err.value))
        assert not out.exists() and not log_path(out).exists()
    result = predict(predict_cfg(models_dir, ARTICLES / "gamma.jsonl", out))  # free again
    assert result["n_new_articles"] == 2


def test_two_predict_processes_on_one_output(models_dir, tmp_path):
    """The lock is an OS lock: a second process is refused while the first runs."""
    import subprocess

    from claimsift.predict.writer import lock_path

    out = tmp_path / "out.jsonl"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; fh = open(sys.argv[1], 'ab'); "
        "fcntl.flock(fh.fileno(), fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)"), str(lock_path(out))],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ValueError, match="another claimsift predict"):
            predict(predict_cfg(models_dir, ARTICLES / "gamma.jsonl", out))
    finally:
        holder.kill()
        holder.wait()
    assert not out.exists()


# ---------------------------------------------------------------- 4. segmenting is linear in a line's length

@pytest.mark.timeout(180)
def test_a_two_megabyte_line_segments_quickly_with_exact_offsets(capsys):
    sentence = "The minister said the bridge will reopen on Monday, officials told reporters. "
    text = "Title line\n" + (sentence * (2_000_000 // len(sentence) + 1))[:2_000_000] + "\nLast line."
    t0 = time.perf_counter()
    sents = segment(text)
    seconds = time.perf_counter() - t0
    assert all(text[s.start:s.end] == s.text for s in sents)
    assert all(a.end <= b.start for a, b in zip(sents, sents[1:]))
    assert "".join(s.text for s in sents).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert sum(s.text.count("officials told reporters.") for s in sents) == text.count("officials told reporters.")
    assert "segment" in capsys.readouterr().err, "a huge text shows its own progress"
    print(f"2 MB line: {len(sents)} sentences in {seconds:.1f} s")


def test_long_line_pieces_break_at_sentence_ends():
    from claimsift.data.segment import pieces

    line = "He said it rained. " * 300 + "x" * 5000
    parts = pieces(line, limit=1000)
    assert "".join(p for _, p in parts) == line
    assert all(line[o:o + len(p)] == p and len(p) <= 1000 for o, p in parts)
    assert all(p.endswith("rained. ") for _, p in parts[:5])


# ---------------------------------------------------------------- 5. symlink loops

@pytest.mark.timeout(60)
def test_folder_and_glob_follow_no_link_loop_and_read_each_file_once(tmp_path):
    root = tmp_path / "news"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "one.txt").write_text("One sentence here.")
    (root / "a" / "b" / "two.txt").write_text("Two sentences here.")
    (root / "a" / "up").symlink_to("..")          # a loop
    (root / "a" / "b" / "top").symlink_to("../..")  # another: together glob.glob would walk 2^40 paths
    (root / "a" / "b" / "same.txt").symlink_to("two.txt")  # one file, two names
    for spec in (f"{root}/**/*.txt", f"{root}/**", root):
        files = find_files(spec)
        assert sorted(f.resolve().name for f in files) == ["one.txt", "two.txt"], spec
        docs = [a.doc_id for a in read_articles(spec)]
        assert len(docs) == 2


# ---------------------------------------------------------------- 6. ingest reads or reports every row

def test_jsonl_title_that_is_a_number_is_read_as_text(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps({"id": 7, "title": 2024, "text": "Officials said the talks failed."}) + "\n"
                 + json.dumps({"id": "b", "title": {"x": 1}, "text": "Body."}) + "\n")
    a, b = list(read_articles(f))
    assert isinstance(a, RawArticle) and a.doc_id == "7" and a.title == "2024"
    assert a.text == "2024\nOfficials said the talks failed."
    assert isinstance(b, Skipped) and b.source == f"{f}:2" and "title" in b.reason


def test_csv_unterminated_quote_is_reported_by_file_and_line(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text('id,text\n'
                 'a,"An unterminated quote.\n'
                 'b,"Swallowed row." trailing\n'
                 'c,Third row is read.\n'
                 'd,"A quote never closed\n'
                 'e,swallowed too\n')
    items = list(read_articles(f))
    read = [i for i in items if isinstance(i, RawArticle)]
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [a.doc_id for a in read] == ["c"] and read[0].source == f"{f}:4"
    assert [s.source for s in skipped] == [f"{f}:2", f"{f}:5"]
    assert "lines 2-3" in skipped[0].reason and "lines 5-6" in skipped[1].reason
    assert not any("Swallowed" in a.text for a in read)


def test_csv_row_with_an_unquoted_comma_is_reported(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("id,text\na,Hello, world\nb,Fine.\n")
    a, b = list(read_articles(f))
    assert isinstance(a, Skipped) and a.source == f"{f}:2" and "3 fields" in a.reason
    assert isinstance(b, RawArticle) and b.text == "Fine."


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_text_is_decoded_not_called_binary(tmp_path, encoding):
    text = "Le ministre a déclaré que le pont rouvrira. “Quoted” text."
    (tmp_path / "a.txt").write_text(text, encoding=encoding)
    rows = [{"id": "j1", "text": text}, {"id": "j2", "text": "Second row."}]
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                      encoding=encoding)
    with (tmp_path / "c.csv").open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        w.writerow(["c1", text])
    items = list(read_articles(tmp_path))
    assert not [i for i in items if isinstance(i, Skipped)], items
    assert {a.doc_id: a.text for a in items} == {"a": text, "j1": text, "j2": "Second row.", "c1": text}


def test_binary_file_is_still_binary(tmp_path):
    (tmp_path / "x.txt").write_bytes(b"\x89PNG\x00\x00\x01\x02 some text")
    (item,) = read_articles(tmp_path / "x.txt")
    assert isinstance(item, Skipped) and "binary" in item.reason


# ---------------------------------------------------------------- 7. one line, naming the file and the cause

def test_read_only_output_folder_is_one_line(models_dir, tmp_path, read_only, capsys):
    with pytest.raises(ValueError) as err:
        predict(predict_cfg(models_dir, ARTICLES / "gamma.jsonl", read_only / "out.jsonl"))
    line = one_line(str(err.value))
    assert str(read_only) in line and "Permission denied" in line

    with pytest.raises(ValueError) as err:
        label(label_cfg(f"out_dir={read_only / 'built'}"))
    line = one_line(str(err.value))
    assert str(read_only / "built") in line and "Permission denied" in line

    capsys.readouterr()
    assert brat_cli.main(["export", str(_predictions(tmp_path)), str(read_only / "brat")]) == 1
    line = one_line(capsys.readouterr().err)
    assert str(read_only / "brat") in line and "Permission denied" in line


STUB_MODEL = '''
from pathlib import Path
from transformers import AutoModelForSequenceClassification
from claimsift.labels import CLASSES
from claimsift.models.base import ClassifierModel


class HFClassifier(ClassifierModel):
    """Loads its weights the way TransformerClassifier does: from_pretrained on the hf/ folder."""
    classes_ = list(CLASSES)

    def fit(self, texts, labels, **kwargs):
        return self

    def predict_proba(self, texts):
        raise NotImplementedError

    def save(self, path):
        self.write_model_meta(path)

    @classmethod
    def load(cls, path):
        self = cls()
        self.model_ = AutoModelForSequenceClassification.from_pretrained(Path(path) / "hf")
        return self
'''


def test_truncated_safetensors_is_one_line(models_dir, tmp_path, monkeypatch):
    from claimsift.models.transformer import packaged_model_path

    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "stub_hf_model.py").write_text(STUB_MODEL)
    run = models_dir / "classify-hf-2025"
    hf = run / "model" / "hf"
    hf.mkdir(parents=True)
    src = packaged_model_path()
    (hf / "config.json").write_text((src / "config.json").read_text())
    (hf / "model.safetensors").write_bytes((src / "model.safetensors").read_bytes()[:4096])  # a download cut short
    (run / "model" / "claimsift_model.json").write_text(json.dumps({"class": "stub_hf_model.HFClassifier",
                                                                     "task": "classify"}))
    (run / "run.json").write_text(json.dumps({"task": "classify", "model": "hf", "created": "2025"}))
    with pytest.raises(ValueError) as err:
        load_model(run / "model")
    line = one_line(str(err.value))
    assert str(run / "model") in line and "does not load" in line
    with pytest.raises(ValueError) as err:  # the predict stage says the same
        predict(predict_cfg(models_dir, ARTICLES / "gamma.jsonl", tmp_path / "o.jsonl", f"classify_run={run}"))
    assert str(run / "model") in one_line(str(err.value))


def test_long_doc_id_is_one_line(models_dir, tmp_path, capsys):
    long_id = "x" * 300
    pred = _predictions(tmp_path, long_id)
    assert brat_cli.main(["export", str(pred), str(tmp_path / "brat")]) == 1
    line = one_line(capsys.readouterr().err)
    assert str(pred) in line and "too long" in line
    assert not (tmp_path / "brat").exists()
    src = tmp_path / "long.jsonl"  # predict has no file per article: a long id is simply read
    src.write_text(json.dumps({"id": long_id, "text": "The minister said the bridge will reopen."}) + "\n")
    predict(predict_cfg(models_dir, src, tmp_path / "o.jsonl"))
    assert [r["doc_id"] for r in iter_records(tmp_path / "o.jsonl")] == [long_id]


# ---------------------------------------------------------------- 8. CSV formula injection

def test_csv_output_neutralises_formulas_and_reads_back_exactly(models_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    texts = {"=cmd|' /C calc'!A0": "=HYPERLINK(\"http://x\") the minister said.\n+1 officials said.\n"
                                   "-2 reporters said.\n@SUM(1) police said.\n'=already quoted.\n'Tis the season.",
             "plain": "The minister said the bridge will reopen."}
    src.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()))
    out = tmp_path / "o.csv"
    predict(predict_cfg(models_dir, src, out))
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for key, cell in row.items():
            assert not cell[:1] in ("=", "+", "-", "@", "\t", "\r"), (key, cell)
    cells = {row["text"] for row in rows}
    assert "'=HYPERLINK(\"http://x\") the minister said." in cells and "'Tis the season." in cells
    assert "''=already quoted." in cells
    assert {row["doc_id"] for row in rows} == {"'=cmd|' /C calc'!A0", "plain"}
    records = list(iter_records(out))
    by_doc = {e["doc_id"]: e["text"] for e in iter_log(log_path(out))}
    assert set(by_doc) == set(texts)
    for r in records:
        assert by_doc[r["doc_id"]][r["start"]:r["end"]] == r["text"]
    assert {r["text"] for r in records} >= {"+1 officials said.", "-2 reporters said.", "@SUM(1) police said.",
                                            "'=already quoted.", "'Tis the season."}


# ---------------------------------------------------------------- 9. Label Studio keeps the gold note

def test_labelstudio_export_of_built_sentences_carries_the_gold_note():
    rec = {"doc_id": "d", "sent_id": "d:000", "start": 0, "end": 9, "text": "He said x", "weak_label": "background",
           "spans": [], "gold_label": "attributed_claim", "gold_spans": [], "gold_note": "hard case: unnamed source"}
    (task,) = to_tasks([rec])
    notes = [r["value"]["text"] for r in task["annotations"][0]["result"] if r["type"] == "textarea"]
    assert notes == [["hard case: unnamed source"]]
