"""Turn the span strings an annotator chose into spans with exact offsets.

An annotator writes what each span says, not where it is:

    make_spans(text, [{"SOURCE": "two Iraqi security officials", "CUE": "told",
                       "CONTENT": "Militias backed by ... in years"}])

A string (matched as whole words) that occurs more than once in the sentence is ambiguous and raises;
name the occurrence with a pair ``("said", 1)`` (0-based). The result is in
the gold span format, sorted by start, ``attr`` numbered by the order of each
attribution's first span.
"""

from __future__ import annotations

import re

from claimsift.data.gold import canonical_attrs
from claimsift.scheme import load_scheme

Piece = str | tuple[str, int]


def locate(text: str, piece: Piece) -> tuple[int, int]:
    """(start, end) of ``piece`` in ``text``; raise ValueError if absent or ambiguous."""
    want, nth = (piece, None) if isinstance(piece, str) else piece
    # Whole words only: "he" must not match inside "these".
    pattern = (r"(?<!\w)" if want[:1].isalnum() else "") + re.escape(want) + (r"(?!\w)" if want[-1:].isalnum() else "")
    hits = [m.start() for m in re.finditer(pattern, text)] if want else []
    if not hits:
        raise ValueError(f"{want!r} is not in the sentence {text[:80]!r}")
    if nth is None and len(hits) > 1:
        raise ValueError(f"{want!r} occurs {len(hits)} times in {text[:80]!r}; name the occurrence as (text, n)")
    k = hits[nth or 0] if nth is None or nth < len(hits) else None
    if k is None:
        raise ValueError(f"{want!r} has no occurrence {nth} in {text[:80]!r}")
    return k, k + len(want)


def make_spans(text: str, attributions: list[dict[str, Piece | list[Piece]]], scheme=None) -> list[dict]:
    """Gold spans of ``text`` from one dict per attribution (span type → string(s)); span types of ``scheme``
    (None: the default scheme)."""
    span_types = load_scheme(scheme).span_types
    spans = []
    for k, attribution in enumerate(attributions):
        for span_type, pieces in attribution.items():
            if span_type not in span_types:
                raise ValueError(f"unknown span type {span_type!r} (expected one of {', '.join(span_types)})")
            for piece in pieces if isinstance(pieces, list) else [pieces]:
                start, end = locate(text, piece)
                spans.append({"type": span_type, "start": start, "end": end, "text": text[start:end], "attr": k})
    return canonical_attrs(spans)
