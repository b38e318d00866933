"""Labeling functions of the weather example (docs/adapt.md): plain functions of one sentence.

Each returns a class of configs/scheme/weather.yaml or ABSTAIN. A parameter named
like a word list in the scheme's `lexicons` receives that list.
"""

import re

ABSTAIN = -1


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def lf_warning_words(text, warning_words):
    """An alert, an advisory or an instruction to act is a warning."""
    return "warning" if _words(text) & set(warning_words) else ABSTAIN


def lf_future_words(text, future_words):
    """Words about what is to come ("will", "tomorrow", "expected") make a forecast."""
    return "forecast" if _words(text) & set(future_words) else ABSTAIN
