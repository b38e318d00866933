"""Annotators in the loop: pick sentences, send them to a running Label Studio, bring the labels back as gold.

    claimsift annotate select --predictions predictions/new.jsonl --n 50 --output annotate/next.jsonl
    claimsift annotate push annotate/next.jsonl                 # or a dataset folder / sentences.jsonl / predictions
    claimsift annotate push data/built/mix --limit 200 --project "mix round 1"
    claimsift annotate pull data/gold/round1.jsonl --project "mix round 1"
    claimsift annotate push predictions/weather.jsonl --scheme weather   # another scheme's classes
    python -m claimsift.annotate push ...

push and pull talk to Label Studio's REST API at ``LABEL_STUDIO_URL`` (default
in ``configs/annotate.yaml``) with the token in ``LABEL_STUDIO_API_KEY``.
How to run Label Studio, get a token and annotate: ``docs/annotate.md``.
"""

from __future__ import annotations

import argparse
import sys

from claimsift.annotate.labelstudio_api import LabelStudioError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="claimsift annotate", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    scheme = argparse.ArgumentParser(add_help=False)
    scheme.add_argument("--scheme", default=None,
                        help="the scheme whose classes and span types the project offers: a name in configs/scheme/ "
                             "or a .yaml file (default: a built dataset's own scheme when pushing one, else the "
                             "default scheme)")
    from claimsift.annotate.select import parser as select_parser

    # main() hands `select` to claimsift.annotate.select; its options are here for --help and checks
    sub.add_parser("select", parents=[select_parser()], add_help=False,
                   help="pick the next sentences to label by the models' uncertainty")
    u = sub.add_parser("push", parents=[scheme], help="send sentences with pre-annotations to a Label Studio project")
    u.add_argument("input", help="a built dataset (folder or sentences.jsonl), a predictions .jsonl/.csv "
                                 "or a selection .jsonl from `claimsift annotate select`")
    u.add_argument("--project", help="project title (default: configs/annotate.yaml's project)")
    u.add_argument("--url", help="Label Studio's URL (default: $LABEL_STUDIO_URL, then configs/annotate.yaml)")
    u.add_argument("--limit", type=int, help="send at most this many sentences (the first in the file)")
    u.add_argument("--include-gold", action="store_true",
                   help="also send sentences that already have a gold label (as annotations, to review)")
    g = sub.add_parser("pull", parents=[scheme], help="write the project's annotations as gold JSONL")
    g.add_argument("out", help="the gold .jsonl to write")
    g.add_argument("--project", help="project title (default: configs/annotate.yaml's project)")
    g.add_argument("--url", help="Label Studio's URL (default: $LABEL_STUDIO_URL, then configs/annotate.yaml)")
    g.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["select"]:
        from claimsift.annotate import select

        return select.main(argv[1:])
    args = _parser().parse_args(argv)
    from claimsift.annotate import sync

    try:
        s = sync.settings(args.url, args.project)
        if args.command == "push":
            if args.limit is not None and args.limit < 0:
                raise ValueError(f"--limit {args.limit}: expected 0 or more")
            summary = sync.push(args.input, s, args.limit, args.include_gold, args.scheme)
            left = ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in summary["left_out"].items() if n)
            print(f"{'created' if summary['created'] else 'reused'} project {s.project!r} "
                  f"(id {summary['project_id']}, scheme {summary['scheme']}): sent {summary['tasks']} task(s)"
                  + (f"; left out {left}" if left else "") + f"\nannotate at {summary['project_url']}")
            return 0
        n, skipped, problems = sync.pull(args.out, s, args.overwrite, args.scheme)
        for line in skipped + problems:
            print(line, file=sys.stderr)
        print(f"wrote {n} gold records from project {s.project!r} to {args.out} ({len(skipped)} task(s) "
              f"without an annotation skipped; {len(problems)} gold problem(s))")
        return 1 if problems else 0
    except (LabelStudioError, ValueError, FileNotFoundError) as exc:
        print(f"claimsift annotate {args.command}: {exc}", file=sys.stderr)
        return 1
