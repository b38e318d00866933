"""A classifier's starting point from an extract run: its fine-tuned encoder, a new head (intermediate-task transfer).

    .venv/bin/python bench/init_from_extractor.py models/extract-transformer-mix-latest /tmp/stilts/hf
    .venv/bin/python bench/classifiers.py --designs transformer --tag w2-stilts --no-write \\
        --override model.params.epochs=2 --override model.path=/tmp/stilts/hf

The extraction transformer has learnt where sources, cues and contents lie on
all of PolNeAR's train sentences; the classes are defined by those parts. This
writes a Hugging Face folder holding that encoder without its token head, with
the packaged MiniLM's pooler (a token tagger has none), so that
``model.path=<folder>`` fine-tunes the sentence classifier from it (STILTs,
Phang et al. 2018). Measured once (docs/classifiers.md): it did not help.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from safetensors.torch import load_file, save_file

from claimsift.models.transformer import packaged_model_path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", type=Path, help="an extract run folder trained with model=transformer")
    ap.add_argument("out", type=Path, help="the Hugging Face folder to write")
    args = ap.parse_args(argv)
    src = args.run / "model" / "hf"
    if not (src / "model.safetensors").is_file():
        print(f"{args.run}: no model/hf/model.safetensors (not a transformer run?)", file=sys.stderr)
        return 2
    weights = {k: v for k, v in load_file(src / "model.safetensors").items() if not k.startswith("classifier")}
    prefix = "bert." if any(k.startswith("bert.") for k in weights) else ""
    for k, v in load_file(packaged_model_path() / "model.safetensors").items():
        if k.startswith("pooler."):
            weights[prefix + k] = v
    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    for key in ("id2label", "label2id", "architectures"):
        config.pop(key, None)
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(weights, args.out / "model.safetensors")
    (args.out / "config.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(src / name, args.out / name)
    print(f"wrote {args.out}: {len(weights)} tensors from {args.run.resolve().name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
