"""The HTML report: one self-contained page (inline CSS and JS, no network).

    claimsift predict input=seeds output=predictions/seeds.jsonl report=predictions/seeds.html

At the top, the run's totals, the skipped files and a table with one row per
article (its class counts, the share of the scheme's ``highlight`` class,
e.g. allegations, sources named). Below, each article with its own summary
and its sentences coloured by predicted class; spans (SOURCE / CUE / CONTENT
for news) are highlighted inside them and the class probabilities show on
hover (the sentence's ``title``). Articles and records are streamed from the
output and its article log, so the page is written in flat memory.

The classes, their colours (in decision order, the default class grey) and
the highlight come from the summary's ``scheme`` (:func:`report_scheme`: the
classify run's recorded scheme), else from the counts.
"""

from __future__ import annotations

import itertools
from html import escape
from pathlib import Path
from typing import Iterator

from claimsift.io import atomic_path
from claimsift.predict.writer import iter_log, iter_records, log_path

# Class colours in decision order (then reused); the scheme's default class is grey, no label white.
PALETTE = ("#f7b2b2", "#b9d4f5", "#fbe29a", "#c8e6c9", "#e1bee7", "#ffe0b2", "#b2ebf2", "#f0f4c3")
DEFAULT_COLOUR, UNLABELLED_COLOUR = "#eeeeee", "#ffffff"
# Span styles in sorted type order (then reused): CONTENT, CUE, SOURCE for the news scheme.
SPAN_STYLES = ("border-bottom:2px dashed #1d4ed8", "border-bottom:3px solid #15803d;font-style:italic",
               "border-bottom:3px solid #c2410c;font-weight:600", "border-bottom:3px double #7c3aed")

CSS = """
body{font:15px/1.55 system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.15rem .5rem;text-align:left}
.legend span,.filters label{display:inline-block;margin:0 .6rem .3rem 0;padding:0 .4rem;border-radius:3px}
article.doc{border-top:2px solid #444;margin-top:2rem;padding-top:.5rem}
.meta{color:#666;font-size:.85em}.skipped li{color:#a00}
.sent{border-radius:3px;padding:1px 0;cursor:help}
.sent:hover{outline:1px solid #333}
mark.span{background:none;padding:0 1px}
"""

JS = """
document.querySelectorAll('.filters input').forEach(function(box){
  box.addEventListener('change',function(){document.body.classList.toggle('hide-'+box.value,!box.checked);});
});
document.body.dataset.ready='1';
"""


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def report_scheme(classes, span_types, recorded: dict | None, fallback=None) -> dict:
    """What the summary and the report say of the scheme: classes (the classifier's label map, None without
    one), span types, precedence, default class and highlight.

    ``recorded`` is the classify run's scheme (its label_map.json); a run from before schemes takes
    ``fallback`` (a Scheme: the active one) when its classes are the same, else plain class order.
    """
    spec = recorded
    if spec is None and fallback is not None and classes is not None and sorted(fallback.classes) == sorted(classes):
        spec = fallback.spec()
    spec = spec or {}
    order = [c for c in spec.get("precedence") or [] if c in (classes or [])]
    return {"name": spec.get("name"), "classes": list(classes) if classes is not None else None,
            "precedence": order + [c for c in classes or [] if c not in order],
            "default_class": spec.get("default_class"), "highlight": spec.get("highlight"),
            "span_types": sorted(span_types) if span_types else spec.get("span_types")}


def _css(view: dict) -> str:
    colours, k = {}, 0
    for c in view["precedence"]:
        if c == view.get("default_class"):
            colours[c] = DEFAULT_COLOUR
        else:
            colours[c], k = PALETTE[k % len(PALETTE)], k + 1
    colours["unlabelled"] = UNLABELLED_COLOUR
    css = CSS + "".join(f".c-{c}{{background:{col}}}\n" for c, col in colours.items())
    css += "".join(f"mark.{t}{{{SPAN_STYLES[i % len(SPAN_STYLES)]}}}\n" for i, t in enumerate(view["span_types"]))
    hide = ",".join(f"body.hide-{c} .sent[data-label={c}]" for c in view["precedence"])
    return css + (f"{hide}\n{{background:none!important}}\n" if hide else "")


def _view(overview: dict, output: Path) -> dict:
    """The overview's scheme, or one read off the counts and the records when the summary has none."""
    view = dict(overview.get("scheme") or {})
    if view.get("classes") is None:
        view["classes"] = list(overview.get("counts") or {})
    view.setdefault("precedence", list(view["classes"]))
    view["precedence"] = view["precedence"] or list(view["classes"])
    if view.get("span_types") is None:
        view["span_types"] = sorted({sp["type"] for r in iter_records(output) for sp in r.get("spans") or []})
    return view


def _counts_cells(counts: dict | None, classes: list[str]) -> str:
    return "".join(f"<td>{'–' if counts is None else counts.get(c, 0)}</td>" for c in classes)


def _share_cell(shares: dict | None, highlight: str | None) -> str:
    if not highlight:
        return ""
    return f"<td>{_pct(None if shares is None else shares.get(highlight))}</td>"


def _sources(sources: dict, limit: int | None = None) -> str:
    items = list(sources.items())[:limit] if limit else list(sources.items())
    return ", ".join(f'<span class="src">{escape(s)}</span> ×{n}' for s, n in items) or "–"


def _tooltip(rec: dict) -> str:
    label = rec["label"] or "unlabelled"
    probs = rec["probabilities"] or {}
    lines = [f"{c}: {100 * p:.1f}%" for c, p in sorted(probs.items(), key=lambda kv: -kv[1])]
    return "\n".join([label, *lines])


def render_sentence(rec: dict, span_types=None) -> str:
    """One sentence as a coloured span with its spans (of ``span_types``; None: any) highlighted."""
    text = rec["text"]
    label = rec["label"] or "unlabelled"
    parts, pos = [], 0
    for sp in sorted(rec["spans"] or [], key=lambda s: (s["start"], s["end"])):
        s, e = sp["start"], sp["end"]
        if s < pos or (span_types is not None and sp["type"] not in span_types):  # overlapping: show the first only
            continue
        parts.append(escape(text[pos:s]))
        parts.append(f'<mark class="span {sp["type"]}" data-type="{sp["type"]}" title="{sp["type"]}">'
                     f"{escape(text[s:e])}</mark>")
        pos = e
    parts.append(escape(text[pos:]))
    prob = (rec["probabilities"] or {}).get(rec["label"])
    prob_attr = "" if prob is None else f' data-prob="{prob:.4f}"'
    return (f'<span class="sent c-{label}" data-label="{label}" data-sent="{escape(rec["sent_id"])}"{prob_attr} '
            f'title="{escape(_tooltip(rec))}">{"".join(parts)}</span>')


def render_text(text: str, records: list[dict], span_types=None) -> str:
    """The cleaned article text, one <p> per line, with its sentences rendered in place."""
    out, pos = ["<p>"], 0
    for rec in sorted(records, key=lambda r: r["start"]):
        out.append(escape(text[pos:rec["start"]]).replace("\n", "</p>\n<p>"))
        out.append(render_sentence(rec, span_types))
        pos = rec["end"]
    out.append(escape(text[pos:]).replace("\n", "</p>\n<p>"))
    out.append("</p>")
    return "".join(out)


def _articles(output: Path) -> Iterator[tuple[dict, list[dict]]]:
    records = iter_records(output)
    for entry in iter_log(log_path(output)):
        recs = list(itertools.islice(records, entry["n_sentences"]))
        if len(recs) != entry["n_sentences"] or any(r["doc_id"] != entry["doc_id"] for r in recs):
            raise ValueError(f"{output}: records do not follow {log_path(output).name} at article {entry['doc_id']!r}")
        yield entry, recs


def write_report(path: str | Path, output: str | Path, overview: dict) -> Path:
    """Write the HTML page for ``output`` to ``path``; ``overview`` is the summary head (totals, skipped)."""
    output, path = Path(output), Path(path)
    view = _view(overview, output)
    classes, spans, highlight = view["precedence"], view["span_types"], view.get("highlight")
    head_cells = "".join(f"<th>{c}</th>" for c in classes)
    share_head = f"<th>share {escape(highlight)}</th>" if highlight else ""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                 f"<title>claimsift predictions: {escape(output.name)}</title><style>{_css(view)}</style></head><body>\n")
        fh.write(f"<h1>claimsift predictions</h1>\n<p class=\"meta\">{escape(str(output))} · runs: "
                 + escape(", ".join(f"{t}={r}" for t, r in (overview.get("runs") or {}).items() if r)) + "</p>\n")
        fh.write('<p class="legend">' + "".join(f'<span class="c-{c}">{c}</span>' for c in classes)
                 + (" · spans: " + " ".join(f'<mark class="span {t}">{t}</mark>' for t in spans) if spans else "")
                 + "</p>\n")
        fh.write('<p class="filters">Colour: ' + "".join(
            f'<label class="c-{c}"><input type="checkbox" value="{c}" checked> {c}</label>' for c in classes) + "</p>\n")
        fh.write(f'<table class="totals"><tr><th>articles</th><th>sentences</th>{head_cells}{share_head}</tr>'
                 f'<tr><td>{overview["n_articles"]}</td><td>{overview["n_sentences"]}</td>'
                 f'{_counts_cells(overview.get("counts"), classes)}{_share_cell(overview.get("shares"), highlight)}'
                 "</tr></table>\n")
        if overview.get("skipped"):
            fh.write(f'<h2>Skipped ({len(overview["skipped"])})</h2><ul class="skipped">' + "".join(
                f"<li>{escape(s['source'])}: {escape(s['reason'])}</li>" for s in overview["skipped"]) + "</ul>\n")
        fh.write(f'<h2>Articles</h2><table class="index"><tr><th>article</th><th>sentences</th>{head_cells}'
                 f"{share_head}<th>sources</th></tr>\n")
        for i, entry in enumerate(iter_log(log_path(output))):
            fh.write(f'<tr><td><a href="#doc-{i}">{escape(entry["doc_id"])}</a></td><td>{entry["n_sentences"]}</td>'
                     f'{_counts_cells(entry["counts"], classes)}{_share_cell(entry.get("shares"), highlight)}'
                     f'<td>{_sources(entry["sources"], 5)}</td></tr>\n')
        fh.write("</table>\n")
        for i, (entry, recs) in enumerate(_articles(output)):
            title = entry.get("title") or entry["doc_id"]
            fh.write(f'<article class="doc" id="doc-{i}" data-doc="{escape(entry["doc_id"])}">\n'
                     f'<h2>{escape(title)}</h2><p class="meta">{escape(entry["doc_id"])} · {escape(entry["source"])}</p>\n'
                     f'<table class="summary"><tr><th>sentences</th>{head_cells}{share_head}</tr>'
                     f'<tr><td>{entry["n_sentences"]}</td>{_counts_cells(entry["counts"], classes)}'
                     f'{_share_cell(entry.get("shares"), highlight)}</tr></table>\n'
                     f'<p class="sources">Sources: {_sources(entry["sources"])}</p>\n'
                     f'<div class="text">{render_text(entry["text"], recs, spans or None)}</div>\n</article>\n')
        fh.write(f"<script>{JS}</script>\n</body></html>\n")
    return path
