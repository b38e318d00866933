"""ONNX Runtime for transformer runs: ``predict.backend=onnx`` (int8) and ``predict.backend=onnx-fp32``.

    claimsift predict input=seeds output=predictions/seeds.jsonl predict.backend=onnx
    claimsift predict input=seeds output=predictions/seeds.jsonl predict.backend=onnx-fp32
    .venv/bin/python bench/predict.py --backends-only --variants   # speed, agreement, seeds macro-F1

The first use of a run exports its network with torch.onnx (the TorchScript
exporter: it needs nothing beyond torch and onnx) and, for ``onnx``, quantizes
it with ONNX Runtime's dynamic int8 quantization. The result is cached in the
run folder, ``<run>/onnx/model.<int8|fp32>.onnx`` beside a ``.json`` holding
its fingerprint (the model folder's bytes, the data it was calibrated on, the
recipe, the library versions): a cache whose fingerprint differs is rebuilt.
Each file is written under a temporary name and renamed.

The model object stays the run's own ``TransformerClassifier`` /
``TransformerSpanModel``: its tokenisation, temperature and span decoding run
as they do natively; only the network call (``runtime_``) is ONNX Runtime's.
A run that is not a transformer (the baselines) keeps its own predict, with a
line on stderr saying so.

The int8 recipe (``Recipe``; each choice measured by ``bench/predict.py --variants``,
BENCHMARKS.md "ONNX Runtime"):

- dynamic quantization of every MatMul: int8 weights, activations quantized
  to uint8 per batch at run time;
- weights per channel (one scale per output column): per tensor lost far more
  agreement with torch fp32;
- SmoothQuant (Xiao et al. 2023) with alpha 0.8 before quantizing: each
  quantized MatMul's input is divided per channel by
  ``s = max|x|^alpha / max|w|^(1-alpha)`` and its weight rows multiplied by
  ``s`` (the same function in fp32), so the few hidden channels with large
  activations no longer set the one int8 scale of the whole activation
  tensor. ``max|x|`` is measured on 256 sentences of the run's training split
  (its ``data.json``); without them the model is quantized unsmoothed and a
  line says so;
- the embeddings stay fp32 (quantizing them saves memory, not time);
- no ONNX Runtime BERT fusion before quantizing: it made int8 slower (its
  fused bias+GELU and skip+LayerNorm keep the MatMuls from fusing with their
  dequantization); ONNX Runtime's own graph optimisations run at load.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import transformers

from claimsift.data.dataset import load_records, sentences_path
from claimsift.io import atomic_path, write_json
from claimsift.models.transformer import HF_DIR, _TransformerBase

CACHE_DIR = "onnx"
EXPORT_VERSION = 1  # bump when the export or quantization code changes what it writes
OPSET = 17


@dataclass(frozen=True)
class Recipe:
    """How the cached ONNX model is built; part of its fingerprint."""

    quantize: bool = True  # dynamic int8 (weights int8, activations uint8 scaled per batch); False: fp32
    per_channel: bool = True  # one weight scale per output column instead of one per matrix
    smooth_alpha: float | None = 0.8  # SmoothQuant's migration strength; None: no smoothing
    calibration_sentences: int = 256  # training sentences that measure each channel's max |activation|
    fuse: bool = False  # onnxruntime.transformers' BERT fusion before quantizing (slower here, see above)
    # Encoder layers whose FFN output projection (after GELU, where activation outliers sit) stays fp32:
    # one activation scale per batch tensor loses most there (see docs/predict.md).
    fp32_ffn_output_layers: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        """The cache file stem: ``model.int8`` / ``model.fp32`` for the defaults, a hash suffix otherwise."""
        kind = "int8" if self.quantize else "fp32"
        default = Recipe() if self.quantize else FP32
        if self == default or self in TASK_RECIPES.values():  # a task's default is that task's plain name
            return f"model.{kind}"
        return f"model.{kind}-{hashlib.sha256(json.dumps(asdict(self)).encode()).hexdigest()[:8]}"


FP32 = Recipe(quantize=False, per_channel=False, smooth_alpha=None, calibration_sentences=0)
RECIPES = {"onnx": Recipe(), "onnx-fp32": FP32}
# Per task, where a task's int8 default differs: for classify, keeping layers 0 and 1's FFN output
# projections in fp32 (2 of 50 MatMuls) raised class agreement with torch from 96.1% to 99.3% for
# 2.07x torch speed instead of 2.43x (1,500 PolNeAR dev sentences, one thread). Extract's span
# agreement stayed near 92% whatever a per-node exclusion kept in fp32, so it keeps the plain recipe.
TASK_RECIPES = {("onnx", "classify"): Recipe(fp32_ffn_output_layers=(0, 1))}


def with_onnx(model, run_dir: str | Path, backend: str = "onnx", recipe: Recipe | None = None, threads: int | None = None):
    """``model`` (loaded from ``run_dir``) with its network running in ONNX Runtime; returns the model.

    ``recipe`` overrides the backend's (bench/predict.py compares several). A
    model that is not a transformer is returned unchanged, with a line on
    stderr. ``threads``: ONNX Runtime's intra-op threads (default: torch's).
    Raises ValueError for an unknown backend.
    """
    if backend not in RECIPES:
        raise ValueError(f"predict.backend={backend}: not an ONNX backend (choose one of {', '.join(RECIPES)})")
    run_dir = Path(run_dir)
    if not isinstance(model, _TransformerBase):
        print(f"claimsift: {run_dir}: a {type(model).__name__} is not a transformer, predict.backend={backend} "
              "applies to transformer runs only: using its own predict", file=sys.stderr)
        return model
    recipe = recipe or TASK_RECIPES.get((backend, model.task), RECIPES[backend])
    model.runtime_ = OnnxRunner(cached_model(run_dir, model, recipe), threads)
    return model


class OnnxRunner:
    """A padded batch (numpy arrays named as the tokenizer names them) → the network's logits."""

    def __init__(self, model: str | Path | bytes, threads: int | None = None):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or torch.get_num_threads()
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(model if isinstance(model, bytes) else str(model), opts,
                                            providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.session.get_inputs()]

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(None, {n: np.asarray(batch[n], dtype=np.int64) for n in self.names})[0]


# ---------------------------------------------------------------- the cache

def cached_model(run_dir: Path, model, recipe: Recipe) -> Path | bytes:
    """The ONNX model of ``run_dir`` for ``recipe``: its cached file, built first when missing or stale.

    It is built in a temporary folder, then copied in under a temporary name and
    renamed (``claimsift.io.atomic_path``); its fingerprint file is removed
    before and written after, so a fingerprint always describes the file beside
    it. When the run folder cannot be written the model is returned as bytes (a
    line on stderr says it is not cached).
    """
    calibration = calibration_source(run_dir, recipe)
    fingerprint = model_fingerprint(run_dir, recipe, calibration)
    cache = run_dir / CACHE_DIR
    path, meta = cache / f"{recipe.name}.onnx", cache / f"{recipe.name}.json"
    if path.is_file() and _read_fingerprint(meta) == fingerprint:
        return path
    what = "int8" if recipe.quantize else "fp32"
    print(f"claimsift: exporting {run_dir.name} to ONNX {what} (once: cached as {path})", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="claimsift-onnx-") as tmp:
        built = build(model, run_dir, recipe, calibration, Path(tmp))
        try:
            meta.unlink(missing_ok=True)  # never a fingerprint beside another file than its own
            with atomic_path(path) as part:
                shutil.copyfile(built, part)
            write_json(meta, {"fingerprint": fingerprint, "recipe": asdict(recipe)})
        except (OSError, ValueError) as exc:  # atomic_path: ValueError for a place that cannot be written
            print(f"claimsift: {cache}: cannot cache the ONNX model ({exc}); built for this run only",
                  file=sys.stderr)
            return built.read_bytes()
    return path


def model_fingerprint(run_dir: Path, recipe: Recipe, calibration: dict | None) -> str:
    """sha256 of the model folder's files, the calibration data, the recipe and the exporting libraries."""
    h = hashlib.sha256()
    model_dir = run_dir / "model"
    for f in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(model_dir)).encode() + b"\0")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    h.update(json.dumps({"recipe": asdict(recipe), "calibration": calibration, "export": EXPORT_VERSION,
                         "versions": [torch.__version__, transformers.__version__, onnx.__version__,
                                      ort.__version__]}, sort_keys=True).encode())
    return h.hexdigest()


def _read_fingerprint(meta: Path) -> str | None:
    try:
        return json.loads(meta.read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError, AttributeError):
        return None


def calibration_source(run_dir: Path, recipe: Recipe) -> dict | None:
    """Where SmoothQuant's calibration sentences come from: the run's training split (its ``data.json``).

    None when the recipe needs none, or (with a line on stderr) when the dataset is not on this machine.
    """
    if not recipe.quantize or recipe.smooth_alpha is None:
        return None
    try:
        info = json.loads((run_dir / "data.json").read_text(encoding="utf-8"))
        dataset = Path(info["dataset_dir"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problem = f"cannot read {run_dir / 'data.json'} ({exc})"
    else:
        sentences = dataset if dataset.is_file() else sentences_path(dataset)
        if sentences.is_file():
            return {"dataset": str(dataset), "data_fingerprint": info.get("fingerprint"),
                    "split": (info.get("splits") or {}).get("train", "train"), "bytes": sentences.stat().st_size}
        problem = f"its dataset {dataset} is not here"
    print(f"claimsift: {run_dir}: no training sentences to calibrate SmoothQuant on ({problem}): "
          "quantizing without smoothing", file=sys.stderr)
    return None


def calibration_texts(source: dict | None, n: int) -> list[str]:
    """``n`` sentences of ``source``'s training split, drawn with seed 0 (none without a source)."""
    if source is None:
        return []
    texts = [r["text"] for r in load_records(source["dataset"]) if r.get("split") == source["split"] and r.get("text")]
    return [texts[i] for i in sorted(np.random.default_rng(0).permutation(len(texts))[:n])]


# ---------------------------------------------------------------- building

def build(model, run_dir: Path, recipe: Recipe, calibration: dict | None, work: Path) -> Path:
    """Export (smoothed when the recipe and calibration allow), optionally fuse and quantize; the final file."""
    net = fresh_network(model, run_dir)
    texts = calibration_texts(calibration, recipe.calibration_sentences)
    if calibration is not None and not texts:
        print(f"claimsift: {calibration['dataset']}: no {calibration['split']!r} sentences to calibrate SmoothQuant "
              "on: quantizing without smoothing", file=sys.stderr)
    if texts:
        smooth(net, model, texts, recipe.smooth_alpha)
    path = export(net, model, work / "model.onnx")
    if recipe.fuse:
        path = fuse(path, net.config, work / "fused.onnx")
    if recipe.quantize:
        path = quantize(path, recipe, work / "int8.onnx")
    return path


def fresh_network(model, run_dir: Path):
    """The run's network loaded anew on the CPU with eager attention (the live model is left as it is)."""
    with _quiet():
        net = type(model.model_).from_pretrained(run_dir / "model" / HF_DIR, attn_implementation="eager")
    return net.cpu().eval()


class Logits(torch.nn.Module):
    """What is exported: the network with token ids, a 0/1 attention mask (and token types) in, logits out."""

    def __init__(self, net, names: list[str]):
        super().__init__()
        self.net, self.names = net, names

    def forward(self, *inputs):
        kw = dict(zip(self.names, inputs))
        # transformers builds its attention mask with Python-side shape checks that the tracer freezes
        # to the example batch (59% agreement with torch on other batches, measured); a 4D additive
        # mask is passed through as it is.
        mask = kw["attention_mask"][:, None, None, :].to(torch.float32)
        kw["attention_mask"] = (1.0 - mask) * torch.finfo(torch.float32).min
        return self.net(**kw).logits


class Scale(torch.nn.Module):
    """Multiplies its input by ``inverse`` per channel (one module shared by Q, K and V: one initializer)."""

    def __init__(self, inverse: torch.Tensor):
        super().__init__()
        self.inverse = torch.nn.Parameter(inverse.detach().clone(), requires_grad=False)

    def forward(self, x):
        return x * self.inverse


def encode_items(model, texts: list[str]) -> list[dict]:
    """``texts`` encoded by the model's own ``_encode`` (a span model's also returns words and word ids)."""
    items = model._encode(texts)
    return items[0] if isinstance(items, tuple) else items


def export(net, model, path: Path) -> Path:
    """``net`` as ONNX at ``path``: inputs as the tokenizer names them (batch and length dynamic), ``logits`` out."""
    example = ["A short one.", "The minister said on Tuesday that the bridge will reopen next week."]
    batch = model.tokenizer_.pad(encode_items(model, example), return_tensors="pt")  # two lengths: padding traced
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in batch]
    dims = {0: "batch", 1: "length"}
    out_dims = dims if model.task == "extract" else {0: "batch"}
    with _quiet(), torch.no_grad():
        torch.onnx.export(Logits(net, names).eval(), tuple(batch[n] for n in names), str(path), input_names=names,
                          output_names=["logits"], dynamic_axes={**{n: dims for n in names}, "logits": out_dims},
                          opset_version=OPSET, dynamo=False)
    return path


def fuse(path: Path, config, out: Path) -> Path:
    """ONNX Runtime's BERT fusions (bias+GELU, skip+LayerNorm; python-side only) of ``path`` into ``out``."""
    from onnxruntime.transformers.optimizer import optimize_model

    with _quiet():
        fused = optimize_model(str(path), model_type="bert", num_heads=config.num_attention_heads,
                               hidden_size=config.hidden_size, opt_level=0)
        fused.save_model_to_file(str(out))
    return out


def quantize(path: Path, recipe: Recipe, out: Path) -> Path:
    """Dynamic int8 quantization of the MatMuls and Gemms of ``path`` into ``out``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = fp32_nodes(onnx.load(str(path)), recipe.fp32_ffn_output_layers)
    with _quiet():
        quantize_dynamic(str(path), str(out), weight_type=QuantType.QInt8, per_channel=recipe.per_channel,
                         op_types_to_quantize=["MatMul", "Gemm"], nodes_to_exclude=keep,
                         # the fused graph's com.microsoft ops defeat ONNX shape inference: say the type
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return out


def fp32_nodes(graph_model, layers: tuple[int, ...]) -> list[str]:
    """Names of the FFN output MatMuls of encoder ``layers`` (``layer.<i>/output/dense``, not attention's)."""
    names = [f"layer.{i}/output/dense" for i in layers]
    return [n.name for n in graph_model.graph.node if n.op_type == "MatMul" and any(m in n.name for m in names)]


def smooth(net, model, texts: list[str], alpha: float) -> None:
    """SmoothQuant on ``net`` in place: per-channel input scales moved into the weights of each encoder layer.

    Q, K and V share one scale (a multiplication before them); the attention
    output's scale folds into V's output channels exactly; the FFN's two
    MatMuls get a multiplication each. Layers not laid out as BERT's are left as they are.
    """
    layers = getattr(getattr(net.base_model, "encoder", None), "layer", None)
    needed = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
              "intermediate.dense", "output.dense")
    if layers is None or not all(_has(layer, n) for layer in layers for n in needed):
        print(f"claimsift: {type(net).__name__}: not laid out as BERT, quantizing without smoothing", file=sys.stderr)
        return
    peaks = input_peaks(net, model, texts, [layer.get_submodule(n) for layer in layers for n in needed])

    def scale(x_peak, *linears):
        w_peak = torch.stack([lin.weight.abs().amax(0) for lin in linears]).amax(0)
        s = x_peak.clamp(min=1e-5) ** alpha / w_peak.clamp(min=1e-5) ** (1 - alpha)
        for lin in linears:
            lin.weight.mul_(s)
        return s

    with torch.no_grad():
        for layer in layers:
            att = layer.attention.self
            qkv = Scale(1 / scale(peaks[att.query], att.query, att.key, att.value))
            att.query, att.key, att.value = (torch.nn.Sequential(qkv, m) for m in (att.query, att.key, att.value))
            out = layer.attention.output.dense
            s = scale(peaks[out], out)
            value = att.value[1]  # context = softmax(QK) V is linear in V: its channels take 1/s exactly
            value.weight.div_(s[:, None])
            value.bias.div_(s)
            up, down = layer.intermediate.dense, layer.output.dense
            layer.intermediate.dense = torch.nn.Sequential(Scale(1 / scale(peaks[up], up)), up)
            layer.output.dense = torch.nn.Sequential(Scale(1 / scale(peaks[down], down)), down)


def input_peaks(net, model, texts: list[str], linears: list) -> dict:
    """Per input channel, the largest |activation| each of ``linears`` sees over ``texts`` (real tokens only)."""
    peaks: dict = {}
    mask: list = [None]

    def hook(module, inputs, _output):
        x = inputs[0].detach().abs()[mask[0]]  # (real tokens, channels)
        peak = x.amax(0)
        peaks[module] = torch.maximum(peaks[module], peak) if module in peaks else peak

    handles = [lin.register_forward_hook(hook) for lin in linears]
    items = sorted(encode_items(model, texts), key=lambda e: len(e["input_ids"]))
    try:
        with torch.inference_mode():
            for i in range(0, len(items), 32):
                batch = model.tokenizer_.pad(items[i:i + 32], return_tensors="pt")
                mask[0] = batch["attention_mask"].bool()
                net(**batch)
    finally:
        for h in handles:
            h.remove()
    return peaks


def _has(module, name: str) -> bool:
    try:
        module.get_submodule(name)
    except AttributeError:
        return False
    return True


@contextlib.contextmanager
def _quiet():
    """The exporter's and quantizer's warnings and root-logger lines off: they are about tracing and
    pre-processing choices made here on purpose (the legacy exporter, no shape pre-processing)."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)
