"""Drop page boilerplate, line by line, and say what was dropped.

Boilerplate is what the label specification lists as "not a sentence to
classify": share/comment prompts, ad-slot sizes, "Read more:", social
embeds and counters, hashtag-only lines, "Source » site", "No comments:".
A caption line repeated right after itself is dropped as a duplicate.
The cleaned text keeps one article paragraph per line; all sentence offsets
point into it. ``Cleaned.lines`` remembers where each kept line came from in
the raw text, so any span of the cleaned text maps back to the raw text
(``Cleaned.raw_span``) without searching for it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

# (reason, pattern) over a stripped line; the first match names the reason.
BOILERPLATE: list[tuple[str, re.Pattern]] = [
    ("ad slot", re.compile(r"^\d{2,4}\s*[x×]\s*\d{2,4}$", re.I)),
    ("read more", re.compile(r"^(read more|related|see also|recommended)\b.{0,40}:?$", re.I)),
    # "Source » iranfocus": a site credit of one or two words, not "Source: officials told ...".
    ("source line", re.compile(r"^source\s*[»:>]+\s*\S+(\s+\S+)?$", re.I)),
    ("social counter", re.compile(r"^\d[\d,.]*k?\s+(people|others)\s+(are\s+)?(talking about|like|liked|shared)\b", re.I)),
    ("comment prompt", re.compile(r"^(no comments?:?|post a comment|leave a (comment|reply)|\d+\s+comments?|comments?\s*\(\d+\))$", re.I)),
    ("comment prompt", re.compile(r"\b(issues with commenting|join the (discussion|conversation)|comment policy)\b", re.I)),
    ("feedback prompt", re.compile(r"^(was (it|this( article)?) (worth reading|helpful)\??\s*)(let us know\.?)?$", re.I)),
    ("share prompt", re.compile(r"^(share( this)?( on)?( (facebook|twitter|whatsapp|email|x))*|click to share.*|tweet|print|email)[.:!]?$", re.I)),
    ("subscribe prompt", re.compile(r"^(subscribe|sign up)\b.{0,60}(newsletter|updates|alerts)\b", re.I)),
    ("advertisement", re.compile(r"^(advertisement|sponsored( content)?|ad)$", re.I)),
]
HASHTAG = re.compile(r"#\w+")
# A tweet's closing run of hashtags ("... Headquarters#IRGCTerrorists #IRGCOutOfIraq").
TRAILING_TAGS = re.compile(r"(#\w+\s*){2,}$")
URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:org|com|net|ir|iq)/\S*")


LINE_BREAK = re.compile(r"\r\n|\r|\n")
# The only characters cleaning changes inside a line: a no-break space becomes a
# space, a zero-width space is removed (both confuse tokenizers).
NO_BREAK_SPACE, ZERO_WIDTH_SPACE = "\u00a0", "\u200b"


def normalise_chars(text: str) -> str:
    """``text`` with the cleaning's character fixes: no-break spaces as spaces, zero-width spaces removed."""
    return text.replace(NO_BREAK_SPACE, " ").replace(ZERO_WIDTH_SPACE, "")


@dataclass(frozen=True)
class Line:
    """Where one line of the cleaned text came from in the raw text."""

    start: int  # offset of the line in the cleaned text
    raw_start: int  # offset of its first character in the raw text
    # Raw offset of every character, only for a line that lost zero-width spaces
    # (otherwise the line is one contiguous run of the raw text).
    raw_chars: tuple[int, ...] | None = None


@dataclass
class Cleaned:
    text: str
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (line, reason)
    lines: list[Line] = field(default_factory=list)  # one per line of ``text``, in order

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw text's ``(start, end)`` of the cleaned text's non-empty ``[start, end)`` (see ``raw_span``)."""
        return raw_span(self.lines, start, end)


def raw_span(lines: list[Line], start: int, end: int) -> tuple[int, int]:
    """Map the cleaned text's ``[start, end)`` (non-empty, inside one line) to offsets in the raw text.

    ``normalise_chars(raw[s:e]) == cleaned[start:end]`` for the result ``(s, e)``;
    without no-break or zero-width spaces in it, ``raw[s:e] == cleaned[start:end]``.
    Raises ValueError for an empty span or one outside the text.
    """
    if not lines or not 0 <= start < end:
        raise ValueError(f"[{start}, {end}): not a non-empty span of the cleaned text")
    # The end maps through its last character, so characters removed right after a span stay outside it.
    return _raw_offset(lines, start), _raw_offset(lines, end - 1) + 1


def _raw_offset(lines: list[Line], pos: int) -> int:
    line = lines[bisect_right(lines, pos, key=lambda ln: ln.start) - 1]
    k = pos - line.start
    if line.raw_chars is None:
        return line.raw_start + k
    if k >= len(line.raw_chars):
        raise ValueError(f"offset {pos}: past the end of its line in the cleaned text")
    return line.raw_chars[k]


def _raw_lines(raw: str):
    """(offset, line) of every line of ``raw``, any of \\r\\n, \\r, \\n ending a line."""
    pos = 0
    for m in LINE_BREAK.finditer(raw):
        yield pos, raw[pos:m.start()]
        pos = m.end()
    yield pos, raw[pos:]


def _line_map(start: int, raw_start: int, raw_line: str, fixed: str) -> Line:
    """The map of the kept line ``fixed.strip()`` (``fixed = normalise_chars(raw_line)``) at ``start``."""
    lead = len(fixed) - len(fixed.lstrip())
    if len(fixed) == len(raw_line):  # characters replaced one for one: offsets unchanged
        return Line(start, raw_start + lead)
    kept = [i for i, ch in enumerate(raw_line) if ch != ZERO_WIDTH_SPACE]
    n = len(fixed.strip())
    return Line(start, raw_start + kept[lead], tuple(raw_start + i for i in kept[lead:lead + n]))


def boilerplate_reason(line: str) -> str | None:
    """Why ``line`` (stripped) is boilerplate, or None if it is article text."""
    for reason, pattern in BOILERPLATE:
        if pattern.search(line):
            return reason
    tags = HASHTAG.findall(line)
    if tags:
        words = line.split()
        # A social embed: hashtag-only, or several hashtags with a link.
        if (len(tags) >= len(words) * 0.5 or (len(tags) >= 2 and URL.search(line)) or len(tags) >= 4
                or TRAILING_TAGS.search(line)):
            return "social embed"
    return None


def clean(raw: str) -> Cleaned:
    """Return the article text without boilerplate lines, one paragraph per line."""
    kept: list[str] = []
    dropped: list[tuple[str, str]] = []
    lines: list[Line] = []
    pos = 0  # where the next kept line starts in the cleaned text
    for raw_start, raw_line in _raw_lines(raw):
        # Non-breaking and zero-width spaces confuse tokenizers; the cleaned
        # text is the offset base, so normalising here keeps offsets exact.
        fixed = normalise_chars(raw_line)
        line = fixed.strip()
        if not line:
            continue
        reason = boilerplate_reason(line)
        if reason is None and kept and line == kept[-1]:
            reason = "repeated line"
        if reason:
            dropped.append((line, reason))
        else:
            kept.append(line)
            lines.append(_line_map(pos, raw_start, raw_line, fixed))
            pos += len(line) + 1
    return Cleaned(text="\n".join(kept), dropped=dropped, lines=lines)
