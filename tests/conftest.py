"""Shared test set-up: offline Hugging Face, the repository root as working directory."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    """A random 2-layer BERT folder with the packaged MiniLM's tokenizer (fast stand-in for real weights)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from claimsift.models.transformer import packaged_model_path

    path = tmp_path_factory.mktemp("tiny-bert")
    tok = AutoTokenizer.from_pretrained(packaged_model_path())
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=128)).save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture
def models_dir(tmp_path) -> Path:
    """A models folder with one stub classify run and one stub extract run (tests/fixtures/predict_stub_models.py)."""
    import sys

    sys.path.insert(0, str(FIXTURES))
    from predict_stub_models import StubClassifier, StubExtractor, make_run

    models = tmp_path / "models"
    make_run(models, "classify", StubClassifier(), "2024-01-01T00:00:00")
    make_run(models, "extract", StubExtractor(), "2024-01-01T00:00:00")
    return models


def stub_predict_cfg(models_dir: Path, input, output, *overrides: str):
    """The predict config for the stub runs of ``models_dir``, progress bars off."""
    from claimsift.config import compose

    return compose("predict", [f"input={input}", f"output={output}", f"models_dir={models_dir}",
                               "predict.progress=false", *overrides])
