"""Labeling functions: plain functions of one sentence that vote for a class or abstain.

Class functions return a class name from ``claimsift.labels`` or ``ABSTAIN``.
They encode the spec's decision order themselves: a function for a later
class abstains when an earlier class's evidence is present, so the label
model combines votes that already respect "first match wins".

Span functions return attributions: lists of ``{"type", "start", "end"}``
spans (offsets into the sentence). ``weak_spans`` runs them in priority order
and keeps the attributions that do not overlap an earlier one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from claimsift.data import lexicons as lx
from claimsift.labels import ABSTAIN, ALLEGATION, ATTRIBUTED_CLAIM, BACKGROUND, OFFICIAL_STATEMENT


def _phrase_re(phrases, prefix: bool = False) -> re.Pattern:
    body = "|".join(re.escape(p.strip()) for p in sorted(phrases, key=len, reverse=True))
    tail = "" if prefix else r"(?![\w-])"
    return re.compile(r"(?<![\w-])(?:" + body + ")" + tail, re.I)


CUE_RE = _phrase_re(lx.CUE_VERBS)
CUE_PHRASE_RE = _phrase_re(lx.CUE_PHRASES)
HEDGE_RE = _phrase_re(lx.HEDGES)
WRONG_RE = _phrase_re(lx.WRONGDOING, prefix=True)
ACCUSE_RE = _phrase_re(lx.ACCUSATION_CUES, prefix=True)
OFFICIAL_RE = _phrase_re(lx.OFFICIAL_ACTORS)
ANON_RE = _phrase_re(lx.ANONYMITY)
MEDIA_RE = _phrase_re(lx.MEDIA)
QUOTE_RE = re.compile(r"[“\"]([^”\"]{12,})[”\"]|[“\"]([^”\"]{12,})$")
OFFICIAL_ACT_RE = re.compile(r"\b(designated|announced|sanctioned|ordered|decided|approved|declared|issued|"
                             r"pledged|denied|rejected|confirmed)\b", re.I)
CONTEXT_OPENER_RE = re.compile(r"^(since|in (the )?(early |late )?(\d{4}|past|mid-|recent)|at the time|for decades|"
                               r"notably|also known as|currently|after|during|as the|hours after|on both)\b", re.I)


@dataclass(frozen=True)
class Evidence:
    """What the class functions look at, computed once per sentence."""

    cue: bool
    according_to: bool
    hedge: bool
    quote: bool
    wrongdoing: bool
    accusation: bool
    official: bool
    anonymous: bool
    media: bool
    official_act: bool
    context_opener: bool
    headline_like: bool

    @property
    def attributed(self) -> bool:
        return self.cue or self.according_to or self.hedge


@lru_cache(maxsize=4096)
def evidence(text: str) -> Evidence:
    return Evidence(
        cue=bool(CUE_RE.search(text)) or bool(CUE_PHRASE_RE.search(text)),
        according_to="according to" in text.lower(),
        hedge=bool(HEDGE_RE.search(text)),
        quote=bool(QUOTE_RE.search(text)),
        wrongdoing=bool(WRONG_RE.search(text)),
        accusation=bool(ACCUSE_RE.search(text)),
        official=bool(OFFICIAL_RE.search(text)),
        anonymous=bool(ANON_RE.search(text)),
        media=bool(MEDIA_RE.search(text)),
        official_act=bool(OFFICIAL_ACT_RE.search(text)),
        context_opener=bool(CONTEXT_OPENER_RE.search(text.strip("“”\"' "))),
        headline_like=not text.rstrip().endswith((".", "?", "!", "”", "\"", "’", "…")),
    )


# --- allegation -------------------------------------------------------------
def lf_hedged_wrongdoing(text: str) -> str | int:
    """A wrongful act under a hedge: "reportedly killed", "suspected of smuggling"."""
    e = evidence(text)
    return ALLEGATION if e.hedge and e.wrongdoing else ABSTAIN


def lf_attributed_wrongdoing(text: str) -> str | int:
    """A wrongful act behind a reporting cue or "according to"."""
    e = evidence(text)
    return ALLEGATION if (e.cue or e.according_to) and e.wrongdoing else ABSTAIN


def lf_accusation(text: str) -> str | int:
    """Accusations, charges, confessions and blame impute an act whoever makes them."""
    e = evidence(text)
    return ALLEGATION if e.accusation and (e.wrongdoing or e.cue) else ABSTAIN


# --- official_statement -----------------------------------------------------
def lf_official_speaks(text: str) -> str | int:
    """An official body or role with a reporting cue, on the record."""
    e = evidence(text)
    if e.official and (e.cue or e.according_to) and not e.anonymous and not e.wrongdoing:
        return OFFICIAL_STATEMENT
    return ABSTAIN


def lf_official_act(text: str) -> str | int:
    """An official communicative act: a designation, an announced decision, a denial."""
    e = evidence(text)
    if e.official and e.official_act and not e.anonymous and not e.accusation:
        return OFFICIAL_STATEMENT
    return ABSTAIN


# --- attributed_claim -------------------------------------------------------
def lf_according_to(text: str) -> str | int:
    e = evidence(text)
    if e.according_to and not e.wrongdoing and (e.anonymous or not e.official):
        return ATTRIBUTED_CLAIM
    return ABSTAIN


def lf_anonymous_source(text: str) -> str | int:
    """Off-the-record sources ("sources familiar with", "spoke anonymously") carry claims, not statements."""
    e = evidence(text)
    return ATTRIBUTED_CLAIM if e.anonymous and e.attributed and not e.wrongdoing else ABSTAIN


def lf_reporting_cue(text: str) -> str | int:
    e = evidence(text)
    return ATTRIBUTED_CLAIM if e.cue and not e.official and not e.wrongdoing else ABSTAIN


def lf_media_source(text: str) -> str | int:
    """Outlets, analysts, witnesses reporting."""
    e = evidence(text)
    return ATTRIBUTED_CLAIM if e.media and e.cue and not e.wrongdoing and not e.accusation else ABSTAIN


def lf_quoted_speech(text: str) -> str | int:
    e = evidence(text)
    return ATTRIBUTED_CLAIM if e.quote and e.cue and not e.wrongdoing and not e.official else ABSTAIN


# --- background -------------------------------------------------------------
def lf_no_attribution(text: str) -> str | int:
    """No cue, no hedge, no quotation: the writer's own voice."""
    e = evidence(text)
    return BACKGROUND if not e.attributed and not e.quote else ABSTAIN


def lf_context_opener(text: str) -> str | int:
    """History and context openers ("Since 2017", "At the time") without a cue."""
    e = evidence(text)
    return BACKGROUND if e.context_opener and not e.cue and not e.hedge else ABSTAIN


def lf_headline_or_caption(text: str) -> str | int:
    """Headlines and captions (no final punctuation) without an attribution."""
    e = evidence(text)
    return BACKGROUND if e.headline_like and not e.attributed and not e.accusation else ABSTAIN


CLASS_LFS: list[Callable[[str], str | int]] = [
    lf_hedged_wrongdoing, lf_attributed_wrongdoing, lf_accusation,
    lf_official_speaks, lf_official_act,
    lf_according_to, lf_anonymous_source, lf_reporting_cue, lf_media_source, lf_quoted_speech,
    lf_no_attribution, lf_context_opener, lf_headline_or_caption,
]
LF_NAMES = [f.__name__ for f in CLASS_LFS]


def apply_lfs(text: str) -> list[str | int]:
    """Votes of every class labeling function on one sentence, in ``LF_NAMES`` order."""
    return [lf(text) for lf in CLASS_LFS]


# === spans ==================================================================
Span = dict
Attribution = list[Span]

OPEN_Q, CLOSE_Q = "“\"‘", "”\"’"
_CUE_GROUP = (r"(?:(?:has|have|had|was|were|is|are|would|will|also|later|further|once|then|reportedly|"
              r"allegedly|previously|severely|strongly|publicly)\s+){0,3}")
VERB_GROUP_RE = re.compile(_CUE_GROUP + r"(?:" + CUE_RE.pattern + r")", re.I)
NP_END_RE = re.compile(r",| while | who | which | on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
                       r"January|February|March|April|May|June|July|August|September|October|November|December)"
                       r"| on \d| in an? | at the time| last | this ", re.I)
SENT_END_RE = re.compile(r"[\s.!?…]+$")


def _span(typ: str, text: str, start: int, end: int) -> Span | None:
    """A span trimmed of spaces and trailing commas; None when empty."""
    while start < end and text[start] in " ,;:":
        start += 1
    while end > start and text[end - 1] in " ,;:":
        end -= 1
    return {"type": typ, "start": start, "end": end} if end > start else None


def _noun_phrase_after(text: str, pos: int, limit: int | None = None) -> tuple[int, int]:
    end = len(text) if limit is None else limit
    m = NP_END_RE.search(text, pos, end)
    stop = m.start() if m else end
    tail = SENT_END_RE.search(text, pos, stop)
    return pos, (tail.start() if tail else stop)


def span_quote_then_tail(text: str) -> list[Attribution]:
    """“Content,” said Source / “Content,” Source said / “Content,” X quoted Source as saying."""
    if not text or text[0] not in OPEN_Q:
        return []
    close = max(text.rfind(c) for c in "”\"")
    if close <= 0 or close >= len(text) - 2:
        return []
    # The quotation ends at the last closing mark followed by a comma-ish tail.
    m = re.match(r"[“\"].*?[,.!?]\s*[”\"]", text)
    if not m:
        return []
    q_end = m.end()
    rest = text[q_end:]
    content = _span("CONTENT", text, 0, q_end)
    lead = len(rest) - len(rest.lstrip(" ,"))
    r0 = q_end + lead
    quoted = re.match(r"(.+?)\s+(quoted)\s+(.+?)\s+as saying", text[r0:])
    if quoted:
        cue = _span("CUE", text, r0 + quoted.start(2), r0 + quoted.end(2))
        src = _span("SOURCE", text, r0 + quoted.start(3), r0 + quoted.end(3))
        return [[s for s in (content, cue, src) if s]]
    vg = VERB_GROUP_RE.match(text, r0)
    if vg:  # said Source
        s0, s1 = _noun_phrase_after(text, vg.end())
        cue = _span("CUE", text, vg.start(), vg.end())
        src = _span("SOURCE", text, s0, s1)
        return [[s for s in (content, cue, src) if s]]
    vg = VERB_GROUP_RE.search(text, r0)
    if vg and vg.start() - r0 < 80:  # Source said
        src = _span("SOURCE", text, r0, vg.start())
        cue = _span("CUE", text, vg.start(), vg.end())
        return [[s for s in (content, src, cue) if s]]
    return []


def span_according_to(text: str) -> list[Attribution]:
    """According to Source, content. / Content, according to Source."""
    m = re.search(r"according to\s+", text, re.I)
    if not m:
        return []
    cue = _span("CUE", text, m.start(), m.start() + len("according to"))
    if m.start() == 0 or text[:m.start()].strip() in ("",):
        comma = text.find(",", m.end())
        if comma < 0:
            return []
        src = _span("SOURCE", text, m.end(), comma)
        end = SENT_END_RE.search(text)
        content = _span("CONTENT", text, comma + 1, end.start() if end else len(text))
    else:
        s0, s1 = _noun_phrase_after(text, m.end())
        src = _span("SOURCE", text, s0, s1)
        content = _span("CONTENT", text, 0, m.start())
    return [[s for s in (content, cue, src) if s]]


def span_tail_attribution(text: str) -> list[Attribution]:
    """Content, source said. (“A number of these attacks ..., he explained.”)"""
    m = re.search(r",\s+((?:the |a |an |one |two )?[\w’'\- ]{1,60}?)\s+(" + VERB_GROUP_RE.pattern + r")\s*\.?$",
                  text, re.I)
    if not m or len(m.group(1).split()) > 8:
        return []
    return [[s for s in (_span("CONTENT", text, 0, m.start()), _span("SOURCE", text, m.start(1), m.end(1)),
                         _span("CUE", text, m.start(2), m.end(2))) if s]]


def span_source_cue_content(text: str) -> list[Attribution]:
    """Source cue (that) content: "Security officials told Reuters that it was linked to ..."."""
    for vg in VERB_GROUP_RE.finditer(text):
        before = text[:vg.start()]
        if before.count("“") > before.count("”"):  # inside a quotation
            continue
        # The source is the noun phrase right before the cue, after any opening clause.
        clause = max(before.rfind(", "), before.rfind("; "))
        s0 = clause + 2 if clause >= 0 else 0
        src_text = text[s0:vg.start()].strip()
        if not src_text or len(src_text.split()) > 14 or not (src_text[0].isupper() or src_text[0].isdigit()
                                                              or src_text[0] in OPEN_Q):
            continue
        if re.search(r"\b(been|being|was|were|is|are)\s+$", before, re.I):
            continue  # passive ("have been reported"): the subject is not the source
        pos = vg.end()
        verb = vg.group().split()[-1].lower()
        if verb in ("told", "tells", "tell", "quoted", "advised", "urged"):  # skip the addressee
            addressee = re.match(r"\s+((?:the\s+)?[A-Z][\w.\-’']*(?:\s+[A-Z][\w.\-’']*)*|reporters|the gathering)",
                                 text[pos:])
            if addressee:
                pos += addressee.end()
        that = re.match(r"\s+that\b", text[pos:])
        if that:
            pos += that.end()
        end = SENT_END_RE.search(text)
        content = _span("CONTENT", text, pos, end.start() if end else len(text))
        if content is None or content["end"] - content["start"] < 8:
            continue
        return [[s for s in (_span("SOURCE", text, s0, vg.start()), _span("CUE", text, vg.start(), vg.end()),
                             content) if s]]
    return []


def span_hedge(text: str) -> list[Attribution]:
    """A bare hedge ("reportedly", "allegedly") is a cue with no source; the rest of its clause is content."""
    m = re.search(r"\b(reportedly|allegedly|purportedly)\b", text, re.I)
    if not m:
        return []
    end = SENT_END_RE.search(text)
    content = _span("CONTENT", text, m.end(), end.start() if end else len(text))
    return [[s for s in (_span("CUE", text, m.start(), m.end()), content) if s]]


SPAN_LFS = [span_quote_then_tail, span_according_to, span_tail_attribution, span_source_cue_content, span_hedge]


def weak_spans(text: str) -> list[dict]:
    """Non-overlapping attribution spans of one sentence, with ``text`` and ``attr`` filled in."""
    taken: list[tuple[int, int]] = []
    out: list[dict] = []
    attr = 0
    for lf in SPAN_LFS:
        for attribution in lf(text):
            if not any(s["type"] == "CUE" for s in attribution):
                continue
            if any(s["start"] < e and b < s["end"] for s in attribution for b, e in taken):
                continue
            for s in attribution:
                out.append({**s, "text": text[s["start"]:s["end"]], "attr": attr})
                taken.append((s["start"], s["end"]))
            attr += 1
    return sorted(out, key=lambda s: s["start"])
