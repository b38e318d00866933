"""claimsift: who says what, and on what footing, sentence by sentence."""

__version__ = "0.1.0"
__all__ = ["Predictor", "__version__"]


def __getattr__(name: str):
    # Imported on first use: ``import claimsift`` stays light (no models, torch or scikit-learn).
    if name == "Predictor":
        from claimsift.predict.api import Predictor

        return Predictor
    raise AttributeError(f"module 'claimsift' has no attribute {name!r}")
