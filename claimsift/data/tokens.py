"""Word tokens with offsets, and the span ↔ BIO conversions every span model shares.

Spans are ``{"type", "start", "end", "text"}`` dicts with character offsets
into the sentence. A word token is tagged ``B-T``/``I-T`` when it lies inside
a span of type T; spans predicted from tags are cut at token edges. One BIO
sequence holds one layer of spans that share no token; nested attributions
need a second layer (:func:`span_layers`): training targets keep the outer
layer, and evaluation scores every layer (:func:`layered_tags`).
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

# Dotted initialisms (U.S., U.N.), a few news abbreviations that keep their
# dot, words with inner apostrophes or hyphens, numbers with separators, or any
# single other non-space character (quote marks and punctuation stand alone).
ABBREVIATIONS = ("Gen", "Lt", "Col", "Maj", "Capt", "Sgt", "Adm", "Gov", "Sen", "Rep", "Mr", "Mrs", "Ms",
                 "Dr", "Prof", "St", "Jr", "Sr", "Jan", "Feb", "Mar", "Apr", "Aug", "Sept", "Sep", "Oct",
                 "Nov", "Dec", "No", "vs", "Inc", "Co", "Corp")
TOKEN = re.compile(
    r"(?:[A-Za-z]\.){2,}"
    r"|(?:" + "|".join(ABBREVIATIONS) + r")\.(?=\s+[A-Z0-9])"
    r"|\d+(?:[.,:]\d+)+"
    r"|\w+(?:[-'’]\w+)*"
    r"|[^\w\s]"
)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Return (token, start, end) for every token of ``text``."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def spans_to_bio(tokens: Sequence[tuple[str, int, int]], spans: Iterable[dict]) -> list[str]:
    """BIO tags for ``tokens``; a token belongs to a span when its start lies inside it."""
    tags = ["O"] * len(tokens)
    for span in sorted(spans, key=lambda s: s["start"]):
        first = True
        for i, (_, s, e) in enumerate(tokens):
            if span["start"] <= s < span["end"] and tags[i] == "O":
                tags[i] = ("B-" if first else "I-") + span["type"]
                first = False
    return tags


def _token_set(tokens: Sequence[tuple[str, int, int]], span: dict) -> frozenset[int]:
    return frozenset(i for i, (_, s, _) in enumerate(tokens) if span["start"] <= s < span["end"])


def span_layers(tokens: Sequence[tuple[str, int, int]], spans: Iterable[dict]) -> list[list[dict]]:
    """Spans split into layers whose spans share no token: outer spans first, nested ones below.

    Spans are placed by start, longer first, each into the first layer where it
    overlaps nothing. Non-overlapping spans make one layer; an attribution
    inside another's CONTENT ("X said Y told him Z") puts Y, told and Z in a
    second layer under X's CONTENT. Spans that cover no token are left out.
    """
    layers: list[list[dict]] = []
    used: list[set[int]] = []
    for span in sorted(spans, key=lambda sp: (sp["start"], -(sp["end"] - sp["start"]))):
        toks = _token_set(tokens, span)
        if not toks:
            continue
        for layer, taken in zip(layers, used):
            if not toks & taken:
                layer.append(span)
                taken |= toks
                break
        else:
            layers.append([span])
            used.append(set(toks))
    return layers


def layered_tags(tokens: Sequence[tuple[str, int, int]], gold: Iterable[dict],
                 pred: Iterable[dict]) -> tuple[list[str], list[str]]:
    """Gold and predicted BIO tags over every layer of each, as one sequence per sentence.

    Both sides get the same number of layers (missing ones are all ``O``),
    joined by one ``O`` separator, so a nested gold span a model does not
    predict counts as missed instead of vanishing, and no entity crosses layers.
    """
    g, p = span_layers(tokens, gold), span_layers(tokens, pred)
    n = max(len(g), len(p), 1)
    g_tags, p_tags = [], []
    for k in range(n):
        if k:
            g_tags.append("O")
            p_tags.append("O")
        g_tags += spans_to_bio(tokens, g[k]) if k < len(g) else ["O"] * len(tokens)
        p_tags += spans_to_bio(tokens, p[k]) if k < len(p) else ["O"] * len(tokens)
    return g_tags, p_tags


def _continues(prev_tag: str, typ: str) -> bool:
    return prev_tag in (f"B-{typ}", f"I-{typ}")


def bio_to_spans(text: str, tokens: Sequence[tuple[str, int, int]], tags: Sequence[str],
                 scores: Sequence[float] | None = None, types: Iterable[str] | None = None) -> list[dict]:
    """Spans of a model's BIO tags, repaired: one span per run of same-type tokens.

    An I- after O or another type starts a new span (as seqeval does); a B- that
    directly follows a token of its own type continues the span instead of
    cutting it ("Tomas" + "Reyes" is one SOURCE). Spans end at token edges, so
    they are snapped to words. With ``scores`` (one per token), each span gets
    the mean score of its tokens. The spans come numbered into attributions
    (``attr``, :func:`group_attributions`). A tag of a type not in ``types`` (the
    model's span types; None: the default scheme's) ends a span and starts none.
    """
    if types is None:
        from claimsift.scheme import default_scheme

        types = default_scheme().span_types
    types = frozenset(types)
    spans: list[dict] = []
    cur: dict | None = None
    cur_scores: list[float] = []

    def close():
        nonlocal cur, cur_scores
        if cur is not None:
            cur["text"] = text[cur["start"]:cur["end"]]
            if scores is not None:
                cur["score"] = round(sum(cur_scores) / len(cur_scores), 4)
            spans.append(cur)
        cur, cur_scores = None, []

    for i, ((_, s, e), tag) in enumerate(zip(tokens, tags)):
        if tag == "O" or "-" not in tag:
            close()
            continue
        prefix, typ = tag.split("-", 1)
        if typ not in types:
            close()
            continue
        # A new span starts at a type change or at B- after a gap. I- without a B- (after O or
        # another type) starts one too (BIO repair, as seqeval reads it); B- right after a token of
        # the same type continues the span, so a name or "according to" is never cut word by word.
        if cur is None or cur["type"] != typ or (prefix == "B" and i > 0 and not _continues(tags[i - 1], typ)):
            close()
            cur = {"type": typ, "start": s, "end": e}
        else:
            cur["end"] = e
        if scores is not None:
            cur_scores.append(float(scores[i]))
    close()
    return group_attributions(spans)


def group_attributions(spans: list[dict]) -> list[dict]:
    """Number the spans of one sentence into attributions (``attr`` 0, 1, ... in order of first span).

    Each CUE anchors an attribution; each SOURCE and CONTENT joins the nearest
    CUE (by characters between the spans), a SOURCE preferring a CUE that has
    none yet, since an attribution has at most one. Without any CUE, the spans
    form one attribution (a headline credit, a bare continued quote). Spans
    that already carry ``attr`` keep it.
    """
    if not spans or all(sp.get("attr") is not None for sp in spans):
        return spans
    out = [dict(sp) for sp in spans]
    cues = sorted((i for i, sp in enumerate(out) if sp["type"] == "CUE"), key=lambda i: out[i]["start"])
    if not cues:
        for sp in out:
            sp["attr"] = 0
        return out

    def gap(a: dict, b: dict) -> int:
        return max(a["start"] - b["end"], b["start"] - a["end"], 0)

    group = {c: c for c in cues}
    has_source: set[int] = set()
    for i in sorted((i for i, sp in enumerate(out) if sp["type"] == "SOURCE"), key=lambda i: out[i]["start"]):
        free = [c for c in cues if c not in has_source] or cues
        c = min(free, key=lambda c: (gap(out[i], out[c]), out[c]["start"]))
        group[i] = c
        has_source.add(c)
    for i, sp in enumerate(out):
        if sp["type"] == "CONTENT":
            group[i] = min(cues, key=lambda c: (gap(sp, out[c]), out[c]["start"]))
    order: dict[int, int] = {}
    for i in sorted(range(len(out)), key=lambda i: (out[i]["start"], out[i]["end"])):
        order.setdefault(group[i], len(order))
        out[i]["attr"] = order[group[i]]
    return out
