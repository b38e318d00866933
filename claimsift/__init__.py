"""claimsift: who says what, and on what footing, sentence by sentence."""

__version__ = "0.1.0"
