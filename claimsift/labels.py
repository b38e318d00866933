"""The one place label names live.

Sentence classes and span types follow ``docs/annotation-guide.md`` (from the
project's label specification). Every model saves ``label2id`` / ``id2label``
built from these sorted lists, so ids never depend on the data seen. Labels
and spans are validated in one place, :mod:`claimsift.data.gold`.
"""

ABSTAIN = -1

ALLEGATION = "allegation"
OFFICIAL_STATEMENT = "official_statement"
ATTRIBUTED_CLAIM = "attributed_claim"
BACKGROUND = "background"

# Decision order of the spec: the first class a sentence meets wins.
PRECEDENCE = (ALLEGATION, OFFICIAL_STATEMENT, ATTRIBUTED_CLAIM, BACKGROUND)
CLASSES = sorted(PRECEDENCE)
CLASS2ID = {name: i for i, name in enumerate(CLASSES)}
ID2CLASS = dict(enumerate(CLASSES))

SPAN_TYPES = ("CONTENT", "CUE", "SOURCE")
BIO_TAGS = ["O"] + [f"{prefix}-{t}" for t in SPAN_TYPES for prefix in ("B", "I")]
TAG2ID = {tag: i for i, tag in enumerate(BIO_TAGS)}
ID2TAG = dict(enumerate(BIO_TAGS))

