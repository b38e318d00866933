"""Drop page boilerplate, line by line, and say what was dropped.

Boilerplate is what the label specification lists as "not a sentence to
classify": share/comment prompts, ad-slot sizes, "Read more:", social
embeds and counters, hashtag-only lines, "Source » site", "No comments:".
A caption line repeated right after itself is dropped as a duplicate.
The cleaned text keeps one article paragraph per line; all sentence offsets
point into it.
"""

from __future__ import annotations

import re
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


@dataclass
class Cleaned:
    text: str
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (line, reason)


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
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        # Non-breaking and zero-width spaces confuse tokenizers; the cleaned
        # text is the offset base, so normalising here keeps offsets exact.
        line = line.replace("\u00a0", " ").replace("\u200b", "").strip()
        if not line:
            continue
        reason = boilerplate_reason(line)
        if reason is None and kept and line == kept[-1]:
            reason = "repeated line"
        if reason:
            dropped.append((line, reason))
        else:
            kept.append(line)
    return Cleaned(text="\n".join(kept), dropped=dropped)
