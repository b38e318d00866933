"""Label names every scheme shares: ``ABSTAIN`` and how span types become BIO tags.

The classes, their decision order and the span types are a scheme's
(:mod:`claimsift.scheme`, ``configs/scheme/``); every model saves its own
``label2id`` / ``id2label``. Labels and spans are validated in one place,
:mod:`claimsift.data.gold`.

Code written before schemes may still import ``CLASSES``, ``PRECEDENCE``,
``SPAN_TYPES``, ``BIO_TAGS``, ``CLASS2ID``, ``ID2CLASS``, ``TAG2ID`` and
``ID2TAG`` from here: they read as the default scheme's (the ``scheme`` the
stage configs pick by default). Stages take them from the active scheme or a
run's label map instead.
"""

from __future__ import annotations

ABSTAIN = -1


def bio_tags(span_types) -> list[str]:
    """``O`` then ``B-``/``I-`` of each span type, in the given order: a span model's tag list."""
    return ["O"] + [f"{prefix}-{t}" for t in span_types for prefix in ("B", "I")]


_LEGACY = ("CLASSES", "PRECEDENCE", "SPAN_TYPES", "BIO_TAGS", "CLASS2ID", "ID2CLASS", "TAG2ID", "ID2TAG")


def __getattr__(name: str):
    if name not in _LEGACY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from claimsift.scheme import default_scheme

    scheme = default_scheme()
    tags = scheme.bio_tags
    return {"CLASSES": list(scheme.classes), "PRECEDENCE": tuple(scheme.precedence),
            "SPAN_TYPES": tuple(scheme.span_types), "BIO_TAGS": tags, "CLASS2ID": scheme.class2id,
            "ID2CLASS": dict(enumerate(scheme.classes)), "TAG2ID": {t: i for i, t in enumerate(tags)},
            "ID2TAG": dict(enumerate(tags))}[name]
