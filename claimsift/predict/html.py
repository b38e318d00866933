"""The HTML report: one self-contained page (inline CSS and JS, no network).

    claimsift predict input=seeds output=predictions/seeds.jsonl report=predictions/seeds.html

At the top, the run's totals, the skipped files and a table with one row per
article (its class counts, share of allegations, sources named). Below, each
article with its own summary and its sentences coloured by predicted class;
SOURCE / CUE / CONTENT spans are highlighted inside them and the class
probabilities show on hover (the sentence's ``title``). Articles and records
are streamed from the output and its article log, so the page is written in
flat memory.
"""

from __future__ import annotations

import itertools
from html import escape
from pathlib import Path
from typing import Iterator

from claimsift.io import atomic_path
from claimsift.labels import CLASSES, SPAN_TYPES
from claimsift.predict.writer import iter_log, iter_records, log_path

COLOURS = {"allegation": "#f7b2b2", "official_statement": "#b9d4f5", "attributed_claim": "#fbe29a",
           "background": "#eeeeee", "unlabelled": "#ffffff"}

CSS = """
body{font:15px/1.55 system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.15rem .5rem;text-align:left}
.legend span,.filters label{display:inline-block;margin:0 .6rem .3rem 0;padding:0 .4rem;border-radius:3px}
article.doc{border-top:2px solid #444;margin-top:2rem;padding-top:.5rem}
.meta{color:#666;font-size:.85em}.skipped li{color:#a00}
.sent{border-radius:3px;padding:1px 0;cursor:help}
.sent:hover{outline:1px solid #333}
mark.span{background:none;padding:0 1px}
mark.SOURCE{border-bottom:3px solid #c2410c;font-weight:600}
mark.CUE{border-bottom:3px solid #15803d;font-style:italic}
mark.CONTENT{border-bottom:2px dashed #1d4ed8}
body.hide-allegation .sent[data-label=allegation],body.hide-official_statement .sent[data-label=official_statement],
body.hide-attributed_claim .sent[data-label=attributed_claim],body.hide-background .sent[data-label=background]
{background:none!important}
""" + "".join(f".c-{c}{{background:{col}}}\n" for c, col in COLOURS.items())

JS = """
document.querySelectorAll('.filters input').forEach(function(box){
  box.addEventListener('change',function(){document.body.classList.toggle('hide-'+box.value,!box.checked);});
});
document.body.dataset.ready='1';
"""


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _counts_cells(counts: dict | None) -> str:
    return "".join(f"<td>{'–' if counts is None else counts.get(c, 0)}</td>" for c in CLASSES)


def _sources(sources: dict, limit: int | None = None) -> str:
    items = list(sources.items())[:limit] if limit else list(sources.items())
    return ", ".join(f'<span class="src">{escape(s)}</span> ×{n}' for s, n in items) or "–"


def _tooltip(rec: dict) -> str:
    label = rec["label"] or "unlabelled"
    probs = rec["probabilities"] or {}
    lines = [f"{c}: {100 * p:.1f}%" for c, p in sorted(probs.items(), key=lambda kv: -kv[1])]
    return "\n".join([label, *lines])


def render_sentence(rec: dict) -> str:
    """One sentence as a coloured span with its attribution spans highlighted."""
    text = rec["text"]
    label = rec["label"] or "unlabelled"
    parts, pos = [], 0
    for sp in sorted(rec["spans"] or [], key=lambda s: (s["start"], s["end"])):
        s, e = sp["start"], sp["end"]
        if s < pos or sp["type"] not in SPAN_TYPES:  # overlapping span: show the first only
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


def render_text(text: str, records: list[dict]) -> str:
    """The cleaned article text, one <p> per line, with its sentences rendered in place."""
    out, pos = ["<p>"], 0
    for rec in sorted(records, key=lambda r: r["start"]):
        out.append(escape(text[pos:rec["start"]]).replace("\n", "</p>\n<p>"))
        out.append(render_sentence(rec))
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
    head_cells = "".join(f"<th>{c}</th>" for c in CLASSES)
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                 f"<title>claimsift predictions: {escape(output.name)}</title><style>{CSS}</style></head><body>\n")
        fh.write(f"<h1>claimsift predictions</h1>\n<p class=\"meta\">{escape(str(output))} · runs: "
                 + escape(", ".join(f"{t}={r}" for t, r in (overview.get("runs") or {}).items() if r)) + "</p>\n")
        fh.write('<p class="legend">' + "".join(f'<span class="c-{c}">{c}</span>' for c in CLASSES)
                 + " · spans: " + " ".join(f'<mark class="span {t}">{t}</mark>' for t in SPAN_TYPES) + "</p>\n")
        fh.write('<p class="filters">Colour: ' + "".join(
            f'<label class="c-{c}"><input type="checkbox" value="{c}" checked> {c}</label>' for c in CLASSES) + "</p>\n")
        fh.write(f'<table class="totals"><tr><th>articles</th><th>sentences</th>{head_cells}<th>allegations</th></tr>'
                 f'<tr><td>{overview["n_articles"]}</td><td>{overview["n_sentences"]}</td>'
                 f'{_counts_cells(overview.get("counts"))}<td>{_pct(overview.get("allegation_share"))}</td></tr></table>\n')
        if overview.get("skipped"):
            fh.write(f'<h2>Skipped ({len(overview["skipped"])})</h2><ul class="skipped">' + "".join(
                f"<li>{escape(s['source'])}: {escape(s['reason'])}</li>" for s in overview["skipped"]) + "</ul>\n")
        fh.write(f'<h2>Articles</h2><table class="index"><tr><th>article</th><th>sentences</th>{head_cells}'
                 "<th>allegations</th><th>sources</th></tr>\n")
        for i, entry in enumerate(iter_log(log_path(output))):
            fh.write(f'<tr><td><a href="#doc-{i}">{escape(entry["doc_id"])}</a></td><td>{entry["n_sentences"]}</td>'
                     f'{_counts_cells(entry["counts"])}<td>{_pct(entry["allegation_share"])}</td>'
                     f'<td>{_sources(entry["sources"], 5)}</td></tr>\n')
        fh.write("</table>\n")
        for i, (entry, recs) in enumerate(_articles(output)):
            title = entry.get("title") or entry["doc_id"]
            fh.write(f'<article class="doc" id="doc-{i}" data-doc="{escape(entry["doc_id"])}">\n'
                     f'<h2>{escape(title)}</h2><p class="meta">{escape(entry["doc_id"])} · {escape(entry["source"])}</p>\n'
                     f'<table class="summary"><tr><th>sentences</th>{head_cells}<th>allegations</th></tr>'
                     f'<tr><td>{entry["n_sentences"]}</td>{_counts_cells(entry["counts"])}'
                     f'<td>{_pct(entry["allegation_share"])}</td></tr></table>\n'
                     f'<p class="sources">Sources: {_sources(entry["sources"])}</p>\n'
                     f'<div class="text">{render_text(entry["text"], recs)}</div>\n</article>\n')
        fh.write(f"<script>{JS}</script>\n</body></html>\n")
    return path
