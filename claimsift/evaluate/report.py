"""Write one evaluation folder: ``metrics.json``, ``report.md``, plots, and the weak-label reference.

The folder is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from claimsift.evaluate.score import Scored
from claimsift.io import atomic_path, write_json, write_jsonl

METRICS_FILE = "metrics.json"
REFERENCE_FILE = "weak_reference.json"
PREDICTIONS_FILE = "predictions.jsonl"


def prediction_rows(scored: Scored) -> list[dict]:
    """One row per scored sentence: the truth and the prediction (class, confidence, probabilities, or spans)."""
    rows = []
    p = scored.predictions
    for i, rec in enumerate(scored.records):
        row = {"sent_id": rec.get("sent_id"), "doc_id": rec.get("doc_id"), "text": rec["text"]}
        if scored.task == "classify":
            row.update(label=rec["label"], pred=p.labels[i], confidence=round(float(p.proba[i].max()), 6),
                       probabilities={c: round(float(x), 6) for c, x in zip(p.classes, p.proba[i])})
        else:
            row.update(spans=rec["spans"], pred_spans=p.spans[i])
        rows.append(row)
    return rows


def write_eval_dir(out_dir: str | Path, scored: Scored, *, title: str, notes: list[str],
                   reference: Scored | None = None, extra: dict | None = None, banner: str | None = None) -> Path:
    """Write metrics, report and plots of ``scored`` into ``out_dir`` atomically; return the folder.

    ``banner`` (what the truth was, when it is not hand labels) heads the report.
    """
    out_dir = Path(out_dir)
    with atomic_path(out_dir, is_dir=True) as tmp:
        write_json(tmp / METRICS_FILE, scored.metrics)
        plots = []
        if scored.task == "classify":
            plots.append(plot_confusion(scored.confusion, scored.predictions.classes, tmp / "confusion.png", title))
            plots.append(plot_reliability(scored.bins, tmp / "reliability.png", title))
        write_jsonl(tmp / PREDICTIONS_FILE, prediction_rows(scored))
        if reference is not None:
            write_json(tmp / REFERENCE_FILE, reference.metrics)
        if extra:
            write_json(tmp / "details.json", extra)
        (tmp / "report.md").write_text(render_report(scored, title=title, notes=notes, reference=reference,
                                                     plots=[p.name for p in plots], banner=banner),
                                       encoding="utf-8")
    return out_dir


def render_report(scored: Scored, *, title: str, notes: list[str], reference: Scored | None,
                  plots: list[str], banner: str | None = None) -> str:
    """The markdown report of one evaluation, headed by ``banner`` when there is one."""
    m, p = scored.metrics, scored.prefix
    lines = [f"# {title}", ""]
    if banner:
        lines += [f"> **{banner}**", ""]
    lines += [f"- {n}" for n in notes]
    lines += [f"- Sentences scored: {int(m[f'{p}/n'])}. Intervals: 95% bootstrap over sentences.", ""]
    if scored.task == "classify":
        lines += _classify_section(scored, reference, plots)
    else:
        lines += _extract_section(scored, reference)
    return "\n".join(lines) + "\n"


def _ci(m: dict, key: str) -> str:
    if f"{key}_lo" not in m:
        return f"{m[key]:.3f}"
    return f"{m[key]:.3f} [{m[key + '_lo']:.3f}, {m[key + '_hi']:.3f}]"


def _classify_section(scored: Scored, reference: Scored | None, plots: list[str]) -> list[str]:
    m, p = scored.metrics, scored.prefix
    classes = scored.predictions.classes
    lines = ["## Summary", "", "| metric | value |", "|---|---|",
             f"| macro F1 | {_ci(m, f'{p}/macro_f1')} |",
             f"| weighted F1 | {m[f'{p}/weighted_f1']:.3f} |",
             f"| accuracy | {m[f'{p}/accuracy']:.3f} |",
             f"| expected calibration error | {m[f'{p}/ece']:.3f} |"]
    if reference is not None:
        r = reference.metrics
        lines.append(f"| weak labels (teacher) macro F1 | {_ci(r, f'{reference.prefix}/macro_f1')} |")
    lines += ["", "## Per class", "", "| class | precision | recall | F1 [95% CI] | support |", "|---|---|---|---|---|"]
    for c in classes:
        lines.append(f"| {c} | {m[f'{p}/precision_{c}']:.3f} | {m[f'{p}/recall_{c}']:.3f} | "
                     f"{_ci(m, f'{p}/f1_{c}')} | {int(m[f'{p}/support_{c}'])} |")
    lines.append(f"| macro | {m[f'{p}/macro_precision']:.3f} | {m[f'{p}/macro_recall']:.3f} | "
                 f"{_ci(m, f'{p}/macro_f1')} | |")
    lines.append(f"| weighted | {m[f'{p}/weighted_precision']:.3f} | {m[f'{p}/weighted_recall']:.3f} | "
                 f"{m[f'{p}/weighted_f1']:.3f} | |")
    lines += ["", "## Confusion matrix (rows gold, columns predicted)", "",
              "| gold \\ predicted | " + " | ".join(classes) + " |", "|---" * (len(classes) + 1) + "|"]
    for i, c in enumerate(classes):
        lines.append(f"| {c} | " + " | ".join(str(int(x)) for x in scored.confusion[i]) + " |")
    lines += ["", "## Calibration", "", "| confidence bin | sentences | mean confidence | accuracy |",
              "|---|---|---|---|"]
    for b in scored.bins:
        if b["count"]:
            lines.append(f"| {b['lo']:.1f}–{b['hi']:.1f} | {b['count']} | {b['confidence']:.3f} | {b['accuracy']:.3f} |")
    lines.append("")
    lines += [f"![{name}]({name})" for name in plots]
    lines += ["", "## Most confident mistakes", ""]
    if not scored.errors:
        lines.append("None.")
    else:
        lines += ["| p(pred) | gold | predicted | sentence |", "|---|---|---|---|"]
        for e in scored.errors:
            lines.append(f"| {e['prob']:.3f} | {e['gold']} | {e['pred']} | {_cell(e['text'])} |")
    return lines


def _extract_section(scored: Scored, reference: Scored | None) -> list[str]:
    m, p = scored.metrics, scored.prefix
    lines = ["## Summary", "", "| metric | value |", "|---|---|",
             f"| exact micro F1 (seqeval) | {_ci(m, f'{p}/micro_f1')} |",
             f"| overlap micro F1 | {_ci(m, f'{p}/overlap_micro_f1')} |"]
    if reference is not None:
        r, rp = reference.metrics, reference.prefix
        lines.append(f"| weak spans (teacher) exact micro F1 | {_ci(r, f'{rp}/micro_f1')} |")
        lines.append(f"| weak spans (teacher) overlap micro F1 | {_ci(r, f'{rp}/overlap_micro_f1')} |")
    lines += ["", "Exact: type and token boundaries equal (seqeval, default mode). Overlap: same type and at least "
              "one shared word token, pairs matched one-to-one, most shared tokens first.", "",
              "## Per span type", "",
              "| type | exact P | exact R | exact F1 [95% CI] | overlap P | overlap R | overlap F1 [95% CI] | support |",
              "|---|---|---|---|---|---|---|---|"]
    for t in scored.predictions.classes:
        lines.append(f"| {t} | {m[f'{p}/precision_{t}']:.3f} | {m[f'{p}/recall_{t}']:.3f} | "
                     f"{_ci(m, f'{p}/f1_{t}')} | {m[f'{p}/overlap_precision_{t}']:.3f} | "
                     f"{m[f'{p}/overlap_recall_{t}']:.3f} | {_ci(m, f'{p}/overlap_f1_{t}')} | "
                     f"{int(m[f'{p}/support_{t}'])} |")
    lines.append(f"| micro | {m[f'{p}/micro_precision']:.3f} | {m[f'{p}/micro_recall']:.3f} | "
                 f"{_ci(m, f'{p}/micro_f1')} | {m[f'{p}/overlap_micro_precision']:.3f} | "
                 f"{m[f'{p}/overlap_micro_recall']:.3f} | {_ci(m, f'{p}/overlap_micro_f1')} | |")
    lines += ["", "## Most confident mistakes", ""]
    if not scored.errors:
        lines.append("None.")
    else:
        lines += ["| max span score | missed | spurious | sentence | gold spans | predicted spans |",
                  "|---|---|---|---|---|---|"]
        for e in scored.errors:
            prob = "—" if e["prob"] != e["prob"] else f"{e['prob']:.3f}"
            lines.append(f"| {prob} | {e['missed']} | {e['spurious']} | {_cell(e['text'])} | {_cell(e['gold'])} | "
                         f"{_cell(e['pred'])} |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def plot_confusion(cm: np.ndarray, classes: list[str], path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=30, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(int(cm[i, j])), ha="center", va="center",
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_title(f"Confusion: {title}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_reliability(bins: list[dict], path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    width = bins[0]["hi"] - bins[0]["lo"]
    filled = [b for b in bins if b["count"]]
    ax.bar([b["lo"] for b in filled], [b["accuracy"] for b in filled], width=width, align="edge",
           edgecolor="black", alpha=0.7, label="accuracy")
    ax.plot([0, 1], [0, 1], "k--", label="perfect calibration")
    for b in filled:
        ax.text(b["lo"] + width / 2, 0.02, str(b["count"]), ha="center", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence of the predicted class")
    ax.set_ylabel("accuracy")
    ax.legend(loc="upper left")
    ax.set_title(f"Reliability: {title}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
