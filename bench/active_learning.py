"""Active learning simulated on PolNeAR's hand-labelled training sentences: uncertainty against random (issue 15).

    .venv/bin/python bench/active_learning.py                                  # 3 seeds; json, plot, tables
    .venv/bin/python bench/active_learning.py --seeds 0 --rounds 2 --no-write  # a quick look
    .venv/bin/python bench/active_learning.py --table                          # tables and plot from the json

The pool is every PolNeAR train sentence of ``data/built/mix`` with a gold
class (``claimsift label data=mix``); its labels stay hidden until a
sentence is selected. Each seed draws ``--start`` sentences at random (the
same start for every arm), then runs ``--rounds`` rounds of: fit the
classifier on the revealed sentences → ``claimsift.annotate.select.select``
picks ``--batch`` more from the rest → reveal their gold. After the start and
after each round the classifier is scored (macro-F1) on PolNeAR dev (source
``polnear``, split ``validation``, labelled whole) and on the seeds' gold
(source ``seeds``, split ``test``). An arm is ``strategy[:per_article]``
(``margin:2``: margin, at most two sentences of one article per batch;
``random``: uniform picks, no cap).

The classifier is ``model=baseline`` built from its config
(``claimsift.train.build_model``: TF-IDF + the labeling functions' votes and
span-rule findings, class-weighted logistic regression) and fitted in-process,
with one BLAS thread. Its rule features are read from the built dataset's
``lf_votes`` and ``spans`` (names and order from its ``meta.json``) instead of
rerunning the rules on every fit; they are checked first to be identical, on
every sentence, to what the configured model's own rule step computes. Writes ``bench/results/active_learning.json``,
``docs/active-learning.png`` and the "active_learning" section of
BENCHMARKS.md and docs/active-learning.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from collections.abc import Callable, Sequence

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _sections import write_section  # noqa: E402  (bench/ is on sys.path when run as a script)

RESULTS = Path(__file__).resolve().parent / "results" / "active_learning.json"
PLOT = Path("docs/active-learning.png")
DOC = Path("docs/active-learning.md")
SECTION = "active_learning"
# name → (source, split) of the built dataset; every sentence with a gold class is scored
EVAL_SETS = {"polnear_dev": ("polnear", "validation"), "seeds": ("seeds", "test")}
EVAL_TITLES = {"polnear_dev": "PolNeAR dev", "seeds": "seeds' gold"}
POOL = ("polnear", "train")


# ---------------------------------------------------------------- data


def gold_records(records: Sequence[dict], source: str, split: str) -> list[dict]:
    """The records of ``source`` / ``split`` that have a gold class, in dataset order."""
    return [r for r in records if r.get("source") == source and r.get("split") == split
            and r.get("gold_label") is not None]


class DatasetRules:
    """The baseline's rule features read from a built dataset: called on texts, returns their rows.

    Columns as :func:`claimsift.models.baseline.rule_features` lays them out (one per labeling function and
    class, then SOURCE / CUE / CONTENT found and none found), filled from each record's ``lf_votes`` and
    ``spans`` (what ``claimsift label`` stored), the functions and classes in the order of the dataset's
    ``meta.json`` (``lf_names``, ``classes``). ``check`` compares them with the configured model's own rule
    step. A text not in the dataset raises KeyError.
    """

    def __init__(self, records: Sequence[dict], lf_names: Sequence[str], classes: Sequence[str]):
        from scipy.sparse import csr_matrix

        n_cls, lf_col, cls_col = len(classes), {n: j for j, n in enumerate(lf_names)}, {c: k for k, c in enumerate(classes)}
        self.index: dict[str, int] = {}
        rows, cols = [], []
        for rec in records:
            if rec["text"] in self.index:
                continue  # the rules see only the text: a repeated sentence has the same row
            i = self.index[rec["text"]] = len(self.index)
            for vote in rec.get("lf_votes") or []:
                rows.append(i)
                cols.append(lf_col[vote["lf"]] * n_cls + cls_col[vote["label"]])
            types = {sp["type"] for sp in rec.get("spans") or []}
            for k, flag in enumerate(("SOURCE" in types, "CUE" in types, "CONTENT" in types, not types)):
                if flag:
                    rows.append(i)
                    cols.append(len(lf_names) * n_cls + k)
        self.matrix = csr_matrix((np.ones(len(rows)), (rows, cols)),
                                 shape=(len(self.index), len(lf_names) * n_cls + 4))

    def __call__(self, texts) -> np.ndarray:
        return self.matrix[[self.index[t] for t in texts]]

    def check(self, model) -> int:
        """Compare every row with ``model``'s own rule step run now; return how many sentences were checked.

        ``model`` is an unfitted ``model=baseline`` classifier as configured. Raises ValueError with the
        count of differing sentences (the dataset was built by other rules, or the columns moved).
        """
        step = dict(model._pipeline().named_steps["features"].transformer_list)["rules"]
        texts = list(self.index)
        fresh = step.fit_transform(texts)
        if fresh.shape != self.matrix.shape:
            raise ValueError(f"rule features: the model makes {fresh.shape[1]} columns, the dataset "
                             f"{self.matrix.shape[1]}; rebuild it (claimsift label data=mix)")
        differ = int(((fresh != self.matrix).sum(axis=1) > 0).sum())
        if differ:
            raise ValueError(f"{differ} of {len(texts)} sentences: the dataset's LF votes or spans differ from the "
                             "rules now; rebuild it (claimsift label data=mix)")
        return len(texts)


def baseline_factory(overrides: Sequence[str], rules: Callable | None) -> Callable[[int], object]:
    """``make_model(seed)``: an unfitted ``model=baseline`` classifier from the configs, reading ``rules``.

    ``rules`` replaces the pipeline's rule-feature function (``DatasetRules``); None keeps the model as
    configured (the rules rerun on every fit and prediction).
    """
    from claimsift.config import compose
    from claimsift.train import build_model

    def make_model(seed: int):
        cfg = compose("train", ["task=classify", "model=baseline", f"seed={seed}", *overrides])
        model = build_model(cfg)
        if rules is not None and model.lf_features:
            configured = model._pipeline

            def pipeline():
                pipe = configured()
                pipe.set_params(features__rules__func=rules, features__rules__kw_args=None)
                return pipe

            model._pipeline = pipeline  # this instance only: the features read from the dataset
        return model

    return make_model


# ---------------------------------------------------------------- the loop


def parse_arm(arm: str) -> tuple[str, int | None]:
    """``margin:2`` → ("margin", 2); ``random`` → ("random", None). Raises ValueError on a bad arm."""
    from claimsift.annotate.select import STRATEGIES

    strategy, _, cap = arm.partition(":")
    if strategy not in STRATEGIES:
        raise ValueError(f"arm {arm!r}: strategy must be one of {', '.join(STRATEGIES)}")
    if cap and (not cap.isdigit() or int(cap) < 0):
        raise ValueError(f"arm {arm!r}: the per-article cap must be a whole number (0: none)")
    return strategy, (int(cap) or None) if cap else None


def macro_f1(model, texts: Sequence[str], labels: Sequence[str]) -> float:
    """The evaluation code's macro-F1 (``claimsift.evaluate.metrics``) of ``model`` on one set."""
    from claimsift.evaluate.metrics import classification_metrics

    pred = model.predict(list(texts))
    return classification_metrics(list(labels), pred, model.classes_, "eval")["eval/macro_f1"]


def simulate(pool: Sequence[dict], eval_sets: dict[str, tuple[list[str], list[str]]],
             make_model: Callable[[int], object], *, arm: str, seed: int, start: int, batch: int, rounds: int,
             progress=None) -> list[dict]:
    """One seed of one arm: the start, then ``rounds`` rounds of select ``batch`` → reveal → retrain.

    ``pool`` records need ``sent_id``, ``doc_id``, ``text`` and ``gold_label``; the gold is copied out and hidden
    (``gold_label: None``) until a sentence is selected, so ``select`` sees only revealed labels as gold.
    ``eval_sets`` maps a name to (texts, gold labels). The start is ``start`` sentences drawn with ``seed``
    (the same for every arm). Returns one point per fit: ``round``, ``labelled``, ``class_counts`` (of the
    revealed gold), ``seconds`` and the macro-F1 on each eval set. Raises ValueError when the pool is smaller
    than the start or an arm is malformed.
    """
    from claimsift.annotate.select import select

    strategy, per_article = parse_arm(arm)
    if start > len(pool):
        raise ValueError(f"start={start}: the pool has only {len(pool)} sentences")
    hidden = [r["gold_label"] for r in pool]
    work = [{**r, "gold_label": None} for r in pool]
    index = {r["sent_id"]: i for i, r in enumerate(work)}
    if len(index) != len(work):
        raise ValueError("pool: sent_id is not unique")
    texts = [r["text"] for r in work]

    def reveal(ids) -> None:
        for i in ids:
            work[i]["gold_label"] = hidden[i]

    reveal(np.random.default_rng(seed).choice(len(work), start, replace=False))
    curve = []
    for rnd in range(rounds + 1):
        t0 = time.perf_counter()
        labelled = [i for i, r in enumerate(work) if r["gold_label"] is not None]
        model = make_model(seed).fit([texts[i] for i in labelled], [hidden[i] for i in labelled])
        point = {"round": rnd, "labelled": len(labelled),
                 "class_counts": dict(sorted(Counter(hidden[i] for i in labelled).items()))}
        for name, (eval_texts, eval_labels) in eval_sets.items():
            point[name] = macro_f1(model, eval_texts, eval_labels)
        if rnd < rounds:
            proba = model.predict_proba(texts) if strategy != "random" else np.full((len(work), 2), 0.5)
            chosen = select(work, proba, batch, strategy, per_article, seed=seed * 1000 + rnd)
            reveal(index[c["sent_id"]] for c in chosen)
            point["selected"] = len(chosen)
        point["seconds"] = round(time.perf_counter() - t0, 3)
        curve.append(point)
        if progress is not None:
            progress.update(1)
    return curve


# ---------------------------------------------------------------- the whole measurement


def measure(args) -> dict:
    from tqdm import tqdm

    from claimsift.data.dataset import load_meta, load_records

    t_start = time.perf_counter()
    records = load_records(args.data)
    pool = gold_records(records, *POOL)
    evals = {name: gold_records(records, *where) for name, where in EVAL_SETS.items()}
    for name, rows in {"pool": pool, **evals}.items():
        if not rows:
            raise ValueError(f"{args.data}: no gold-labelled sentences for {name}; build it with claimsift label data=mix")
    eval_sets = {name: ([r["text"] for r in rows], [r["gold_label"] for r in rows]) for name, rows in evals.items()}
    meta = load_meta(args.data if args.data.is_dir() else args.data.parent)
    rules = DatasetRules([*pool, *(r for rows in evals.values() for r in rows)], meta["lf_names"], meta["classes"])
    t0 = time.perf_counter()
    checked = rules.check(baseline_factory(args.override, None)(0))
    check_seconds = time.perf_counter() - t0
    make_model = baseline_factory(args.override, rules)

    arms = [a for a in args.arms.split(",") if a]
    for arm in arms:
        parse_arm(arm)
    seeds = [int(s) for s in args.seeds.split(",")]
    curves: dict[str, dict[str, list[dict]]] = {arm: {} for arm in arms}
    with tqdm(total=len(arms) * len(seeds) * (args.rounds + 1), desc="active learning", unit="fit") as bar:
        for seed in seeds:
            for arm in arms:
                bar.set_postfix_str(f"seed {seed} {arm}")
                curves[arm][str(seed)] = simulate(pool, eval_sets, make_model, arm=arm, seed=seed, start=args.start,
                                                  batch=args.batch, rounds=args.rounds, progress=bar)
    t0 = time.perf_counter()
    full = make_model(seeds[0]).fit([r["text"] for r in pool], [r["gold_label"] for r in pool])
    reference = {"labelled": len(pool), "seconds": round(time.perf_counter() - t0, 2),
                 **{name: macro_f1(full, *eval_sets[name]) for name in eval_sets}}
    return {
        "command": "bench/active_learning.py " + " ".join(args.argv),
        "data": str(args.data), "pool": {"source": POOL[0], "split": POOL[1], "n": len(pool),
                                         "articles": len({r["doc_id"] for r in pool}),
                                         "class_counts": dict(sorted(Counter(r["gold_label"] for r in pool).items()))},
        "eval_sets": {name: {"source": EVAL_SETS[name][0], "split": EVAL_SETS[name][1], "n": len(evals[name])}
                      for name in evals},
        "start": args.start, "batch": args.batch, "rounds": args.rounds, "seeds": seeds, "arms": arms,
        "model": {"config": "model=baseline", "overrides": list(args.override)},
        "rule_features": {"read_from": "lf_votes and spans of the built dataset",
                          "checked_sentences": checked, "check_seconds": round(check_seconds, 1)},
        "reference_full_pool": reference,
        "curves": curves,
        "seconds": round(time.perf_counter() - t_start, 1),
        "machine": machine(),
    }


def machine() -> str:
    import sklearn

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores shared with other jobs "
            f"(load average {load} at the end), python {platform.python_version()}, scikit-learn {sklearn.__version__}")


# ---------------------------------------------------------------- reporting


def summary(result: dict, arm: str, name: str) -> list[tuple[int, float, float, list[float]]]:
    """Per round: (labelled, mean, sd, per-seed values) of ``name``'s macro-F1 for ``arm``."""
    runs = list(result["curves"][arm].values())
    out = []
    for rnd in range(len(runs[0])):
        vals = [run[rnd][name] for run in runs]
        sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
        out.append((runs[0][rnd]["labelled"], statistics.fmean(vals), sd, vals))
    return out


def area(result: dict, arm: str, name: str) -> list[float]:
    """Per seed, the mean macro-F1 over rounds 1..R (the area under the learning curve, start excluded)."""
    return [statistics.fmean(p[name] for p in run[1:]) for run in result["curves"][arm].values()]


STRATEGY_WORDS = {"margin": "the smallest margin between the two most probable classes",
                  "entropy": "the highest entropy of the class probabilities", "random": "uniform picks"}


def describe_arm(arm: str) -> str:
    strategy, cap = parse_arm(arm)
    return f"`{arm}` = {STRATEGY_WORDS[strategy]}, " + (f"at most {cap} of one article per batch" if cap else "no cap")


def render(result: dict) -> str:
    arms, names = result["arms"], list(EVAL_SETS)
    ref = result["reference_full_pool"]
    pool = result["pool"]
    lines = [
        "## Active learning",
        "",
        (f"Measured by `.venv/bin/python {result['command'].strip()}` in {result['seconds'] / 60:.1f} minutes "
         f"on {result['machine']}."),
        f"Pool: the {pool['n']:,} hand-labelled PolNeAR train sentences of `{result['data']}` "
        f"({pool['articles']} articles; {', '.join(f'{k} {v}' for k, v in pool['class_counts'].items())}), "
        "labels hidden until selected. "
        f"Start: {result['start']} random sentences (the same for every arm of a seed); then {result['rounds']} rounds of "
        f"select {result['batch']} → reveal → retrain `model=baseline` (TF-IDF + rule features, built from its "
        "config, fitted in-process; rule features read from the dataset, checked identical to the rules on "
        f"{result['rule_features']['checked_sentences']:,} sentences). "
        f"Macro-F1, mean ± sd over seeds {', '.join(map(str, result['seeds']))}; "
        f"PolNeAR dev = source polnear, split validation ({result['eval_sets']['polnear_dev']['n']:,} sentences), "
        f"seeds = the seeds' gold ({result['eval_sets']['seeds']['n']} sentences, intervals about ±0.08). "
        "Arms: " + "; ".join(describe_arm(a) for a in arms) + ".",
        "",
        "| labelled | " + " | ".join(f"{a} {EVAL_TITLES[n]}" for n in names for a in arms) + " |",
        "|---:|" + "---:|" * (len(names) * len(arms)),
    ]
    tables = {(a, n): summary(result, a, n) for a in arms for n in names}
    for rnd in range(result["rounds"] + 1):
        cells = [f"{tables[(a, n)][rnd][1]:.3f} ± {tables[(a, n)][rnd][2]:.3f}" for n in names for a in arms]
        lines.append(f"| {tables[(arms[0], names[0])][rnd][0]:,} | " + " | ".join(cells) + " |")
    lines.append(f"| all {ref['labelled']:,} (reference) | "
                 + " | ".join(f"{ref[n]:.3f}" for n in names for _ in arms) + " |")
    lines += ["", "Mean macro-F1 over rounds 1-" + str(result["rounds"]) + " (area under the curve, per-seed mean ± sd) "
              "and, at the last round, the labelled sentences of each class (mean over seeds):", "",
              "| arm | " + " | ".join(f"area {EVAL_TITLES[n]}" for n in names) + " | last-round class counts |",
              "|---|" + "---:|" * len(names) + "---|"]
    for a in arms:
        areas = [area(result, a, n) for n in names]
        last = [run[-1]["class_counts"] for run in result["curves"][a].values()]
        classes = sorted({c for counts in last for c in counts})
        counts = ", ".join(f"{c} {statistics.fmean(x.get(c, 0) for x in last):.0f}" for c in classes)
        lines.append(f"| {a} | " + " | ".join(f"{statistics.fmean(v):.3f} ± {statistics.stdev(v) if len(v) > 1 else 0:.3f}"
                                              for v in areas) + f" | {counts} |")
    lines += ["", ("Plot: [docs/active-learning.png](docs/active-learning.png); "
                   "the selector and the findings: [docs/active-learning.md](docs/active-learning.md).")]
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(EVAL_SETS)
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4), sharex=True)
    for ax, name in zip(np.atleast_1d(axes), names):
        for arm in result["arms"]:
            rows = summary(result, arm, name)
            x = np.array([r[0] for r in rows])
            mean, sd = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
            line, = ax.plot(x, mean, marker="o", ms=3, label=arm, ls="--" if arm.startswith("random") else "-")
            ax.fill_between(x, mean - sd, mean + sd, alpha=0.2, color=line.get_color())
        ref = result["reference_full_pool"]
        ax.axhline(ref[name], color="grey", lw=0.8, ls=":", label=f"all {ref['labelled']:,} labelled")
        ax.set_title(f"{EVAL_TITLES[name]} ({result['eval_sets'][name]['n']:,} sentences)")
        ax.set_xlabel("labelled pool sentences")
        ax.set_ylabel("macro-F1")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend(loc="lower right", fontsize=8)
    fig.suptitle(f"model=baseline, mean ± sd over seeds {', '.join(map(str, result['seeds']))}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("data/built/mix"), help="the built dataset (data=mix)")
    ap.add_argument("--arms", default="margin:2,entropy:2,random", help="strategy[:per-article cap], comma-separated")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--start", type=int, default=100, help="random sentences revealed before round 1")
    ap.add_argument("--batch", type=int, default=100, help="sentences selected per round")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--override", action="append", default=[], help="extra Hydra override for the model, repeatable")
    ap.add_argument("--table", action="store_true", help="only rebuild tables and plot from the saved json")
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args(argv)
    args.argv = argv
    if args.table:
        result = json.loads(RESULTS.read_text(encoding="utf-8"))
    else:
        import sklearn.linear_model  # noqa: F401  (loads scipy's BLAS now, so the limit below reaches it too)
        from threadpoolctl import threadpool_limits

        try:
            # One BLAS thread: each fit is small, and with the cores shared two threads made L-BFGS about
            # ten times slower here (0.5 s vs 7 s a fit on 1,100 sentences).
            with threadpool_limits(limits=1):
                result = measure(args)
        except (ValueError, FileNotFoundError) as exc:
            print(f"bench/active_learning.py: {exc}", file=sys.stderr)
            return 1
    section = render(result)
    print(section)
    if not args.no_write:
        from claimsift.io import write_json

        if not args.table:
            write_json(RESULTS, result)
        plot(result, PLOT)
        write_section(Path("BENCHMARKS.md"), SECTION, section)
        if DOC.is_file():
            body = section.split("\n", 2)[2]  # the doc has its own heading above the section
            write_section(DOC, SECTION, body.replace("](docs/", "]("))
    return 0


if __name__ == "__main__":
    sys.exit(main())
