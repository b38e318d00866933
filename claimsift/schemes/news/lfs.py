"""The news scheme's labeling functions (``configs/scheme/news.yaml``): plain functions of one sentence.

Class functions (``lf_*``, listed in ``LFS``) return one of the four news
classes or ``ABSTAIN``. They encode the spec's decision order themselves: a
function for a later class abstains when an earlier class's evidence is
present, so the label model combines votes that already respect "first match
wins".

Span functions return attributions: lists of ``{"type", "start", "end"}``
spans (offsets into the sentence). ``weak_spans`` runs them in priority order
(``SPAN_LFS``) and keeps the attributions that do not overlap an earlier one.

The word lists are the files in ``words/`` (the scheme's ``lexicons``):
:func:`setup` builds the patterns from them. Imported directly, the module
sets itself up with the shipped lists; a scheme calls ``setup`` again with
the lists its config names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from claimsift.labels import ABSTAIN

# The classes, as configs/scheme/news.yaml names them: this module is the one place code names them.
ALLEGATION = "allegation"
OFFICIAL_STATEMENT = "official_statement"
ATTRIBUTED_CLAIM = "attributed_claim"
BACKGROUND = "background"
WORDS = Path(__file__).resolve().parent / "words"  # the shipped word lists, one file per lexicon


def _phrase_re(phrases, prefix: bool = False) -> re.Pattern:
    body = "|".join(re.escape(p.strip()) for p in sorted(phrases, key=len, reverse=True))
    tail = "" if prefix else r"(?![\w-])"
    return re.compile(r"(?<![\w-])(?:" + body + ")" + tail, re.I)


# Patterns built from the word lists (CUE_RE, HEDGE_RE, WRONG_RE, ... VERB_GROUP_RE, TAIL_RE) are set by setup().
# A quotation this long is speech; shorter quoted words are scare quotes or titles ("so-called").
MIN_QUOTE_CHARS = 12
QUOTE_RE = re.compile(rf"[“\"]([^”\"]{{{MIN_QUOTE_CHARS},}})[”\"]|[“\"]([^”\"]{{{MIN_QUOTE_CHARS},}})$")
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


LFS: list[Callable[[str], str | int]] = [
    lf_hedged_wrongdoing, lf_attributed_wrongdoing, lf_accusation,
    lf_official_speaks, lf_official_act,
    lf_according_to, lf_anonymous_source, lf_reporting_cue, lf_media_source, lf_quoted_speech,
    lf_no_attribution, lf_context_opener, lf_headline_or_caption,
]
LF_NAMES = [f.__name__ for f in LFS]


# === spans ==================================================================
Span = dict
Attribution = list[Span]

# Quotation marks: curly, straight, and the doubled apostrophes of some newspapers ('' ... '').
Q_OPEN, Q_CLOSE = r"(?:“|''|\"|‘)", r"(?:”|''|\"|’)"
OPEN_Q, CLOSE_Q = "“\"‘'", "”\"’'"
_CUE_GROUP = (r"(?:(?:has|have|had|was|were|is|are|would|will|also|later|further|once|then|reportedly|"
              r"allegedly|previously|repeatedly|recently|never|often|publicly)\s+){0,3}")
_DAYS = (r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|"
         r"July|August|September|October|November|December)")
# Adjuncts of the cue: neither source nor content ("on Monday", "in a statement", "last week"), whole words.
ADJUNCT_RE = re.compile(r"(?:,?\s+(?:(?:on|last|this|earlier|late|early)\s+" + _DAYS + r"(?:\s+(?:night|morning|"
                        r"afternoon|evening|\d+))?|" + _DAYS + r"(?:\s+\d+)?|(?:last|this|earlier|later)\s+(?:week|"
                        r"month|year|night)|in\s+(?:a|an|his|her|their)\s+(?:[\w-]+\s+){0,2}(?:statement|interview|"
                        r"speech|post|tweet|email|letter|op-ed|memo|memoir|book)s?|on\s+(?:Twitter|Facebook|CNN|Fox News|MSNBC|"
                        r"NBC|CBS|ABC)|at\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}(?:rally|event|debate|"
                        r"meeting|conference|briefing|hearing|forum)s?|earlier|later|recently|again|repeatedly|"
                        r"yesterday|today|afterwards?|publicly|privately|flatly)(?![\w-]))+", re.I)  # whole words: not "again|st"
NP_END_RE = re.compile(r",| while | who | which | on " + _DAYS + r"| on \d| in an? | at the time| last | this ", re.I)
SENT_END_RE = re.compile(r"[\s.!?…:]+$")
# A SOURCE starts after the last clause break before the cue, without its clause opener.
CLAUSE_BREAK_RE = re.compile(r"(?:[,;:(—]|--|\bthat\b|[“\"]|'')\s*")
# Words that open an adverbial phrase, not a noun phrase ("In Iowa, he said").
OPENER_RE = re.compile(r"^(?:in|at|on|after|during|for|with|from|by|despite|since|last|this|earlier|later|"
                       r"before|under|over|like|unlike|asked|speaking|without|instead|here|there|now|then|today|"
                       r"yesterday|still|again|meanwhile|however|but|and|so|yet|as|if|when|while|although|"
                       r"though|because|what|it|the|a|an|this|that)\b", re.I)
# A subject ending in one of these is not a noun phrase ("he went on to say", "it is not").
NOT_NP_END_RE = re.compile(r"\b(?:to|of|in|on|at|for|with|by|from|is|was|are|were|be|been|not|n't|did|does|do|"
                           r"and|or|but|has|have|had|would|will|could|should|can|may|might|must|also|just|then|"
                           r"as|than|if|when|what|how|why|because|so)$", re.I)
ADDRESSEE_VERBS = {"told", "tells", "telling", "quoted", "advised", "urged", "asked", "asks", "ask", "warned",
                   "reminded", "assured", "informed"}
ADDRESSEE_RE = re.compile(r"\s+(?:(?:the|a|an|his|her|their)\s+)?(?:[A-Z][\w.\-’']*(?:\s+[A-Z][\w.\-’']*)*|"
                          r"reporters|journalists|supporters|voters|the crowd|the audience|the gathering|me|us|"
                          r"him|her|them|you|it)(?=[\s,.:;]|$)")
# Limits of the span rules, in words (whitespace-split) unless named otherwise: past them what stands
# where a SOURCE or CONTENT should be is a clause, a list or the rest of the sentence, not one.
MAX_SOURCE_WORDS = 10           # a subject right before its cue ("Security officials told"): longer is a clause
MAX_APPOSITION_WORDS = 25       # "Matt Bennett, a founder of Third Way, said": a name and its apposition
MAX_APPOSITION_COMMAS = 3       # a name and one or two appositions; more commas is a list of clauses
QUOTE_END_CHARS = 2             # characters after a closing quote that only end the sentence ('."', '")')
MAX_TAIL_SOURCE_CHARS = 60      # "..., the army's chief spokesman said.": a subject, not a second clause
MAX_TAIL_SOURCE_WORDS = 8       # the same subject in words
MIN_INVERTED_CONTENT_WORDS = 6  # "<content>, said X": a statement before the cue, not a fragment
MAX_INVERTED_SOURCE_WORDS = 25  # "said Gov. Terry Branstad of Iowa, who ...": a name with its relative clause
TRAILING_LINK_RE = re.compile(r"(?:[\s,;]+(?:and|but|or|while|as|whereas|so))*[\s,;—-]*$", re.I)


def _span(typ: str, text: str, start: int, end: int) -> Span | None:
    """A span trimmed of spaces and trailing commas; None when empty."""
    while start < end and text[start] in " ,;:\u00a0":
        start += 1
    while end > start and text[end - 1] in " ,;:\u00a0":
        end -= 1
    return {"type": typ, "start": start, "end": end} if end > start else None


def _keep(*spans: Span | None) -> Attribution:
    return [s for s in spans if s]


def _sentence_end(text: str) -> int:
    m = SENT_END_RE.search(text)
    return m.start() if m else len(text)


def _inside_quote(text: str, pos: int) -> bool:
    before = text[:pos]
    return (before.count("“") > before.count("”") or before.count('"') % 2 == 1
            or before.count("''") % 2 == 1)


def _noun_phrase_after(text: str, pos: int, limit: int | None = None) -> tuple[int, int]:
    end = len(text) if limit is None else limit
    m = NP_END_RE.search(text, pos, end)
    stop = m.start() if m else end
    tail = SENT_END_RE.search(text, pos, stop)
    return pos, (tail.start() if tail else stop)


def _source_after(text: str, pos: int) -> tuple[int, int]:
    """The SOURCE after an inverted cue ("said Gov. Terry Branstad of Iowa, who ..."): the rest of the
    sentence with its appositions and relative clauses, short of a cue adjunct or a following quotation."""
    end = _sentence_end(text)
    quote = re.search(r",\s*" + Q_OPEN, text[pos:end])
    if quote:
        end = pos + quote.start()
    adj = ADJUNCT_RE.match(text, pos + len(text[pos:]) - len(text[pos:].lstrip()))
    start = adj.end() if adj else pos
    m = re.search(r"\s+(?:on|last|this)\s+" + _DAYS + r"\b|,\s+(?:adding|saying|noting|calling)\b", text[start:end])
    return start, (start + m.start() if m else end)


def _source_before(text: str, cue: int, floor: int = 0) -> tuple[int, int] | None:
    """The subject noun phrase right before a cue, or None when what stands there is no plausible SOURCE."""
    breaks = [m.end() for m in CLAUSE_BREAK_RE.finditer(text, floor, cue)]
    s0 = breaks[-1] if breaks else floor
    lead = LEADER_RE.match(text[s0:cue])
    if lead:
        s0 += lead.end()
    src = text[s0:cue].strip()
    if not src or len(src.split()) > MAX_SOURCE_WORDS or any(q in src for q in "“”\"‘’()"):
        return None
    if not (src[0].isupper() or src[0].isdigit() or PRONOUN_RE.match(src)) or NOT_NP_END_RE.search(src):
        return None
    if text[:s0].rstrip().endswith(",") and not PRONOUN_RE.match(src):
        # "Matt Bennett, a founder of Third Way, said": the apposition belongs to the SOURCE.
        whole = text[floor:cue]
        lead = LEADER_RE.match(whole)
        w0 = floor + (lead.end() if lead else 0)
        np = text[w0:cue].strip()
        if (np and np[0].isupper() and len(np.split()) <= MAX_APPOSITION_WORDS
                and not any(q in np for q in "“”\"‘’;:") and not OPENER_RE.match(np)
                and np.count(",") <= MAX_APPOSITION_COMMAS):
            return w0, w0 + len(text[w0:cue].rstrip(" ,"))
    return s0, s0 + len(text[s0:cue].rstrip())


def _content_start(text: str, pos: int, verb: str) -> int:
    """Where the content begins after a cue: past the addressee, cue adjuncts and a "that"."""
    if verb in ADDRESSEE_VERBS:
        addressee = ADDRESSEE_RE.match(text, pos)
        if addressee and not re.match(r"\s+(?:that|whether|if|to)\b", text[pos:]):
            pos = addressee.end()
    adj = ADJUNCT_RE.match(text, pos)
    if adj:
        pos = adj.end()
    m = re.match(r"[\s,:]*(?:that\b)?", text[pos:])
    return pos + m.end()


def span_quote_then_tail(text: str) -> list[Attribution]:
    """“Content,” said Source / “Content,” Source said / “A,” Source said, “B.” / “Content,” X quoted Source as saying."""
    m = re.match(Q_OPEN + r"(?:(?!" + Q_CLOSE + r").)*?[,.!?]\s*" + Q_CLOSE, text)
    if not m or m.end() >= len(text) - QUOTE_END_CHARS:  # the quotation is the whole sentence
        return []
    q_end = m.end()
    content = _span("CONTENT", text, 0, q_end)
    r0 = q_end + len(text[q_end:]) - len(text[q_end:].lstrip(" ,"))
    quoted = re.match(r"(.+?)\s+(quoted)\s+(.+?)\s+as saying", text[r0:])
    if quoted:
        return [_keep(content, _span("CUE", text, r0 + quoted.start(2), r0 + quoted.end(2)),
                      _span("SOURCE", text, r0 + quoted.start(3), r0 + quoted.end(3)))]
    vg = VERB_GROUP_RE.match(text, r0)
    if vg:  # said Source
        s0, s1 = _source_after(text, vg.end())
        src, cue = _span("SOURCE", text, s0, s1), _span("CUE", text, vg.start(), vg.end())
        rest = s1
    else:  # Source said
        vg = VERB_GROUP_RE.search(text, r0)
        if not vg or _source_before(text, vg.start(), r0) is None:
            return []
        s0, s1 = _source_before(text, vg.start(), r0)
        if s0 != r0:
            return []
        src, cue = _span("SOURCE", text, s0, s1), _span("CUE", text, vg.start(), vg.end())
        adj = ADJUNCT_RE.match(text, vg.end())
        rest = adj.end() if adj else vg.end()
    second = re.match(r"[\s,:]*(" + Q_OPEN + r".*)$", text[rest:])
    if second:  # the quotation goes on after the attribution
        body = second.group(1).rstrip()
        more = _span("CONTENT", text, rest + second.start(1), rest + second.start(1) + len(body))
        return [_keep(content, src, cue, more)]
    return [_keep(content, src, cue)]


def span_according_to(text: str) -> list[Attribution]:
    """According to Source, content. / Content, according to Source."""
    m = re.search(r"according to\s+", text, re.I)
    if not m:
        return []
    cue = _span("CUE", text, m.start(), m.start() + len("according to"))
    if not text[:m.start()].strip():
        comma = text.find(",", m.end())
        if comma < 0:
            return []
        src = _span("SOURCE", text, m.end(), comma)
        content = _span("CONTENT", text, comma + 1, _sentence_end(text))
    else:
        s0, s1 = _noun_phrase_after(text, m.end())
        src = _span("SOURCE", text, s0, s1)
        end = m.start()
        link = TRAILING_LINK_RE.search(text, 0, end)
        content = _span("CONTENT", text, 0, link.start() if link else end)
    return [_keep(content, cue, src)]


def span_tail_attribution(text: str) -> list[Attribution]:
    """Content, source said. (“A number of these attacks ..., he explained.”) / Content, said Source."""
    m = TAIL_RE.search(text)
    if m and len(m.group(1).split()) <= MAX_TAIL_SOURCE_WORDS and _source_before(text, m.start(2), m.start(1)) == (m.start(1), m.end(1)):
        return [_keep(_span("CONTENT", text, 0, m.start()), _span("SOURCE", text, m.start(1), m.end(1)),
                      _span("CUE", text, m.start(2), m.end(2)))]
    m = INVERTED_TAIL_RE.search(text)
    if (m and len(text[:m.start()].split()) >= MIN_INVERTED_CONTENT_WORDS
            and m.group(1).split()[-1].lower() in ("said", "says", "added", "wrote")
            and _source_before(text, m.start(1)) is None and not _inside_quote(text, m.start())):
        s0, s1 = _source_after(text, m.end(1))
        if 0 < len(text[s0:s1].split()) <= MAX_INVERTED_SOURCE_WORDS:
            return [_keep(_span("CONTENT", text, 0, m.start()), _span("CUE", text, m.start(1), m.end(1)),
                          _span("SOURCE", text, s0, s1))]
    return []


def span_source_cue_content(text: str) -> list[Attribution]:
    """Source cue (that) content, as often as it occurs: "Security officials told Reuters that it was ...".

    The content of one attribution ends where the next attribution's source begins.
    """
    found = []  # (source start, source end, cue match)
    floor = 0
    for vg in VERB_GROUP_RE.finditer(text):
        if vg.start() < floor or _inside_quote(text, vg.start()):
            continue
        if re.search(r"\b(been|being|was|were|is|are|be)\s+$", text[:vg.start()], re.I):
            continue  # passive ("have been reported"): the subject is not the source
        src = _source_before(text, vg.start(), floor)
        if src is None:
            continue
        found.append((*src, vg))
        floor = vg.end()
    out = []
    end = _sentence_end(text)
    for i, (s0, s1, vg) in enumerate(found):
        limit = found[i + 1][0] if i + 1 < len(found) else end
        pos = _content_start(text, vg.end(), vg.group().split()[-1].lower())
        link = TRAILING_LINK_RE.search(text, pos, limit) if pos < limit else None
        content = _span("CONTENT", text, pos, link.start() if link else limit) if pos < limit else None
        if content is None and text[pos:end].strip(" ,") and i + 1 == len(found):
            continue  # something follows the cue but no content could be cut: not an attribution we read
        out.append(_keep(_span("SOURCE", text, s0, s1), _span("CUE", text, vg.start(), vg.end()), content))
    return out


def span_hedge(text: str) -> list[Attribution]:
    """A bare hedge ("reportedly", "allegedly") is a cue with no source; the rest of its clause is content."""
    m = re.search(r"\b(reportedly|allegedly|purportedly)\b", text, re.I)
    if not m:
        return []
    return [_keep(_span("CUE", text, m.start(), m.end()), _span("CONTENT", text, m.end(), _sentence_end(text)))]


SPAN_LFS = [span_quote_then_tail, span_according_to, span_tail_attribution, span_source_cue_content, span_hedge]


def span_attributions(text: str, rules=None) -> list[tuple[str, Attribution]]:
    """(rule name, attribution) pairs kept for one sentence: rules run in priority order (``SPAN_LFS``
    unless ``rules`` is given), an attribution needs a CUE and must not overlap an earlier one."""
    taken: list[tuple[int, int]] = []
    out: list[tuple[str, Attribution]] = []
    for lf in SPAN_LFS if rules is None else rules:
        for attribution in lf(text):
            if not any(s["type"] == "CUE" for s in attribution):
                continue
            if any(s["start"] < e and b < s["end"] for s in attribution for b, e in taken):
                continue
            taken.extend((s["start"], s["end"]) for s in attribution)
            out.append((lf.__name__, attribution))
    return out


def weak_spans(text: str) -> list[dict]:
    """Non-overlapping attribution spans of one sentence, with ``text`` and ``attr`` filled in."""
    out = [{**s, "text": text[s["start"]:s["end"]], "attr": attr}
           for attr, (_, attribution) in enumerate(span_attributions(text)) for s in attribution]
    return sorted(out, key=lambda s: s["start"])


# === the word lists ==========================================================
LEXICONS = ("cue_verbs", "cue_phrases", "hedges", "wrongdoing", "accusation_cues", "official_actors", "anonymity",
            "media", "span_cue_verbs", "source_leaders", "source_pronouns")


def setup(lexicons: dict[str, tuple[str, ...]]) -> None:
    """Build every word-list pattern from ``lexicons`` (the scheme's word lists, by name).

    The class functions read cue_verbs, cue_phrases, hedges, wrongdoing, accusation_cues,
    official_actors, anonymity and media; the span rules span_cue_verbs, source_leaders and
    source_pronouns. Raises ValueError naming a missing list.
    """
    global CUE_RE, CUE_PHRASE_RE, HEDGE_RE, WRONG_RE, ACCUSE_RE, OFFICIAL_RE, ANON_RE, MEDIA_RE
    global SPAN_CUE_RE, VERB_GROUP_RE, LEADER_RE, PRONOUN_RE, TAIL_RE, INVERTED_TAIL_RE
    missing = [name for name in LEXICONS if name not in lexicons]
    if missing:
        raise ValueError(f"news labeling functions: no word list named {', '.join(missing)} in the scheme's lexicons")
    lx = lexicons
    CUE_RE = _phrase_re(lx["cue_verbs"])
    CUE_PHRASE_RE = _phrase_re(lx["cue_phrases"])
    HEDGE_RE = _phrase_re(lx["hedges"])
    WRONG_RE = _phrase_re(lx["wrongdoing"], prefix=True)
    ACCUSE_RE = _phrase_re(lx["accusation_cues"], prefix=True)
    OFFICIAL_RE = _phrase_re(lx["official_actors"])
    ANON_RE = _phrase_re(lx["anonymity"])
    MEDIA_RE = _phrase_re(lx["media"])
    SPAN_CUE_RE = _phrase_re(lx["span_cue_verbs"])
    # starts at a word's start: else "Morris says" reads as source "Morr", cue "is says"
    VERB_GROUP_RE = re.compile(r"(?<![\w-])" + _CUE_GROUP + r"(?:" + SPAN_CUE_RE.pattern + r")", re.I)
    LEADER_RE = re.compile(r"^(?:(?:" + "|".join(map(re.escape, lx["source_leaders"])) + r")\b[\s,]*)+", re.I)
    PRONOUN_RE = re.compile(r"^(?:" + "|".join(map(re.escape, lx["source_pronouns"])) + r")\b", re.I)
    TAIL_RE = re.compile(r",\s+((?:the |a |an |one |two )?[\w’'.\- ]{1," + str(MAX_TAIL_SOURCE_CHARS) + r"}?)\s+("
                         + VERB_GROUP_RE.pattern + r")("
                         + ADJUNCT_RE.pattern + r")?\s*[.!?]?$", re.I)
    INVERTED_TAIL_RE = re.compile(r",\s+(" + VERB_GROUP_RE.pattern + r")\s+(?=[A-Z])", re.I)
    evidence.cache_clear()


def shipped_word_lists() -> dict[str, tuple[str, ...]]:
    """The word lists in ``words/``, by name (what configs/scheme/news.yaml names)."""
    from claimsift.scheme import read_word_list

    return {name: read_word_list(WORDS / f"{name}.txt") for name in LEXICONS}


setup(shipped_word_lists())
