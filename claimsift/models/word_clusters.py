"""Word classes for the CRF: k-means clusters of an encoder's word-piece input embeddings.

A linear CRF sees each word as its own feature, so a reporting verb or a
source's title that training never showed it is unknown to it. Cluster ids
(the role Brown clusters play in classic NER taggers) give such words the
weights of their neighbours in embedding space: "stated" shares a class with
"remarked", "senator" with "commissioner".

The clusters come from the input embeddings of a Hugging Face encoder (the
packaged all-MiniLM-L6-v2 by default), one k-means per granularity over the
vocabulary's word-initial pieces. A word's class is that of its first word
piece: the longest vocabulary prefix of its lower-cased form, which is the
piece WordPiece would give it first (accents are stripped first, as the
uncased tokenizer does: "Sánchez" is looked up as "sanchez"). The tables are plain dicts kept inside the
fitted CRF, so prediction needs neither torch nor the encoder.

k-means over MiniLM's 29,000 word-initial pieces takes about a minute on two
cores for the default granularities, so the tables are cached on disk, keyed by
a hash of the embeddings, the k's and the seed: in ``$CLAIMSIFT_CACHE`` or
``~/.cache/claimsift/word_clusters``. A second fit with the same encoder reads
them back; deleting the folder only costs that minute again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import unicodedata
from pathlib import Path

from claimsift.io import atomic_path


def cache_dir() -> Path:
    """Where fitted cluster tables are kept (``$CLAIMSIFT_CACHE``, else ``~/.cache/claimsift``)."""
    root = os.environ.get("CLAIMSIFT_CACHE")
    if not root:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "claimsift"
    return Path(root) / "word_clusters"


_KMEANS = {"n_init": 3, "batch_size": 4096}


def _plain(word: str) -> str:
    """Lower case without accents, as an uncased WordPiece tokenizer reads a word."""
    lower = word.lower()
    if lower.isascii():
        return lower
    return "".join(c for c in unicodedata.normalize("NFD", lower) if not unicodedata.combining(c))


def _read_tables(path: Path, ks: list[int]) -> dict[int, dict[str, int]] | None:
    """The cached tables at ``path`` for exactly ``ks``; None when absent, unreadable or not such tables."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tables = {int(k): v for k, v in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    if sorted(tables) != ks or not all(isinstance(t, dict) and t and all(isinstance(c, int) for c in t.values())
                                       for t in tables.values()):
        return None
    return tables


class WordClusters:
    """``tables``: per k, word piece → cluster id.

    The ``neighbours`` smallest k's also describe the words either side of each word.
    """

    def __init__(self, tables: dict[int, dict[str, int]], neighbours: int = 0):
        self.tables = {int(k): dict(v) for k, v in sorted(tables.items())}
        self.neighbours = int(neighbours)
        self._views: dict[str, tuple[tuple[bytes, ...], ...]] = {}

    @classmethod
    def fit(cls, path: str | Path | None, ks, seed: int = 0, neighbours: int = 0) -> "WordClusters":
        """Cluster the word-initial pieces of the encoder at ``path`` (None: the packaged MiniLM) for each k."""
        import numpy as np
        import sklearn
        from sklearn.cluster import MiniBatchKMeans
        from transformers import AutoModel, AutoTokenizer

        from claimsift.models.transformer import resolve_model_path

        src = resolve_model_path(path)
        vocab = AutoTokenizer.from_pretrained(src).get_vocab()
        weights = AutoModel.from_pretrained(src).get_input_embeddings().weight.detach().cpu().numpy()
        # word-initial pieces only: "##ed" never starts a word, "[CLS]" is no word at all
        pieces = sorted((w, i) for w, i in vocab.items() if not w.startswith("##") and not w.startswith("["))
        x = np.ascontiguousarray(weights[[i for _, i in pieces]], dtype=np.float32)
        ks = sorted({int(k) for k in ks})
        # everything the tables depend on: the embeddings, the pieces, the k's, the seed and the recipe
        recipe = [ks, int(seed), _KMEANS, "l2-normalised", sklearn.__version__]
        key = hashlib.sha256(x.tobytes() + "\n".join(w for w, _ in pieces).encode()
                             + json.dumps(recipe).encode()).hexdigest()[:24]
        cached = cache_dir() / f"{key}.json"
        tables = _read_tables(cached, ks)
        if tables is not None:
            return cls(tables, neighbours)
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        tables = {}
        for k in ks:
            if not 2 <= int(k) <= len(pieces):
                raise ValueError(f"word_clusters: k={k} must lie between 2 and the {len(pieces)} word pieces")
            km = MiniBatchKMeans(n_clusters=int(k), random_state=seed, **_KMEANS).fit(x)
            tables[int(k)] = {w: int(c) for (w, _), c in zip(pieces, km.labels_)}
        try:
            with atomic_path(cached) as tmp:
                tmp.write_text(json.dumps(tables), encoding="utf-8")
        except (ValueError, OSError) as exc:  # a cache that cannot be written costs time, not the run
            print(f"claimsift: word clusters not cached in {cached} ({exc})", file=sys.stderr)
        return cls(tables, neighbours)

    def cluster(self, word: str, k: int) -> int | None:
        """The class of ``word``'s first word piece at granularity ``k``; None when no prefix is in the vocabulary."""
        table, lower = self.tables[k], _plain(word)
        for end in range(len(lower), 0, -1):
            c = table.get(lower[:end])
            if c is not None:
                return c
        return None

    def views(self, word: str) -> tuple[tuple[bytes, ...], ...]:
        """(own, as the word to the left, as the word to the right) features of ``word``, UTF-8, cached."""
        v = self._views.get(word)
        if v is None:
            ids = [(k, self.cluster(word, k)) for k in self.tables]
            ids = [(k, c) for k, c in ids if c is not None]
            near = ids[: self.neighbours]
            v = (tuple(f"cl{k}={c}".encode() for k, c in ids),
                 tuple(f"-1:cl{k}={c}".encode() for k, c in near),
                 tuple(f"+1:cl{k}={c}".encode() for k, c in near))
            if len(self._views) < 200_000:
                self._views[word] = v
        return v

    def columns(self, words: list[str]) -> list[list[tuple[bytes, ...]]]:
        """One feature column over a sentence's words: each word's classes, then its left and right neighbour's."""
        cached = self._views.get
        views = [cached(w) or self.views(w) for w in words]
        if not views:
            return []
        # one column: a word's own classes, then its left neighbour's, then its right neighbour's
        lefts = [()] + [v[1] for v in views[:-1]]
        rights = [v[2] for v in views[1:]] + [()]
        return [[v[0] + a + b for v, a, b in zip(views, lefts, rights)]]

    def __getstate__(self):
        return {"tables": self.tables, "neighbours": self.neighbours}  # the view cache is rebuilt on use

    def __setstate__(self, state):
        self.__init__(state["tables"], state.get("neighbours", 0))
