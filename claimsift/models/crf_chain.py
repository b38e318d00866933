"""A fitted crfsuite CRF's inference, vectorised over a batch of sentences with numpy.

crfsuite (through python-crfsuite) tags one sentence per call: each call copies
every attribute name into C++, looks each one up in the model's string table,
then runs Viterbi, and every marginal is one more call. At tens of thousands of
sentences per second that per-sentence traffic is most of the time. This module
reads the fitted weights once (state weights as an attributes x labels matrix,
transition weights as labels x labels) and scores a whole batch at once:
attribute names become row numbers through one dict, the state scores of all
tokens are one sparse-by-dense product, and Viterbi and forward-backward run
over padded batches of similar-length sentences.

It computes what crfsuite computes (linear-chain CRF, binary attributes, no
start or end weights; tests/test_crf_chain.py checks tags and marginals against
the crfsuite tagger on a fitted model); crfsuite still trains the model.
"""

from __future__ import annotations

from itertools import chain, repeat
from typing import Sequence

import numpy as np

_CHUNK = 256  # sentences per padded batch: sorted by length, so the padding is short


class LinearChain:
    """Viterbi tags and per-token marginals of a fitted crfsuite model, for many sentences at once."""

    def __init__(self, labels: Sequence[str], index: dict[bytes, int], state: np.ndarray, transitions: np.ndarray):
        self.labels = list(labels)  # column order of state and transitions
        self.index = index  # attribute name (UTF-8) → row of ``state``; unknown names → the zero row
        self.state = state  # (attributes + 1, labels); the last row is zeros
        self.transitions = transitions  # (labels, labels): from the row's label to the column's
        self._zero = state.shape[0] - 1

    @classmethod
    def from_tagger(cls, tagger, model_file: str | None = None) -> "LinearChain":
        """The weights of a python-crfsuite ``Tagger`` holding a fitted model.

        ``model_file`` (the model the tagger opened): the weights are read from it exactly. Without it,
        or when it is not a model file this reader knows, they come from ``tagger.info()``, which parses
        crfsuite's text dump and rounds each weight to 1e-6 (span scores then differ from crfsuite's in
        the 4th decimal now and then).
        """
        labels = list(tagger.labels())
        col = {label: j for j, label in enumerate(labels)}
        info = tagger.info()
        exact = _model_file_features(model_file) if model_file else None
        if exact is None:
            state_features, transitions_ = info.state_features, info.transitions
        else:
            attr_name = {int(i): a for a, i in info.attributes.items()}
            label_name = {int(i): name for name, i in info.labels.items()}
            state_features, transitions_ = {}, {}
            for kind, src, dst, weight in exact:
                if kind == _STATE:
                    state_features[attr_name[src], label_name[dst]] = weight
                else:
                    transitions_[label_name[src], label_name[dst]] = weight
        index: dict[bytes, int] = {}
        entries = []
        for (attr, label), weight in state_features.items():
            entries.append((index.setdefault(attr.encode("utf-8"), len(index)), col[label], weight))
        state = np.zeros((len(index) + 1, len(labels)))
        for row, j, weight in entries:
            state[row, j] = weight
        transitions = np.zeros((len(labels), len(labels)))
        for (a, b), weight in transitions_.items():
            transitions[col[a], col[b]] = weight
        return cls(labels, index, state, transitions)

    def state_scores(self, sentences: Sequence[Sequence[Sequence[bytes]]]) -> list[np.ndarray]:
        """Per sentence, a (tokens, labels) array: the summed weights of each token's attributes."""
        from scipy.sparse import csr_matrix

        rows = [row for sent in sentences for row in sent]
        if not rows:
            return [np.zeros((0, len(self.labels))) for _ in sentences]
        ids = np.fromiter(map(self.index.get, chain.from_iterable(rows), repeat(self._zero)), dtype=np.int64)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, rows), dtype=np.int64, count=len(rows)), out=indptr[1:])
        tokens = csr_matrix((np.ones(len(ids)), ids, indptr), shape=(len(rows), self.state.shape[0]))
        scores = np.asarray(tokens @ self.state)
        ends = np.cumsum([len(s) for s in sentences])
        return np.split(scores, ends[:-1])

    def _batches(self, scores: list[np.ndarray]):
        """(sentence numbers, padded (B, T, labels) scores, lengths) over length-sorted chunks."""
        order = sorted((i for i in range(len(scores)) if len(scores[i])), key=lambda i: len(scores[i]))
        for k in range(0, len(order), _CHUNK):
            part = order[k:k + _CHUNK]
            lengths = np.array([len(scores[i]) for i in part])
            padded = np.zeros((len(part), lengths.max(), len(self.labels)))
            for b, i in enumerate(part):
                padded[b, :lengths[b]] = scores[i]
            yield part, padded, lengths

    def viterbi(self, scores: list[np.ndarray]) -> list[list[str]]:
        """The highest-scoring label sequence of each sentence (its state scores from ``state_scores``)."""
        out: list[list[str]] = [[] for _ in scores]
        labels = np.array(self.labels, dtype=object)
        for part, s, lengths in self._batches(scores):
            n, steps = s.shape[:2]
            best = s[:, 0].copy()
            back = np.zeros((n, steps, len(self.labels)), dtype=np.int64)
            for t in range(1, steps):
                cand = best[:, :, None] + self.transitions[None]  # (B, from, to)
                back[:, t] = cand.argmax(axis=1)
                live = (t < lengths)[:, None]
                best = np.where(live, cand.max(axis=1) + s[:, t], best)  # a finished sentence keeps its last
            path = np.zeros((n, steps), dtype=np.int64)
            rows = np.arange(n)
            path[rows, lengths - 1] = best.argmax(axis=1)
            for t in range(steps - 1, 0, -1):
                live = t < lengths
                prev = back[rows, t, path[:, t]]
                path[:, t - 1] = np.where(live, prev, path[:, t - 1])
            for b, i in enumerate(part):
                out[i] = labels[path[b, :lengths[b]]].tolist()
        return out

    def marginals(self, scores: list[np.ndarray]) -> list[np.ndarray]:
        """Per sentence, a (tokens, labels) array of each label's marginal probability.

        Forward-backward in probability space, each step's forward vector scaled to sum to 1 (as crfsuite
        does); a token's scores are shifted by their maximum first, which changes no marginal.
        """
        out: list[np.ndarray] = [np.zeros((0, len(self.labels))) for _ in scores]
        trans = np.exp(self.transitions)
        for part, s, lengths in self._batches(scores):
            n, steps, k = s.shape
            inside = (np.arange(steps)[None, :] < lengths[:, None])[:, :, None]
            e = np.where(inside, np.exp(s - s.max(axis=2, keepdims=True)), 1.0)  # padding: any positive value
            alpha = np.empty((n, steps, k))
            scale = np.empty((n, steps, 1))
            alpha[:, 0] = e[:, 0]
            scale[:, 0] = alpha[:, 0].sum(axis=1, keepdims=True)
            alpha[:, 0] /= scale[:, 0]
            for t in range(1, steps):
                a = (alpha[:, t - 1] @ trans) * e[:, t]
                scale[:, t] = a.sum(axis=1, keepdims=True)
                alpha[:, t] = a / scale[:, t]
            beta = np.ones((n, steps, k))
            for t in range(steps - 2, -1, -1):
                b = ((e[:, t + 1] * beta[:, t + 1]) @ trans.T) / scale[:, t + 1]
                beta[:, t] = np.where((t < lengths - 1)[:, None], b, 1.0)  # 1 at and after the last token
            prob = alpha * beta
            for b, i in enumerate(part):
                out[i] = prob[b, :lengths[b]]
        return out


_STATE = 0  # crfsuite's feature types: 0 state (attribute, label), 1 transition (label, label)


def _model_file_features(path: str) -> list[tuple[int, int, int, float]] | None:
    """(type, source id, destination id, weight) of every feature in a crfsuite CRF1d model file, weights as
    stored (float64); None when the file does not start as such a model does.

    The layout (crfsuite's crf1dm.c, little-endian): a 48-byte header (magic ``lCRF``, size, type ``FOMC``,
    version, feature / label / attribute counts, then offsets, the first to the features), and at that
    offset a ``FEAT`` chunk (tag, size in bytes, count) of 20-byte records: type, source, destination
    (uint32) and weight (float64).
    """
    import struct

    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 48 or data[:4] != b"lCRF" or data[8:12] != b"FOMC":
        return None
    offset = struct.unpack_from("<I", data, 28)[0]
    if data[offset:offset + 4] != b"FEAT":
        return None
    size, count = struct.unpack_from("<II", data, offset + 4)
    if size != 12 + 20 * count or offset + size > len(data):
        return None
    records = np.frombuffer(data, dtype=np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")]),
                            count=count, offset=offset + 12)
    return [(int(t), int(a), int(b), float(w)) for t, a, b, w in records]
