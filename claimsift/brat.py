"""brat standoff in and out, and PolNeAR as a dataset.

    claimsift brat export predictions/seeds.jsonl brat/seeds          # predict output → brat folder
    claimsift brat export data/built/seeds brat/seeds-weak --split validation
    claimsift brat import brat/seeds data/gold/seeds-brat.jsonl       # corrected folder → gold format
    claimsift brat import ../shared/polnear/dev polnear-dev.jsonl --annotators all
    claimsift brat polnear [hydra overrides]                          # data/built/polnear/

``export`` writes one ``<doc_id>.txt`` + ``.ann`` per article with a
``Sentence`` span per sentence (its ``Label`` attribute is the class, editable
in brat), ``Source`` / ``Cue`` / ``Content`` spans, and an ``E`` line per
attribution, plus brat's ``annotation.conf``. ``import`` reads it back (or any
brat folder, PolNeAR's layout included) into gold records. See docs/brat.md.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from claimsift.data.brat import (ATTR_MODES, POLICIES, BratStats, check_file_name, document_files, document_text,
                                 read_brat_corpus, write_brat)
from claimsift.data.dataset import load_records, sentences_path
from claimsift.io import describe_os_error, read_jsonl, write_jsonl


def export(source: str | Path, out_dir: str | Path, *, label_field: str | None = None, spans_field: str = "spans",
           split: str | None = None) -> dict:
    """Write predictions (a predict JSONL) or a built dataset folder as a brat folder; return counts.

    The document text is the article's text when known (the predict run's
    ``<output>.articles.jsonl`` or the dataset's ``articles.jsonl``), else it
    is rebuilt from the sentences at their offsets. ``label_field`` defaults
    to ``label`` for predictions and ``weak_label`` for a dataset (``none``:
    no labels). Raises FileNotFoundError / ValueError naming the file.
    """
    source = Path(source)
    if source.is_dir():
        records = load_records(source)
        records_path, articles_path = sentences_path(source), source / "articles.jsonl"
        default_label = "weak_label"
    elif source.is_file():
        records = read_jsonl(source)
        records_path, articles_path = source, source.with_name(source.name + ".articles.jsonl")
        default_label = "label"
    else:
        raise FileNotFoundError(f"{source}: no such file (a predict .jsonl or a built dataset folder)")
    out = Path(out_dir).resolve()
    if out == source.resolve() or out in records_path.resolve().parents:
        raise ValueError(f"{out_dir}: holds the input {records_path}; writing the brat folder there would "
                         "destroy it: pass another folder")
    label_field = default_label if label_field is None else label_field
    texts = {a["doc_id"]: a["text"] for a in read_jsonl(articles_path)} if articles_path.is_file() else {}
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for i, rec in enumerate(records, 1):
        where = f"{records_path}:{i}"
        for key in ("doc_id", "start", "end", "text"):
            if key not in rec:
                raise ValueError(f"{where}: record has no {key!r}")
        if split is not None and rec.get("split") != split:
            continue
        if rec["doc_id"] not in by_doc:
            check_file_name(str(rec["doc_id"]), where)
        if label_field != "none" and label_field not in rec:
            raise ValueError(f"{where}: record has no {label_field!r} (pick one with --label-field, or none)")
        if spans_field not in rec:
            raise ValueError(f"{where}: record has no {spans_field!r} (pick one with --spans-field)")
        by_doc[rec["doc_id"]].append({
            "start": rec["start"], "end": rec["end"], "text": rec["text"],
            "label": None if label_field == "none" else rec[label_field],
            "note": rec.get("note"), "spans": group_spans(rec[spans_field] or []),
        })
    if not by_doc:
        raise ValueError(f"{records_path}: no sentences to export" + (f" in split {split!r}" if split else ""))

    def documents():
        for doc_id, sents in by_doc.items():
            text = texts.get(doc_id)
            if text is None:
                text = document_text(sents, str(records_path))
            yield doc_id, text, sents

    return write_brat(documents(), out_dir)


def group_spans(spans: list[dict]) -> list[dict]:
    """Spans with ``attr`` as given; spans without one form one attribution when the sentence has one CUE.

    Span models predict no attribution numbers; with a single cue the
    grouping is unambiguous, otherwise the spans stay loose for the person
    correcting them to tie in brat.
    """
    loose = [s for s in spans if s.get("attr") is None]
    if not loose or sum(s["type"] == "CUE" for s in loose) != 1:
        return spans
    taken = {s["attr"] for s in spans if s.get("attr") is not None}
    attr = max(taken, default=-1) + 1
    return [s if s.get("attr") is not None else {**s, "attr": attr} for s in spans]


def import_folder(folder: str | Path, out: str | Path, *, policy: str = "first", attr_mode: str = "sentence") -> dict:
    """Read a brat folder into gold-format records written to ``out``; return the reading counts.

    Documents without an ``.ann`` are skipped (not annotated), and counted.
    """
    text_dir, ann_dir = document_files(folder)
    target = Path(out).resolve()
    if target.suffix in (".txt", ".ann") and target.parent in (text_dir.resolve(), ann_dir.resolve()):
        raise ValueError(f"{out}: is a file of the brat folder {folder}; writing it would destroy it: "
                         "pass another output file")
    stats = BratStats()
    records = []
    for doc in read_brat_corpus(folder, policy, attr_mode=attr_mode, stats=stats):
        if doc.ann is None:
            continue
        for s in doc.sentences:
            rec = {"doc_id": doc.doc_id, "sent_id": f"{doc.doc_id}:{s.index:03d}", "start": s.start, "end": s.end,
                   "text": s.text, "label": s.label, "spans": s.gold_spans}
            if s.note:
                rec["note"] = s.note
            records.append(rec)
    write_jsonl(out, records)
    counts = stats.as_dict()
    counts["records"] = len(records)
    counts["unlabeled_sentences"] = sum(r["label"] is None for r in records)
    return counts


def _report_import(counts: dict, folder: str, out: str, policy: str) -> None:
    print(f"{folder} → {out}: {counts['documents']} documents, {counts['records']} sentences")
    print(f"documents with several annotators: {counts['multi_annotator_documents']} (policy {policy!r})")
    kept = ", ".join(f"{t} {counts['spans'].get(t, 0)}→{counts['pieces'].get(t, 0)}"
                     for t in ("SOURCE", "CUE", "CONTENT"))
    print(f"spans (brat → sentence pieces): {kept}; clipped at sentence edges {sum(counts['clipped'].values())}, "
          f"dropped {sum(counts['dropped'].values())}, discontinuous {sum(counts['discontinuous'].values())}")
    if counts["unannotated_documents"]:
        print(f"skipped {counts['unannotated_documents']} documents without an .ann file")
    if counts["unmatched_ann"]:
        print(f"{len(counts['unmatched_ann'])} .ann files match no .txt: {', '.join(counts['unmatched_ann'][:5])}")
    if counts["ignored_types"]:
        print("span types not imported: " + ", ".join(f"{k} {v}" for k, v in counts["ignored_types"].items()))
    if counts["text_mismatches"]:
        print(f"{counts['text_mismatches']} T lines whose text differs from the .txt at their offsets (offsets used)")
    if counts["unlabeled_sentences"]:
        print(f"{counts['unlabeled_sentences']} sentences have no Label: `claimsift gold check` will flag them")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="claimsift brat", description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="predictions or a built dataset → brat folder")
    ex.add_argument("source", help="a predict .jsonl or a built dataset folder (data/built/<name>)")
    ex.add_argument("out_dir")
    ex.add_argument("--label-field", default=None, help="record field holding the class (none: no labels)")
    ex.add_argument("--spans-field", default="spans", help="record field holding the spans (gold_spans, ...)")
    ex.add_argument("--split", default=None, help="only this split of a dataset")
    im = sub.add_parser("import", help="brat folder → gold-format JSONL")
    im.add_argument("folder")
    im.add_argument("out")
    im.add_argument("--annotators", choices=POLICIES, default="first")
    im.add_argument("--attr", choices=ATTR_MODES, default="sentence")
    pn = sub.add_parser("polnear", help="build data/built/polnear (hydra overrides of the label config)")
    pn.add_argument("overrides", nargs="*")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "export":
            counts = export(args.source, args.out_dir, label_field=args.label_field, spans_field=args.spans_field,
                            split=args.split)
            print(f"{args.source} → {args.out_dir}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        elif args.command == "import":
            counts = import_folder(args.folder, args.out, policy=args.annotators, attr_mode=args.attr)
            _report_import(counts, args.folder, args.out, args.annotators)
        else:
            from claimsift.config import compose
            from claimsift.data.polnear import build_polnear

            build_polnear(compose("label", ["data=polnear", *args.overrides]))
    except (FileNotFoundError, ValueError) as exc:
        print(f"claimsift brat: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"claimsift brat: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
