"""Which PolNeAR sentences were hand-labelled with the four classes, and how they were batched.

    python -m claimsift.gold.polnear_select data/built/polnear /tmp/batches

Reproduces the annotation batches of ``data/gold/polnear/`` from the built
PolNeAR dataset (``claimsift label data=polnear``), seed 13:

1. **Whole articles**: 80 train and 16 dev articles drawn at random; every
   sentence of each is labelled (the real class mix, splits by article).
2. **Picked sentences** from the other articles, to reach the rare classes
   (allegation, official_statement). The rule only proposes candidates; an
   annotator decides every label:
   - allegation candidates: the sentence has a PolNeAR attribution (or a
     hedge: reportedly, allegedly, suspected) and a wrongdoing word
     (:data:`WRONG`), or its weak label is allegation;
   - official candidates: otherwise, a PolNeAR SOURCE span holds an office
     word or name (:data:`OFFICIAL`), or its weak label is official_statement.
   520 + 300 picked from train, 140 + 80 from dev, shuffled.
3. **Second pass**: 300 sentences (75 per weak label) from the dev articles,
   the picks and 20 of the train articles, for an independent annotator.
4. **Round 2** (``--round2 LABELS``): allegations stayed rare (about 15% of
   the round-1 allegation candidates were allegations), so the second round
   ranks the sentences not yet labelled that carry an attribution or a hedge
   by a TF-IDF logistic regression (allegation against the rest) fitted on
   the round-1 labels, and sends the top 900 of train and top 400 of dev to
   the annotators, in 5 batches, with two sentences of context each.
5. **Round 3** (``--round3 LABELS``): the same ranking refitted on rounds 1-2
   picks the top 1000 unlabelled train sentences; and every dev sentence not
   yet labelled is labelled, article by article (already labelled sentences
   shown as context), so the dev compartment ends up labelled whole.
6. **Round 4** (``--round4 LABELS``): the ranking refitted on rounds 1-3, top
   1000 unlabelled train sentences (train allegations were still under 400).
7. Round 5 (``--round5 LABELS``): the same ranking refitted on rounds 1-4 over
   the unlabelled attributed train sentences holding a strong accusation word
   (:data:`STRONG`), top 300, in 2 batches.
8. Round 6 (``--round6 LABELS``): the ranking refitted on rounds 1-5, top 300
   unlabelled train sentences, in 2 batches (train allegations stood at 397).

The batch files hold PolNeAR's text, so they are written outside the
repository; the repository keeps only the standoff labels.
"""

from __future__ import annotations

import collections
import json
import random
import re
import sys
from pathlib import Path

# A tool of the news scheme's PolNeAR gold: its classes, from the scheme's own module.
from claimsift.schemes.news.lfs import ALLEGATION, ATTRIBUTED_CLAIM, BACKGROUND, OFFICIAL_STATEMENT

WRONG = re.compile(
    r"\b(accus\w*|alleg\w*|charg\w*|crim\w*|fraud\w*|illegal\w*|brib\w*|corrupt\w*|assault\w*|rap(e|ed|ist)|"
    r"harass\w*|murder\w*|kill\w*|abus\w*|cover[- ]?up|violat\w*|launder\w*|st(eal|ole|olen)|theft|scam\w*|"
    r"embezzl\w*|terror\w*|indict\w*|convict\w*|guilty|rigg\w*|hack\w*|obstruct\w*|perjur\w*|misconduct|"
    r"discriminat\w*|lied|lying|felon\w*|extort\w*|conspir\w*|smuggl\w*|tortur\w*|blam\w*|confess\w*|"
    r"responsib\w*|mishandl\w*|destroy\w*|deleted|shot|shoot\w*|bomb\w*|attack\w*|pay[- ]to[- ]play|collu\w*|"
    r"defraud\w*|evad\w*|evasion)\b", re.I)
OFFICIAL = re.compile(
    r"\b(President|White House|Sen\.|Senator|Rep\.|Representative|Gov\.|Governor|Secretary|Department|FBI|police|"
    r"officials?|spokes(man|woman|person)|Pentagon|judge|court|Justice|Attorney General|prosecutor\w*|mayor|"
    r"Congress\w*|commission\w*|agency|sheriff|military|ambassador|minister|Comey|Kerry|Obama|Biden|Earnest|Ryan|"
    r"McConnell|Pelosi|Reid|Pence|Kaine|Lynch|Putin|Netanyahu|lawmakers?|legislat\w*|State Department|"
    r"administration|chief|director|general|authorities|government)\b")
N_WHOLE = {"train": 80, "dev": 16}
N_PICK = {"train": (520, 300), "dev": (140, 80)}
N_BATCHES = 5


def _source_text(s: dict) -> str:
    return " ".join(x["text"] for x in (s["gold_spans"] or []) if x["type"] == "SOURCE")


def _attributed(s: dict) -> bool:
    return bool(s["gold_spans"]) or bool(re.search(r"\b(reportedly|allegedly|suspected)\b", s["text"], re.I))


def select(sentences: list[dict], articles: list[dict], seed: int = 13) -> dict:
    """The selection: whole articles, picks and the second-pass sample, as sentence records."""
    rng = random.Random(seed)
    by_doc = collections.defaultdict(list)
    for s in sentences:
        by_doc[s["doc_id"]].append(s)
    train = sorted(a["doc_id"] for a in articles if a["split"] == "train")
    dev = sorted(a["doc_id"] for a in articles if a["split"] == "validation")
    rng.shuffle(train)
    rng.shuffle(dev)
    whole = {"train": train[:N_WHOLE["train"]], "dev": dev[:N_WHOLE["dev"]]}
    rest = {"train": train[N_WHOLE["train"]:], "dev": dev[N_WHOLE["dev"]:]}

    def pick(docs, n_alleg, n_off):
        pool = [s for d in docs for s in by_doc[d]]
        al = [s for s in pool if _attributed(s) and (WRONG.search(s["text"]) or s["weak_label"] == ALLEGATION)]
        off = [s for s in pool if s not in al and (OFFICIAL.search(_source_text(s))
                                                   or s["weak_label"] == OFFICIAL_STATEMENT)]
        rng.shuffle(al)
        rng.shuffle(off)
        return al[:n_alleg] + off[:n_off]

    picks = {comp: pick(rest[comp], *N_PICK[comp]) for comp in ("train", "dev")}
    return {"by_doc": by_doc, "whole": whole, "picks": picks, "rng": rng}


def write_batches(sentences: list[dict], articles: list[dict], out: Path, seed: int = 13) -> dict:
    """Write batch{1..5}.txt, second_pass.txt and manifest.json (sent_id → [article|picked, compartment])."""
    sel = select(sentences, articles, seed)
    by_doc, rng = sel["by_doc"], sel["rng"]
    units = [(comp, d, by_doc[d]) for comp in ("train", "dev") for d in sel["whole"][comp]]
    picks = [("train", s) for s in sel["picks"]["train"]] + [("dev", s) for s in sel["picks"]["dev"]]
    rng.shuffle(picks)
    batches, pbatches, sizes = [[] for _ in range(N_BATCHES)], [[] for _ in range(N_BATCHES)], [0] * N_BATCHES
    for u in sorted(units, key=lambda u: -len(u[2])):
        i = sizes.index(min(sizes))
        batches[i].append(u)
        sizes[i] += len(u[2])
    for p in picks:
        i = sizes.index(min(sizes))
        pbatches[i].append(p)
        sizes[i] += 1
    out.mkdir(parents=True, exist_ok=True)
    manifest = {}

    def context(s):
        k = by_doc[s["doc_id"]].index(s)
        return [f"CONTEXT\t{c['text']}" for c in by_doc[s["doc_id"]][max(0, k - 2):k]]

    for i in range(N_BATCHES):
        lines = []
        for comp, d, sents in sorted(batches[i], key=lambda u: u[1]):
            lines.append(f"## ARTICLE {d} (whole article, every sentence)")
            for s in sents:
                lines.append(f"{s['sent_id']}\t{s['text']}")
                manifest[s["sent_id"]] = ["article", comp]
            lines.append("")
        lines += ["## PICKED SENTENCES (one from another article each; CONTEXT lines are the sentences before "
                  "it, not to label)", ""]
        for comp, s in pbatches[i]:
            lines += context(s) + [f"{s['sent_id']}\t{s['text']}", ""]
            manifest[s["sent_id"]] = ["picked", comp]
        (out / f"batch{i + 1}.txt").write_text("\n".join(lines), encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    cand = ([s for d in sel["whole"]["dev"] for s in by_doc[d]] + [s for _, s in picks]
            + [s for d in sel["whole"]["train"][:20] for s in by_doc[d]])
    by_weak = collections.defaultdict(list)
    for s in cand:
        by_weak[s["weak_label"]].append(s)
    second = []
    for lab in (ALLEGATION, OFFICIAL_STATEMENT, ATTRIBUTED_CLAIM, BACKGROUND):
        rng.shuffle(by_weak[lab])
        second += by_weak[lab][:75]
    rng.shuffle(second)
    lines = ["## SENTENCES (CONTEXT lines are the sentences before each, not to label)", ""]
    for s in second:
        lines += context(s) + [f"{s['sent_id']}\t{s['text']}", ""]
    (out / "second_pass.txt").write_text("\n".join(lines), encoding="utf-8")
    return {"batches": sizes, "second_pass": len(second), "labelled": len(manifest)}


N_ROUND2 = {"train": 900, "validation": 400}


STRONG = re.compile(r"\b(alleg\w*|accus\w*|charged with|indict\w*|violat\w*|lawsuit|sued|pleaded guilty|"
                    r"hack(ed|ing)|brib\w*|fraud\w*|illegal(ly)?|cover[- ]?up|obstruct\w*|perjur\w*|launder\w*)\b",
                    re.I)


def round2_candidates(sentences: list[dict], labelled: dict[str, str], seed: int = 13,
                      counts: dict[str, int] = N_ROUND2, pattern: re.Pattern | None = None) -> list[dict]:
    """Unlabelled attributed sentences ranked by a round-1 allegation model; the top of each split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    known = [s for s in sentences if s["sent_id"] in labelled]
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    x = vec.fit_transform([s["text"] for s in known])
    y = [labelled[s["sent_id"]] == ALLEGATION for s in known]
    clf = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, random_state=seed).fit(x, y)
    out = []
    for split, n in counts.items():
        pool = [s for s in sentences if s["split"] == split and s["sent_id"] not in labelled and _attributed(s)
                and (pattern is None or pattern.search(s["text"]))]
        p = clf.predict_proba(vec.transform([s["text"] for s in pool]))[:, 1]
        order = sorted(range(len(pool)), key=lambda i: (-p[i], pool[i]["sent_id"]))
        out += [pool[i] for i in order[:n]]
    return out


def write_round2(sentences: list[dict], labelled: dict[str, str], out: Path, seed: int = 13,
                 name: str = "r2", counts: dict[str, int] = N_ROUND2, pattern: re.Pattern | None = None,
                 n_batches: int = N_BATCHES) -> dict:
    by_doc = collections.defaultdict(list)
    for s in sentences:
        by_doc[s["doc_id"]].append(s)
    cands = round2_candidates(sentences, labelled, seed, counts, pattern)
    random.Random(seed).shuffle(cands)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for i in range(n_batches):
        lines = ["## PICKED SENTENCES (one from another article each; CONTEXT lines are the sentences before "
                 "it, not to label)", ""]
        for s in cands[i::n_batches]:
            k = by_doc[s["doc_id"]].index(s)
            lines += [f"CONTEXT\t{c['text']}" for c in by_doc[s["doc_id"]][max(0, k - 2):k]]
            lines += [f"{s['sent_id']}\t{s['text']}", ""]
            manifest[s["sent_id"]] = ["picked", "train" if s["split"] == "train" else "dev"]
        (out / f"{name}_batch{i + 1}.txt").write_text("\n".join(lines), encoding="utf-8")
    (out / f"{name}_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return {name: len(cands)}


def write_round3(sentences: list[dict], labelled: dict[str, str], out: Path, seed: int = 13) -> dict:
    by_doc = collections.defaultdict(list)
    for s in sentences:
        by_doc[s["doc_id"]].append(s)
    train = round2_candidates(sentences, labelled, seed, {"train": 1000})
    random.Random(seed).shuffle(train)
    dev_docs = sorted({s["doc_id"] for s in sentences if s["split"] == "validation"
                       and s["sent_id"] not in labelled})
    units = [("dev", d) for d in dev_docs] + [("train", s) for s in train]
    sizes, batches = [0] * N_BATCHES, [[] for _ in range(N_BATCHES)]
    for kind, u in units:
        i = sizes.index(min(sizes))
        batches[i].append((kind, u))
        sizes[i] += sum(s["sent_id"] not in labelled for s in by_doc[u]) if kind == "dev" else 1
    out.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for i, batch in enumerate(batches):
        lines = []
        for kind, u in batch:
            if kind == "dev":
                lines.append(f"## ARTICLE {u} (label the sentences with an id; CONTEXT lines are labelled already)")
                for s in by_doc[u]:
                    if s["sent_id"] in labelled:
                        lines.append(f"CONTEXT\t{s['text']}")
                    else:
                        lines.append(f"{s['sent_id']}\t{s['text']}")
                        manifest[s["sent_id"]] = ["article", "dev"]
                lines.append("")
            else:
                k = by_doc[u["doc_id"]].index(u)
                lines += ["## PICKED SENTENCE"] + [f"CONTEXT\t{c['text']}" for c in by_doc[u["doc_id"]][max(0, k - 2):k]]
                lines += [f"{u['sent_id']}\t{u['text']}", ""]
                manifest[u["sent_id"]] = ["picked", "train"]
        (out / f"r3_batch{i + 1}.txt").write_text("\n".join(lines), encoding="utf-8")
    (out / "r3_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return {"round3": len(manifest), "batches": sizes}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 4) or (len(args) == 4 and args[2] not in ("--round2", "--round3", "--round4", "--round5", "--round6")):
        print("usage: python -m claimsift.gold.polnear_select BUILT_POLNEAR_DIR OUT_DIR [--round2|...|--round6 STANDOFF_DIR]",
              file=sys.stderr)
        return 2
    from claimsift.data.dataset import load_records
    from claimsift.io import read_jsonl

    built, out = Path(args[0]), Path(args[1])
    sentences = load_records(built)
    if len(args) == 4:
        from claimsift.data.standoff import read_standoff

        by_key = {(s["doc_id"], s["start"], s["end"]): s["sent_id"] for s in sentences}
        records, _ = read_standoff(Path(args[3]))
        labelled = {by_key[(r["doc_id"], r["start"], r["end"])]: r["label"] for r in records
                    if (r["doc_id"], r["start"], r["end"]) in by_key}
        if args[2] == "--round6":
            print(write_round2(sentences, labelled, out, name="r6", counts={"train": 300}, n_batches=2))
        elif args[2] == "--round5":
            print(write_round2(sentences, labelled, out, name="r5", counts={"train": 300}, pattern=STRONG,
                               n_batches=2))
        elif args[2] == "--round4":
            print(write_round2(sentences, labelled, out, name="r4", counts={"train": 1000}))
        else:
            print((write_round2 if args[2] == "--round2" else write_round3)(sentences, labelled, out))
        return 0
    print(write_batches(sentences, read_jsonl(built / "articles.jsonl"), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
