"""Models for both tasks behind one scikit-learn-style interface (see ``base.py``)."""

from claimsift.models.base import ClassifierModel, SpanModel, load_model

__all__ = ["ClassifierModel", "SpanModel", "load_model"]
