"""The four-class news scheme: labeling functions and span rules (``lfs``), word lists (``words/``)."""
