"""A task's scheme: its classes and their decision order, its span types, its labeling functions and word lists.

A scheme is configuration: ``configs/scheme/<name>.yaml``, picked with
``scheme=<name>`` by every stage (``configs/scheme/news.yaml`` is the default,
the four news classes). Its keys:

- ``name``: a plain name, recorded in every dataset and run built with it.
- ``classes``: the sentence classes (any order; ids follow the sorted list).
- ``precedence``: the decision order, first match wins; majority-vote ties
  break toward the earlier class, and the HTML report colours in this order.
- ``default_class``: the class of a sentence no labeling function votes on.
- ``highlight``: a class whose share per article ``claimsift predict``
  reports (``<class>_share``), or null.
- ``span_types``: the span types of ``task=extract`` (``[]``: no spans).
- ``labeling_functions``: a dotted module (``claimsift.schemes.news.lfs``)
  or a ``.py`` file (``my_lfs.py``, relative to the working folder).
- ``lexicons``: word lists, ``name: file`` (one entry a line, ``#`` starts a
  comment line); a relative file is looked for in the working folder, then
  beside the labeling-function module.

The labeling-function module holds plain functions of one sentence (Snorkel's habit):

- every function named ``lf_*``, in the order written (or the list ``LFS``
  when the module defines one), returns a class name or ``ABSTAIN`` (-1;
  ``None`` abstains too);
- a parameter after the sentence that is named like a word list receives that
  list, a tuple of its entries (Snorkel's ``resources``);
- ``setup(lexicons)``, if defined, is called once with every word list
  (``{name: tuple}``), for patterns built from them;
- ``weak_spans(text)``, if defined, returns the sentence's weak spans
  (``{"type", "start", "end", "text", "attr"}``, offsets into the sentence).

Each scheme loads its own copy of the module, so two schemes sharing a file
never share its state. Datasets record their scheme in ``meta.json`` and runs
in ``label_map.json`` (:meth:`Scheme.spec`), so a run predicts with its own
classes whatever scheme is active.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from claimsift.config import CONFIG_DIR
from claimsift.labels import ABSTAIN, bio_tags

KEYS = ("name", "classes", "precedence", "default_class", "highlight", "span_types", "labeling_functions",
        "lexicons")
CLASS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # a class is part of metric keys and CSS class names
SCHEME_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Scheme:
    """One scheme, validated; the labeling-function module is loaded on first use (``lfs``, ``vote``)."""

    name: str
    classes: tuple[str, ...]        # sorted: the ids of every model
    precedence: tuple[str, ...]     # decision order
    default_class: str
    highlight: str | None
    span_types: tuple[str, ...]
    labeling_functions: str         # a dotted module, or an absolute .py path
    lexicons: Mapping[str, str] = field(default_factory=dict)  # name -> absolute file path

    # -- names and ids
    @property
    def class2id(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def bio_tags(self) -> list[str]:
        return bio_tags(self.span_types)

    def spec(self) -> dict:
        """Everything that rebuilds this scheme (``load_scheme(spec)``): what datasets and runs record."""
        return {"name": self.name, "classes": list(self.classes), "precedence": list(self.precedence),
                "default_class": self.default_class, "highlight": self.highlight,
                "span_types": list(self.span_types), "labeling_functions": self.labeling_functions,
                "lexicons": dict(self.lexicons)}

    def same_labels(self, other: Mapping) -> bool:
        """Whether a recorded scheme (a spec) has this one's name, classes and span types."""
        return (other.get("name") == self.name and sorted(other.get("classes") or []) == list(self.classes)
                and sorted(other.get("span_types") or []) == sorted(self.span_types))

    # -- the labeling functions
    @functools.cached_property
    def _loaded(self) -> tuple[Any, dict[str, tuple[str, ...]]]:
        words = {name: read_word_list(path) for name, path in self.lexicons.items()}
        module = _load_module(self.labeling_functions, _key(self.spec()))
        setup = getattr(module, "setup", None)
        if callable(setup):
            setup(dict(words))
        return module, words

    @property
    def module(self):
        """This scheme's own copy of its labeling-function module, set up with its word lists."""
        return self._loaded[0]

    @functools.cached_property
    def lfs(self) -> list[tuple[str, Callable[[str], Any]]]:
        """(name, function of one sentence) for every labeling function, word lists bound."""
        module, words = self._loaded
        where = self.labeling_functions
        found = getattr(module, "LFS", None)
        if found is None:
            found = [f for n, f in vars(module).items()
                     if n.startswith("lf_") and inspect.isfunction(f) and f.__module__ == module.__name__]
        if not found:
            raise ValueError(f"{where}: no labeling functions (define functions named lf_... or a list LFS)")
        out, seen = [], set()
        for fn in found:
            if not callable(fn):
                raise ValueError(f"{where}: LFS holds {fn!r}, not a function")
            name = getattr(fn, "__name__", repr(fn))
            if name in seen:
                raise ValueError(f"{where}: two labeling functions are named {name}")
            seen.add(name)
            out.append((name, _bind_words(fn, name, words, where)))
        return out

    @property
    def lf_names(self) -> list[str]:
        return [name for name, _ in self.lfs]

    def vote(self, text: str) -> list[str | int]:
        """Every labeling function's vote on one sentence, in ``lf_names`` order: a class or ABSTAIN.

        Raises ValueError naming the function when a vote is neither a class of the scheme nor ABSTAIN.
        """
        votes = []
        known = self._class_set
        for name, fn in self.lfs:
            v = fn(text)
            if v is None or (isinstance(v, int) and not isinstance(v, bool) and v == ABSTAIN):
                votes.append(ABSTAIN)
            elif isinstance(v, str) and v in known:
                votes.append(v)
            else:
                raise ValueError(f"{self.labeling_functions}: {name} voted {v!r} on {text[:60]!r}: not a class of "
                                 f"scheme {self.name} ({', '.join(self.classes)}) nor ABSTAIN")
        return votes

    @functools.cached_property
    def _class_set(self) -> frozenset:
        return frozenset(self.classes)

    def weak_spans(self, text: str) -> list[dict]:
        """The module's weak spans of one sentence (none when it defines no ``weak_spans``)."""
        fn = getattr(self.module, "weak_spans", None)
        if fn is None:
            return []
        spans = fn(text)
        for sp in spans:
            if sp.get("type") not in self.span_types:
                raise ValueError(f"{self.labeling_functions}: weak_spans gave a span of type {sp.get('type')!r}, "
                                 f"not one of scheme {self.name}'s span types ({', '.join(self.span_types) or 'none'})")
        return spans

    def fingerprint(self) -> str:
        """A hash of the spec, the module's source and the word lists: what labelled a dataset."""
        h = hashlib.sha256(json.dumps(self.spec(), sort_keys=True).encode())
        source = getattr(self.module, "__file__", None)
        if source and Path(source).is_file():
            h.update(Path(source).read_bytes())
        for name in sorted(self.lexicons):
            h.update(Path(self.lexicons[name]).read_bytes())
        return h.hexdigest()[:16]


# ---------------------------------------------------------------- loading

def load_scheme(source=None) -> Scheme:
    """A Scheme from a config node or recorded spec (mapping), a name in ``configs/scheme/``, a ``.yaml`` path,
    a Scheme (returned as is), or None (the default scheme, ``default_scheme()``).

    Raises ValueError (FileNotFoundError for a missing file) naming the scheme and the key at fault.
    """
    if isinstance(source, Scheme):
        return source
    if source is None:
        return default_scheme()
    if isinstance(source, (str, Path)):
        return _from_mapping(scheme_config(source))
    from omegaconf import DictConfig, OmegaConf

    if isinstance(source, DictConfig):
        source = OmegaConf.to_container(source, resolve=True)
    if not isinstance(source, Mapping):
        raise ValueError(f"scheme: expected a mapping, a name or a file, got {type(source).__name__}")
    return _from_mapping(dict(source))


@functools.lru_cache(maxsize=64)
def _cached(key: str) -> Scheme:
    return _build(json.loads(key))


def _from_mapping(cfg: dict) -> Scheme:
    return _cached(json.dumps(cfg, sort_keys=True, default=str))


def scheme_config(name_or_path: str | Path) -> dict:
    """The config of scheme ``name_or_path``: ``configs/scheme/<name>.yaml``, or a ``.yaml`` file."""
    from omegaconf import OmegaConf

    text = str(name_or_path)
    path = Path(text) if text.endswith((".yaml", ".yml")) else CONFIG_DIR / "scheme" / f"{text}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (CONFIG_DIR / "scheme").glob("*.yaml"))
        raise FileNotFoundError(f"scheme {text}: no {path} (schemes in {CONFIG_DIR / 'scheme'}: {', '.join(known)})")
    return OmegaConf.to_container(OmegaConf.load(path), resolve=True)


def default_scheme_name() -> str:
    """The scheme every stage config picks by default (the ``scheme`` entry of configs/label.yaml's defaults)."""
    from omegaconf import OmegaConf

    cfg = OmegaConf.load(CONFIG_DIR / "label.yaml")
    for entry in cfg.get("defaults") or []:
        if isinstance(entry, Mapping) or hasattr(entry, "keys"):
            if "scheme" in entry:
                return str(entry["scheme"])
    raise ValueError(f"{CONFIG_DIR / 'label.yaml'}: its defaults name no scheme (expected '- scheme: <name>')")


@functools.lru_cache(maxsize=1)
def default_scheme() -> Scheme:
    """The default scheme: what a tool uses when no scheme is given (``claimsift gold check`` without ``--scheme``)."""
    return load_scheme(default_scheme_name())


def _build(cfg: dict) -> Scheme:
    name = cfg.get("name")
    if not isinstance(name, str) or not SCHEME_NAME.fullmatch(name):
        raise ValueError(f"scheme.name={name!r}: a scheme needs a plain name (letters, digits, . _ -)")
    at = f"scheme {name}"
    unknown = set(cfg) - set(KEYS)
    if unknown:
        raise ValueError(f"{at}: unknown key(s) {', '.join(sorted(unknown))} (expected {', '.join(KEYS)})")
    classes = cfg.get("classes")
    if not isinstance(classes, list) or len(classes) < 2:
        raise ValueError(f"{at}: classes must be a list of at least two class names, got {classes!r}")
    for c in classes:
        if not isinstance(c, str) or not CLASS_NAME.fullmatch(c):
            raise ValueError(f"{at}: class {c!r} is not a plain name (a letter, then letters, digits or _)")
    if len(set(classes)) != len(classes):
        raise ValueError(f"{at}: classes name a class twice ({', '.join(classes)})")
    precedence = cfg.get("precedence") or list(classes)
    if sorted(precedence) != sorted(classes):
        raise ValueError(f"{at}: precedence {precedence} must order exactly the classes ({', '.join(classes)})")
    default_class = cfg.get("default_class")
    if default_class not in classes:
        raise ValueError(f"{at}: default_class={default_class!r} must be one of the classes ({', '.join(classes)})")
    highlight = cfg.get("highlight")
    if highlight is not None and highlight not in classes:
        raise ValueError(f"{at}: highlight={highlight!r} must be null or one of the classes ({', '.join(classes)})")
    span_types = cfg.get("span_types") or []
    if not isinstance(span_types, list) or any(not isinstance(t, str) or not CLASS_NAME.fullmatch(t)
                                               for t in span_types) or len(set(span_types)) != len(span_types):
        raise ValueError(f"{at}: span_types must be a list of distinct plain names, got {span_types!r}")
    ref = cfg.get("labeling_functions")
    if not isinstance(ref, str) or not ref.strip():
        raise ValueError(f"{at}: labeling_functions must name a module (a.b.c) or a .py file")
    ref = _resolve_module_ref(ref.strip(), at)
    lexicons = cfg.get("lexicons") or {}
    if not isinstance(lexicons, Mapping):
        raise ValueError(f"{at}: lexicons must map a word-list name to a file, got {lexicons!r}")
    resolved = {str(k): _resolve_word_list(str(k), str(v), ref, at) for k, v in lexicons.items()}
    return Scheme(name=name, classes=tuple(sorted(classes)), precedence=tuple(precedence),
                  default_class=default_class, highlight=highlight, span_types=tuple(sorted(span_types)),
                  labeling_functions=ref, lexicons=resolved)


def _is_file_ref(ref: str) -> bool:
    return ref.endswith(".py") or "/" in ref or "\\" in ref


def _resolve_module_ref(ref: str, at: str) -> str:
    """A .py file as an absolute path (relative ones from the working folder); a dotted module as given."""
    if _is_file_ref(ref):
        path = Path(ref).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"{at}: labeling_functions={ref}: no such file ({path.resolve()})")
        return str(path.resolve())
    if not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*", ref):
        raise ValueError(f"{at}: labeling_functions={ref!r} is neither a dotted module name nor a .py file")
    return ref


def _module_file(ref: str) -> Path:
    if _is_file_ref(ref):
        return Path(ref)
    try:
        spec = importlib.util.find_spec(ref)
    except (ImportError, ValueError) as exc:
        raise ValueError(f"labeling_functions={ref}: cannot be found ({exc})") from None
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        raise ValueError(f"labeling_functions={ref}: no such module")
    return Path(spec.origin)


def _resolve_word_list(name: str, path: str, module_ref: str, at: str) -> str:
    p = Path(path).expanduser()
    if p.is_absolute():
        return str(p)
    here = Path.cwd() / p
    if here.is_file():
        return str(here.resolve())
    beside = _module_file(module_ref).parent / p
    if beside.is_file():
        return str(beside.resolve())
    raise FileNotFoundError(f"{at}: lexicons.{name}={path}: no such file (looked in {here} and {beside})")


def read_word_list(path: str | Path) -> tuple[str, ...]:
    """The entries of a word-list file: one a line, stripped; blank lines and ``#`` lines left out."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the word list ({exc})") from None
    return tuple(s for s in (line.strip() for line in lines) if s and not s.startswith("#"))


def _key(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def _load_module(ref: str, key: str):
    """A fresh copy of module ``ref`` (dotted or a file) under a name of its own."""
    origin = _module_file(ref)
    name = f"claimsift_scheme_{key}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, origin)
    if spec is None or spec.loader is None:
        raise ValueError(f"{origin}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    if not _is_file_ref(ref):
        module.__package__ = ref.rpartition(".")[0]  # relative imports work as in the package
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's code: name the file and the first line of the error
        del sys.modules[name]
        raise ValueError(f"{origin}: the labeling-function module does not load "
                         f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from exc
    return module


def _bind_words(fn: Callable, name: str, words: dict[str, tuple], where: str) -> Callable[[str], Any]:
    """``fn`` as a function of the sentence alone: its other parameters get the word lists they are named after."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return fn
    if not params:
        raise ValueError(f"{where}: {name} takes no sentence")
    extra = {}
    for p in params[1:]:
        if p.name in words:
            extra[p.name] = words[p.name]
        elif p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ValueError(f"{where}: {name}: parameter {p.name!r} is not a word list of the scheme "
                             f"(lexicons: {', '.join(words) or 'none'})")
    return functools.partial(fn, **extra) if extra else fn


# ---------------------------------------------------------------- what datasets and runs recorded

def labels_of(spec: Mapping | None) -> tuple[list[str], list[str]]:
    """(sorted classes, sorted span types) of a recorded scheme spec, without loading its module; None: the
    default scheme's. What a model needs to know its outputs (its ``scheme`` parameter)."""
    if spec is None:
        scheme = default_scheme()
        return list(scheme.classes), list(scheme.span_types)
    return sorted(spec["classes"]), sorted(spec.get("span_types") or [])


def recorded_scheme(meta: Mapping | None) -> dict | None:
    """The scheme spec a dataset's ``meta.json`` or a run's ``label_map.json`` recorded, or None."""
    spec = (meta or {}).get("scheme")
    return spec if isinstance(spec, Mapping) else None


def check_dataset_scheme(scheme: Scheme, dataset_dir: str | Path) -> None:
    """Raise ValueError when the dataset in ``dataset_dir`` was built with another scheme than ``scheme``.

    A dataset built before schemes were recorded passes when its classes are the scheme's (or it records
    none: the models' own label checks still apply).
    """
    meta_file = Path(dataset_dir) / "meta.json"
    if not meta_file.is_file():
        return  # load_sentences says the dataset is missing
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    spec = recorded_scheme(meta)
    if spec is None:
        if not meta.get("classes") or sorted(meta["classes"]) == list(scheme.classes):
            return
        raise ValueError(f"{dataset_dir}: built with classes {meta.get('classes')}, not scheme {scheme.name}'s "
                         f"({', '.join(scheme.classes)}): rebuild it with `claimsift label scheme={scheme.name}`")
    if not scheme.same_labels(spec):
        raise ValueError(f"{dataset_dir}: built with scheme {spec.get('name')!r} (classes "
                         f"{', '.join(spec.get('classes') or [])}), but scheme={scheme.name} is active: "
                         f"pass scheme={spec.get('name')} or rebuild the dataset with scheme={scheme.name}")


def dataset_scheme(dataset_dir: str | Path) -> Scheme:
    """The scheme a built dataset was labelled with (its ``meta.json``). Raises FileNotFoundError / ValueError."""
    meta_file = Path(dataset_dir) / "meta.json"
    if not meta_file.is_file():
        raise FileNotFoundError(f"{dataset_dir}: no meta.json here (run `claimsift label` first)")
    spec = recorded_scheme(json.loads(meta_file.read_text(encoding="utf-8")))
    if spec is None:
        raise ValueError(f"{meta_file}: records no scheme (built before schemes): rebuild it with `claimsift label`")
    return load_scheme(dict(spec))


def run_scheme(run_dir: str | Path) -> dict | None:
    """The scheme spec a run's ``label_map.json`` recorded, or None (a run from before, or none at all)."""
    path = Path(run_dir) / "label_map.json"
    try:
        return recorded_scheme(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
