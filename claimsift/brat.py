"""brat standoff in and out: the command line.

    claimsift brat export predictions/seeds.jsonl brat/seeds          # predict output → brat folder
    claimsift brat export data/built/seeds brat/seeds-weak --split validation
    claimsift brat import brat/seeds data/gold/seeds-brat.jsonl       # corrected folder → gold format
    claimsift brat import ../shared/polnear/dev polnear-dev.jsonl --annotators all

``export`` writes one ``<doc_id>.txt`` + ``.ann`` per article with a
``Sentence`` span per sentence (its ``Label`` attribute is the class, editable
in brat), ``Source`` / ``Cue`` / ``Content`` spans, and an ``E`` line per
attribution, plus brat's ``annotation.conf`` (the classes of the dataset's
scheme or of the predicting run). ``import`` reads it back (or any
brat folder, PolNeAR's layout included) into gold records. The reading and
writing are :mod:`claimsift.data.brat` (:func:`~claimsift.data.brat.export`,
:func:`~claimsift.data.brat.import_folder`); this module parses arguments and
prints. PolNeAR as a dataset is the label stage's: ``claimsift label
data=polnear``. See docs/brat.md.
"""

from __future__ import annotations

import argparse
import sys

from claimsift.data.brat import ATTR_MODES, POLICIES, export, import_folder
from claimsift.io import describe_os_error

POLNEAR_MOVED = "claimsift brat polnear: PolNeAR is built by the label stage: claimsift label data=polnear [overrides]"


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


def _parser() -> argparse.ArgumentParser:
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
    im.add_argument("--scheme", default=None,
                    help="the scheme whose classes the Label attributes must be (a name in configs/scheme/ or a "
                         ".yaml file; default: the default scheme)")
    pn = sub.add_parser("polnear", help="moved: claimsift label data=polnear")
    pn.add_argument("overrides", nargs="*")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "polnear":
        print(POLNEAR_MOVED, file=sys.stderr)
        return 2
    try:
        if args.command == "export":
            counts = export(args.source, args.out_dir, label_field=args.label_field, spans_field=args.spans_field,
                            split=args.split)
            print(f"{args.source} → {args.out_dir}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        else:
            from claimsift.scheme import load_scheme

            counts = import_folder(args.folder, args.out, policy=args.annotators, attr_mode=args.attr,
                                   classes=load_scheme(args.scheme).classes)
            _report_import(counts, args.folder, args.out, args.annotators)
    except (FileNotFoundError, ValueError) as exc:
        print(f"claimsift brat: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"claimsift brat: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
