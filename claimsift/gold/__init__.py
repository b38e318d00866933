"""The hand-annotated gold set: validate it, join it to sentences, round-trip it through Label Studio.

    claimsift gold check                                  # every data/gold/*.jsonl and the standoff labels
    claimsift gold check data/gold/seeds.jsonl --articles seeds
    claimsift gold check my_gold.jsonl --scheme weather   # another scheme's classes (configs/scheme/ or a .yaml)
    claimsift gold check --standoff data/gold/polnear --texts ../shared/polnear
    claimsift gold to-standoff data/built/polnear/sentences.jsonl labels.tsv data/gold/polnear/new.jsonl
    claimsift gold agreement first.jsonl second.jsonl     # Cohen's kappa, overall and per class
    claimsift gold export-labelstudio data/built/seeds/sentences.jsonl ls/tasks.json
    claimsift gold import-labelstudio ls/export.json data/gold/new.jsonl

The annotation rules are in ``docs/annotation-guide.md``; the gold format is
described in ``data/gold/README.md``. This module is the command line: reading,
validating and joining gold records is :mod:`claimsift.data.gold`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from claimsift.data.gold import check_files, load_articles
from claimsift.scheme import load_scheme

DEFAULT_GLOB = "data/gold/*.jsonl"
DEFAULT_STANDOFF = "data/gold/polnear"     # standoff labels (no text): checked against --texts
DEFAULT_TEXTS = "../shared/polnear"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="claimsift gold", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    scheme = argparse.ArgumentParser(add_help=False)
    scheme.add_argument("--scheme", default=None, help="the scheme whose classes and span types the labels use: a "
                                                       "name in configs/scheme/ or a .yaml file (default: the "
                                                       "default scheme)")
    c = sub.add_parser("check", parents=[scheme], help="validate gold JSONL files; exit 1 with one line per problem")
    c.add_argument("paths", nargs="*", help=f"gold files (default: {DEFAULT_GLOB})")
    c.add_argument("--articles", help="also check sentence texts against these articles' cleaned text")
    c.add_argument("--standoff", default=None,
                   help=f"standoff label file or folder (default with no paths: {DEFAULT_STANDOFF} if present)")
    c.add_argument("--texts", default=DEFAULT_TEXTS,
                   help=f"brat corpus the standoff offsets point into (default {DEFAULT_TEXTS})")
    g = sub.add_parser("agreement", parents=[scheme],
                       help="Cohen's kappa (overall and per class) of two labellings of the same sentences")
    g.add_argument("first")
    g.add_argument("second")
    t = sub.add_parser("to-standoff", help="sent_id<TAB>label[<TAB>note] lines + the dataset's sentences.jsonl "
                                          "→ standoff label records (no text)")
    t.add_argument("sentences")
    t.add_argument("labels")
    t.add_argument("out")
    t.add_argument("--selection", default="article", help="article | picked, or 'manifest:PATH' (sent_id → kind)")
    e = sub.add_parser("export-labelstudio", parents=[scheme],
                       help="sentences or gold JSONL → Label Studio tasks JSON (+ config .xml)")
    e.add_argument("sentences")
    e.add_argument("out")
    i = sub.add_parser("import-labelstudio", parents=[scheme], help="Label Studio JSON export → gold JSONL")
    i.add_argument("export")
    i.add_argument("out")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "check":
            standoff = args.standoff or (DEFAULT_STANDOFF if not args.paths and Path(DEFAULT_STANDOFF).is_dir()
                                         else None)
            code = _check(args.paths, args.articles, args.scheme) if args.paths or not args.standoff else 0
            if standoff:
                code = max(code, _check_standoff(standoff, args.texts))
            return code
        if args.command == "agreement":
            from claimsift.gold.agreement import report

            print(report(args.first, args.second, args.scheme)[1])
            return 0
        if args.command == "to-standoff":
            from claimsift.gold.standoff_import import to_standoff

            n = to_standoff(args.sentences, args.labels, args.out, args.selection)
            print(f"wrote {n} standoff records to {args.out}")
            return 0
        if args.command == "export-labelstudio":
            from claimsift.gold.labelstudio import export_labelstudio

            n, config = export_labelstudio(args.sentences, args.out, args.scheme)
            print(f"wrote {n} tasks to {args.out} and the labeling config to {config}")
            return 0
        from claimsift.gold.labelstudio import import_labelstudio

        n, skipped = import_labelstudio(args.export, args.out, args.scheme)
        for line in skipped:
            print(line, file=sys.stderr)
        print(f"wrote {n} gold records to {args.out} ({len(skipped)} task(s) skipped); "
              f"run `claimsift gold check {args.out}`")
        return 0
    except (ValueError, FileNotFoundError) as exc:
        print(f"claimsift gold: {exc}", file=sys.stderr)
        return 1


def _check(paths: list[str], articles_path: str | None, scheme_name: str | None) -> int:
    files = [Path(p) for p in paths] or sorted(Path().glob(DEFAULT_GLOB))
    if not files:
        print(f"claimsift gold check: no gold files ({DEFAULT_GLOB} is empty)", file=sys.stderr)
        return 1
    absent = [f for f in files if not f.is_file()]
    if absent:
        print(f"claimsift gold check: {', '.join(map(str, absent))}: no such file", file=sys.stderr)
        return 1
    articles = load_articles(articles_path) if articles_path else None
    scheme = load_scheme(scheme_name)
    n, problems = check_files(files, articles, classes=scheme.classes, span_types=scheme.span_types)
    return _report(problems, f"checked {n} gold records in {len(files)} file(s)")


def _check_standoff(path: str, texts_path: str) -> int:
    from claimsift.data.standoff import brat_texts, check_standoff, read_standoff

    records, problems = read_standoff(path)
    if not Path(texts_path).is_dir():
        problems.append(f"{texts_path}: no such folder: standoff offsets cannot be checked (give --texts)")
    else:
        problems += check_standoff(records, brat_texts(texts_path, {r["doc_id"] for r in records}))
    return _report(problems, f"checked {len(records)} standoff labels in {path} against {texts_path}")


def _report(problems: list[str], checked: str) -> int:
    """One line per problem on stderr, the verdict on stdout; the exit code (1 when any problem)."""
    for line in problems:
        print(line, file=sys.stderr)
    print(f"{checked}: {f'{len(problems)} problem(s)' if problems else 'ok'}")
    return 1 if problems else 0
