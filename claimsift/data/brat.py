"""brat standoff (``.txt`` + ``.ann``) read into sentences with gold spans, and written back.

A ``.ann`` file holds ``T`` lines (text-bound spans: ``T3<TAB>Content 10 20;25 40<TAB>text``),
``E`` lines tying the spans of one attribution together
(``E1<TAB>Attribution:T4 Content:T3 Cue:T2 Source:T1``), ``A`` attributes and ``#``
notes. brat offsets are character offsets into the raw ``.txt``, so the text is
never cleaned here: :func:`claimsift.data.segment.segment` splits the raw text
and keeps exact offsets.

How spans become sentence spans:

- ``Source`` / ``Cue`` / ``Content`` spans (any case) become ``SOURCE`` / ``CUE`` /
  ``CONTENT``. Event triggers (``Attribution``, ``Attribution-no-source``) only
  anchor the ``E`` lines; other types (``Discard``, ``Discuss``, ...) are
  counted under ``ignored_types`` and skipped.
- A discontinuous span (``10 20;25 40``) is split into its fragments; each
  fragment is a span of its own (same type and attribution), so the gap is
  never labeled.
- Each fragment is clipped to every sentence it overlaps; whitespace at the
  edges of a piece (annotators sometimes take a trailing space or no-break
  space) is trimmed and empty pieces are dropped. A span cut at a sentence edge
  counts as ``clipped``, one with no piece left as ``dropped``.
- ``attr`` ties the spans of one attribution: by default renumbered per
  sentence 0, 1, ... in order of each attribution's first span (the gold
  format's canonical form); with ``attr="event"`` it is the ``E`` line's
  number. A span in no ``E`` line gets an attribution of its own; a span shared
  by several ``E`` lines (a source of two attributions) keeps the lowest.
- A ``Sentence`` span (what :func:`write_brat` writes) fixes a sentence's
  boundaries, its ``Label`` attribute the sentence class and its
  ``AnnotatorNotes`` the note; without ``Sentence`` spans the text is segmented.

:func:`export` writes predictions or a built dataset as a brat folder
(:func:`write_brat`); :func:`import_folder` reads a brat folder back into gold
records. ``claimsift brat`` (:mod:`claimsift.brat`) is their command line.

Several annotators: PolNeAR keeps one ``.ann`` per (article, annotator) named
``<stem>_<annotator>.ann``. ``policy="first"`` reads the first annotator id in
sorted order; ``policy="all"`` yields one document per annotator with doc_id
``<stem>@<annotator>``.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from claimsift.data.dataset import load_records, sentences_path
from claimsift.data.gold import check_label
from claimsift.data.segment import segment
from claimsift.io import ARTICLE_LOG_SUFFIX, atomic_path, beside, read_jsonl, write_jsonl

SPAN_TYPE_OF = {"source": "SOURCE", "cue": "CUE", "content": "CONTENT"}
BRAT_TYPE_OF = {"SOURCE": "Source", "CUE": "Cue", "CONTENT": "Content"}
TRIGGER_TYPES = {"attribution", "attribution-no-source"}
SENTENCE_TYPE = "Sentence"
LABEL_ATTRIBUTE = "Label"
POLICIES = ("first", "all")
ATTR_MODES = ("sentence", "event")

_ID_LINE = re.compile(r"^([TEAMRN#*])(\d*)\t")
_OFFSETS = re.compile(r"^\d+ \d+(;\d+ \d+)*$")


@dataclass
class TextBound:
    id: str
    type: str
    fragments: list[tuple[int, int]]
    text: str
    line: int


@dataclass
class Annotation:
    """One parsed ``.ann`` file."""
    path: Path
    spans: dict[str, TextBound] = field(default_factory=dict)
    events: list[tuple[int, str | None, list[tuple[str, str]]]] = field(default_factory=list)  # (number, trigger, args)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # T id -> {name: value}
    notes: dict[str, str] = field(default_factory=dict)  # T id -> note


@dataclass
class BratSentence:
    index: int
    start: int
    end: int
    text: str
    gold_spans: list[dict] | None  # None when the document has no .ann
    label: str | None = None
    note: str | None = None


@dataclass
class BratDocument:
    doc_id: str
    text: str
    source: str
    ann: str | None
    annotator: str | None
    sentences: list[BratSentence]


@dataclass
class BratStats:
    """Counts of what reading a corpus did; ``as_dict()`` is what summaries print."""
    documents: int = 0
    sentences: int = 0
    multi_annotator_documents: int = 0
    unannotated_documents: int = 0
    spans: Counter = field(default_factory=Counter)           # T spans per type
    discontinuous: Counter = field(default_factory=Counter)   # spans with several fragments
    pieces: Counter = field(default_factory=Counter)          # sentence spans written
    clipped: Counter = field(default_factory=Counter)         # spans cut at a sentence edge
    dropped: Counter = field(default_factory=Counter)         # spans with nothing inside a sentence
    unlinked: Counter = field(default_factory=Counter)        # spans in no E line
    shared: Counter = field(default_factory=Counter)          # spans in several E lines
    ignored_types: Counter = field(default_factory=Counter)
    attributions: int = 0
    overlapping_pieces: int = 0  # sentence spans overlapping another (nested attributions)
    text_mismatches: int = 0     # T line text differs from the .txt at its offsets
    unmatched_ann: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = {}
        for k, v in self.__dict__.items():
            out[k] = dict(sorted(v.items())) if isinstance(v, Counter) else v
        return out


def parse_ann(path: str | Path, text: str) -> Annotation:
    """Parse one ``.ann`` file against its document ``text``.

    Raises ValueError naming the file and line for a line that is not brat
    standoff, offsets outside the text, or an E line naming an unknown span.
    """
    path = Path(path)
    ann = Annotation(path)
    last_t: TextBound | None = None
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        m = _ID_LINE.match(line)
        if not m:
            # A span text holding a line break spills onto the next lines (PolNeAR has a few).
            if last_t is not None:
                last_t.text += "\n" + line
                continue
            raise ValueError(f"{path}:{lineno}: not a brat standoff line: {line[:60]!r}")
        kind, fields = m.group(1), line.split("\t")
        where = f"{path}:{lineno}"
        last_t = None
        if kind == "T":
            if len(fields) < 2:
                raise ValueError(f"{where}: T line without type and offsets")
            typ, _, offsets = fields[1].partition(" ")
            if not _OFFSETS.match(offsets):
                raise ValueError(f"{where}: bad offsets {offsets!r}")
            frags = [tuple(int(x) for x in part.split(" ")) for part in offsets.split(";")]
            for s, e in frags:
                if not 0 <= s <= e <= len(text):
                    raise ValueError(f"{where}: offsets {s}-{e} outside the text (length {len(text)})")
            last_t = ann.spans[fields[0]] = TextBound(fields[0], typ, frags, fields[2] if len(fields) > 2 else "",
                                                      lineno)
        elif kind == "E":
            parts = fields[1].split() if len(fields) > 1 else []
            if not parts:
                raise ValueError(f"{where}: empty E line")
            args = []
            for part in parts:
                role, sep, tid = part.partition(":")
                if not sep or not tid:
                    raise ValueError(f"{where}: bad event argument {part!r}")
                args.append((role, tid))
            number = int(m.group(2)) if m.group(2) else len(ann.events) + 1
            trigger, args = args[0][1], args[1:]  # brat: the first pair is TYPE:TRIGGER
            ann.events.append((number, trigger, args))
        elif kind in "AM":
            parts = fields[1].split() if len(fields) > 1 else []
            if len(parts) < 2:
                raise ValueError(f"{where}: bad attribute line")
            ann.attributes.setdefault(parts[1], {})[parts[0]] = parts[2] if len(parts) > 2 else "true"
        elif kind == "#":
            parts = fields[1].split() if len(fields) > 1 else []
            if len(parts) >= 2 and parts[0] == "AnnotatorNotes":
                ann.notes[parts[1]] = fields[2] if len(fields) > 2 else ""
        # R (relations), N (normalizations), * (equivalences) carry nothing a sentence record holds.
    for number, trigger, args in ann.events:
        for tid in [trigger, *(t for _, t in args)]:
            if tid not in ann.spans and not tid.startswith("E"):
                raise ValueError(f"{path}: E{number} names {tid}, which is not a T line of the file")
    return ann


def sentence_records(text: str, ann: Annotation | None, stats: BratStats, attr_mode: str = "sentence",
                     where: str = "", classes: Iterable[str] | None = None) -> list[BratSentence]:
    """Sentences of ``text`` with the annotation's spans clipped into each.

    Sentence boundaries come from ``Sentence`` spans when the file has any,
    otherwise from :func:`segment`. Raises ValueError for a Label that is not
    one of ``classes`` (None: the default scheme's).
    """
    if attr_mode not in ATTR_MODES:
        raise ValueError(f"attr mode {attr_mode!r} (expected one of {', '.join(ATTR_MODES)})")
    sentence_spans = sorted((t for t in (ann.spans.values() if ann else []) if t.type == SENTENCE_TYPE),
                            key=lambda t: t.fragments[0])
    if sentence_spans:
        bounds = [(t.fragments[0][0], t.fragments[-1][1], t.id) for t in sentence_spans]
    else:
        bounds = [(s.start, s.end, None) for s in segment(text)]
    sentences = []
    for i, (s, e, tid) in enumerate(bounds):
        label = note = None
        if ann is not None and tid is not None:
            label = ann.attributes.get(tid, {}).get(LABEL_ATTRIBUTE)
            if label is not None:
                check_label(label, f"{ann.path}: {tid}", classes)
            note = ann.notes.get(tid)
        sentences.append(BratSentence(i, s, e, text[s:e], None if ann is None else [], label, note))
    stats.sentences += len(sentences)
    if ann is None:
        return sentences

    links: dict[str, list[int]] = {}
    for number, _, args in ann.events:
        for _, tid in args:
            links.setdefault(tid, []).append(number)
    stats.attributions += len(ann.events)
    next_free = max((n for n, _, _ in ann.events), default=0) + 1
    starts = [s.start for s in sentences]
    for tb in sorted(ann.spans.values(), key=lambda t: (t.fragments[0], t.id)):
        low = tb.type.lower()
        if tb.type == SENTENCE_TYPE or low in TRIGGER_TYPES:
            continue
        if low not in SPAN_TYPE_OF:
            stats.ignored_types[tb.type] += 1
            continue
        typ = SPAN_TYPE_OF[low]
        stats.spans[typ] += 1
        if " ".join(text[s:e] for s, e in tb.fragments) != tb.text:
            stats.text_mismatches += 1
        if len(tb.fragments) > 1:
            stats.discontinuous[typ] += 1
        numbers = links.get(tb.id)
        if not numbers:
            stats.unlinked[typ] += 1
            attr, next_free = next_free, next_free + 1
        else:
            stats.shared[typ] += len(set(numbers)) > 1
            attr = min(numbers)
        kept, cut = 0, False
        for fs, fe in tb.fragments:
            # sentences overlapping [fs, fe): from the last one starting before fe, walk back
            j = bisect.bisect_left(starts, fe) - 1
            covered = 0
            while j >= 0 and sentences[j].end > fs:
                sent = sentences[j]
                ps, pe = max(fs, sent.start), min(fe, sent.end)
                while ps < pe and text[ps].isspace():
                    ps += 1
                while pe > ps and text[pe - 1].isspace():
                    pe -= 1
                if ps < pe:
                    sent.gold_spans.append({"type": typ, "start": ps - sent.start, "end": pe - sent.start,
                                            "text": text[ps:pe], "attr": attr})
                    kept += 1
                    covered += pe - ps
                j -= 1
            if covered < len(text[fs:fe].strip()):
                cut = True
        stats.pieces[typ] += kept
        if kept == 0:
            stats.dropped[typ] += 1
        elif cut:
            stats.clipped[typ] += 1

    for sent in sentences:
        sent.gold_spans.sort(key=lambda x: (x["start"], x["end"], x["type"]))
        spans = sent.gold_spans
        stats.overlapping_pieces += sum(
            any(o is not x and o["start"] < x["end"] and x["start"] < o["end"] for o in spans) for x in spans)
        if attr_mode == "sentence":
            order: dict[int, int] = {}
            for x in spans:
                x["attr"] = order.setdefault(x["attr"], len(order))
    return sentences


def document_files(folder: str | Path) -> tuple[Path, Path]:
    """(text folder, annotation folder) of a brat corpus folder.

    PolNeAR keeps ``text/`` and ``attributions/`` side by side; a plain brat
    folder holds ``.txt`` and ``.ann`` together. Raises FileNotFoundError.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    if (folder / "text").is_dir() and (folder / "attributions").is_dir():
        return folder / "text", folder / "attributions"
    return folder, folder


def read_brat_corpus(path: str | Path, policy: str = "first", *, attr_mode: str = "sentence",
                     stats: BratStats | None = None, max_documents: int | None = None,
                     classes: Iterable[str] | None = None) -> Iterator[BratDocument]:
    """Yield the documents of a brat folder in file-name order, with gold spans per sentence.

    ``policy`` decides documents with several annotators: ``first`` or
    ``all`` (see the module doc). A ``.txt`` without any ``.ann`` is yielded
    with ``gold_spans=None`` (not annotated) and counted; an ``.ann`` that
    matches no ``.txt`` is listed in ``stats.unmatched_ann``. Counts go to
    ``stats`` when given. Raises ValueError (naming the file) for bad input.
    """
    if policy not in POLICIES:
        raise ValueError(f"annotator policy {policy!r} (expected one of {', '.join(POLICIES)})")
    stats = stats if stats is not None else BratStats()
    text_dir, ann_dir = document_files(path)
    texts = {p.stem: p for p in sorted(text_dir.glob("*.txt"))}
    if not texts:
        raise FileNotFoundError(f"{text_dir}: no .txt files")
    anns: dict[str, dict[str | None, Path]] = {}
    for p in sorted(ann_dir.glob("*.ann")):
        if p.stem in texts:
            anns.setdefault(p.stem, {})[None] = p
            continue
        stem, _, annotator = p.stem.rpartition("_")
        if stem in texts and annotator:
            anns.setdefault(stem, {})[annotator] = p
        else:
            stats.unmatched_ann.append(str(p))
    n = 0
    for stem, txt in texts.items():
        if max_documents is not None and n >= max_documents:
            return
        n += 1
        try:
            text = txt.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{txt}: not UTF-8 text ({exc.reason})") from None
        by_annotator = anns.get(stem, {})
        if len(by_annotator) > 1:
            stats.multi_annotator_documents += 1
        if not by_annotator:
            stats.unannotated_documents += 1
            chosen: list[tuple[str | None, Path | None]] = [(None, None)]
        else:
            ordered = sorted(by_annotator.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))
            chosen = ordered[:1] if policy == "first" else ordered
        for annotator, ann_path in chosen:
            ann = parse_ann(ann_path, text) if ann_path is not None else None
            doc_id = stem if policy == "first" or annotator is None else f"{stem}@{annotator}"
            stats.documents += 1
            yield BratDocument(doc_id, text, str(txt), str(ann_path) if ann_path else None, annotator,
                               sentence_records(text, ann, stats, attr_mode, classes=classes))


# ---------------------------------------------------------------- writing

ANNOTATION_CONF = """\
# claimsift: attribution spans (PolNeAR / PARC style) and the sentence class.
[entities]
Source
Cue
Content
Attribution
Sentence

[relations]
<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]
Attribution\tSource*:Source, Cue*:Cue, Content*:Content

[attributes]
Label\tArg:Sentence, Value:{values}
"""

VISUAL_CONF = """\
[labels]
Source | Source | SRC
Cue | Cue
Content | Content | CNT
Sentence | Sentence | S

[drawing]
Source\tbgColor:#8fb2ff
Cue\tbgColor:#ffd48f
Content\tbgColor:#b2ff8f
Attribution\tbgColor:#eeeeee
Sentence\tbgColor:#f7f7f7
"""


def document_text(sentences: list[dict], where: str) -> str:
    """Rebuild a document's text from its sentence records, each at its own offsets.

    The gaps between sentences are unknown; they become spaces with a line
    break at the end, so brat shows one sentence per line and every offset
    stays valid. Raises ValueError when a record's offsets do not fit its text
    or two sentences overlap.
    """
    chars: list[str] = []
    for rec in sorted(sentences, key=lambda r: r["start"]):
        s, e, t = rec["start"], rec["end"], rec["text"]
        if e - s != len(t) or s < 0:
            raise ValueError(f"{where}: {rec.get('sent_id', rec['doc_id'])}: offsets {s}-{e} do not fit its text")
        if s < len(chars):
            raise ValueError(f"{where}: {rec.get('sent_id', rec['doc_id'])}: overlaps the previous sentence")
        gap = s - len(chars)
        if gap:
            chars.extend(" " * (gap - 1) + "\n")
        chars.extend(t)
    return "".join(chars) + "\n"


def write_brat(documents: Iterable[tuple[str, str, list[dict]]], out_dir: str | Path,
               classes: Iterable[str] | None = None) -> dict:
    """Write one ``<doc_id>.txt`` + ``<doc_id>.ann`` per document, and brat's configs.

    ``documents`` yields (doc_id, text, sentences); a sentence is a dict with
    ``start``, ``end`` (offsets into ``text``), optional ``label`` (one of
    ``classes``, None: the default scheme's), ``note`` and ``spans`` (offsets
    into the sentence, optional ``attr``). Spans with the same ``attr`` become
    one ``E`` line. The folder is written atomically. Returns counts. Raises
    ValueError for a doc_id that is not a file name, an unknown label or a
    span outside its sentence.
    """
    if classes is None:
        from claimsift.scheme import default_scheme

        classes = default_scheme().classes
    classes = list(classes)
    counts = Counter()
    with atomic_path(out_dir, is_dir=True) as tmp:
        (tmp / "annotation.conf").write_text(ANNOTATION_CONF.format(values="|".join(classes)), encoding="utf-8")
        (tmp / "visual.conf").write_text(VISUAL_CONF, encoding="utf-8")
        for doc_id, text, sentences in documents:
            check_file_name(doc_id)
            if (tmp / f"{doc_id}.txt").exists():
                raise ValueError(f"doc_id {doc_id!r} appears twice")
            (tmp / f"{doc_id}.txt").write_text(text, encoding="utf-8")
            (tmp / f"{doc_id}.ann").write_text(_ann_lines(doc_id, text, sentences, counts, classes), encoding="utf-8")
            counts["documents"] += 1
    return dict(counts)


# Most file systems allow 255 bytes in a name; ".txt" / ".ann" take four.
MAX_NAME_BYTES = 251


def check_file_name(doc_id: str, where: str = "") -> None:
    """Raise ValueError (naming ``where``) when ``doc_id`` cannot name the document's ``.txt`` / ``.ann`` files."""
    prefix = f"{where}: " if where else ""
    if not doc_id or "/" in doc_id or "\\" in doc_id or "\x00" in doc_id or doc_id.startswith("."):
        raise ValueError(f"{prefix}doc_id {doc_id[:60]!r} cannot be used as a brat file name")
    size = len(doc_id.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        raise ValueError(f"{prefix}doc_id {doc_id[:40]!r}... is {size} bytes long, too long for a brat file name "
                         f"(at most {MAX_NAME_BYTES})")


def _ann_lines(doc_id: str, text: str, sentences: list[dict], counts: Counter, classes: list[str]) -> str:
    lines: list[str] = []
    offsets: dict[str, tuple[int, int]] = {}
    t = e = a = n = 0

    def add_t(typ: str, s: int, end: int) -> str:
        nonlocal t
        t += 1
        offsets[f"T{t}"] = (s, end)
        lines.append(f"T{t}\t{typ} {s} {end}\t{text[s:end]}")
        return f"T{t}"

    for sent in sorted(sentences, key=lambda r: r["start"]):
        s0, e0 = sent["start"], sent["end"]
        where = f"{doc_id}:{s0}-{e0}"
        if text[s0:e0] != sent.get("text", text[s0:e0]):
            raise ValueError(f"{where}: sentence text differs from the document text")
        sid = add_t(SENTENCE_TYPE, s0, e0)
        counts["sentences"] += 1
        if sent.get("label") is not None:
            a += 1
            lines.append(f"A{a}\t{LABEL_ATTRIBUTE} {sid} {check_label(sent['label'], where, classes)}")
        if sent.get("note"):
            n += 1
            lines.append(f"#{n}\tAnnotatorNotes {sid}\t{' '.join(str(sent['note']).split())}")
        groups: dict[object, list[tuple[str, str]]] = {}
        for span in sorted(sent.get("spans") or [], key=lambda x: (x["start"], x["end"])):
            if span["type"] not in BRAT_TYPE_OF:
                raise ValueError(f"{where}: unknown span type {span['type']!r}")
            if not 0 <= span["start"] < span["end"] <= e0 - s0:
                raise ValueError(f"{where}: span {span['start']}-{span['end']} lies outside the sentence")
            tid = add_t(BRAT_TYPE_OF[span["type"]], s0 + span["start"], s0 + span["end"])
            counts["spans"] += 1
            if span.get("attr") is not None:
                groups.setdefault(span["attr"], []).append((span["type"], tid))
        for members in groups.values():
            cue = next((tid for typ, tid in members if typ == "CUE"), members[0][1])
            trigger = add_t("Attribution", *offsets[cue])
            seen: Counter = Counter()
            args = []
            for typ, tid in members:
                role = BRAT_TYPE_OF[typ]
                seen[role] += 1
                args.append(f"{role}{seen[role] if seen[role] > 1 else ''}:{tid}")
            e += 1
            lines.append(f"E{e}\tAttribution:{trigger} {' '.join(args)}")
            counts["attributions"] += 1
    return "\n".join(lines) + ("\n" if lines else "")


# ---------------------------------------------------------------- export and import

def export(source: str | Path, out_dir: str | Path, *, label_field: str | None = None, spans_field: str = "spans",
           split: str | None = None) -> dict:
    """Write predictions (a predict JSONL) or a built dataset folder as a brat folder; return counts.

    The document text is the article's text when known (the predict run's
    ``<output>.articles.jsonl`` or the dataset's ``articles.jsonl``), else it
    is rebuilt from the sentences at their offsets. ``label_field`` defaults
    to ``label`` for predictions and ``weak_label`` for a dataset (``none``:
    no labels). Raises FileNotFoundError / ValueError naming the file.
    """
    source = Path(source)
    if source.is_dir():
        records = load_records(source)
        records_path, articles_path = sentences_path(source), source / "articles.jsonl"
        default_label = "weak_label"
    elif source.is_file():
        records = read_jsonl(source)
        records_path, articles_path = source, beside(source, ARTICLE_LOG_SUFFIX)
        default_label = "label"
    else:
        raise FileNotFoundError(f"{source}: no such file (a predict .jsonl or a built dataset folder)")
    out = Path(out_dir).resolve()
    if out == source.resolve() or out in records_path.resolve().parents:
        raise ValueError(f"{out_dir}: holds the input {records_path}; writing the brat folder there would "
                         "destroy it: pass another folder")
    label_field = default_label if label_field is None else label_field
    classes = source_classes(source, records)
    texts = {a["doc_id"]: a["text"] for a in read_jsonl(articles_path)} if articles_path.is_file() else {}
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for i, rec in enumerate(records, 1):
        where = f"{records_path}:{i}"
        for key in ("doc_id", "start", "end", "text"):
            if key not in rec:
                raise ValueError(f"{where}: record has no {key!r}")
        if split is not None and rec.get("split") != split:
            continue
        if rec["doc_id"] not in by_doc:
            check_file_name(str(rec["doc_id"]), where)
        if label_field != "none" and label_field not in rec:
            raise ValueError(f"{where}: record has no {label_field!r} (pick one with --label-field, or none)")
        if spans_field not in rec:
            raise ValueError(f"{where}: record has no {spans_field!r} (pick one with --spans-field)")
        by_doc[rec["doc_id"]].append({
            "start": rec["start"], "end": rec["end"], "text": rec["text"],
            "label": None if label_field == "none" else rec[label_field],
            "note": rec.get("note"), "spans": group_spans(rec[spans_field] or []),
        })
    if not by_doc:
        raise ValueError(f"{records_path}: no sentences to export" + (f" in split {split!r}" if split else ""))

    def documents():
        for doc_id, sents in by_doc.items():
            text = texts.get(doc_id)
            if text is None:
                text = document_text(sents, str(records_path))
            yield doc_id, text, sents

    return write_brat(documents(), out_dir, classes)


def source_classes(source: Path, records: list[dict]) -> list[str]:
    """The classes of what is exported: the dataset's scheme (its meta.json), else the run's, read off the
    predictions' probabilities; the default scheme's when neither says."""
    from claimsift.scheme import default_scheme

    meta = source / "meta.json"
    if source.is_dir() and meta.is_file():
        import json

        classes = json.loads(meta.read_text(encoding="utf-8")).get("classes")
        if classes:
            return list(classes)
    for rec in records:
        if isinstance(rec.get("probabilities"), dict) and rec["probabilities"]:
            return sorted(rec["probabilities"])
    return list(default_scheme().classes)


def group_spans(spans: list[dict]) -> list[dict]:
    """Spans with ``attr`` as given; spans without one form one attribution when the sentence has one CUE.

    Span models predict no attribution numbers; with a single cue the
    grouping is unambiguous, otherwise the spans stay loose for the person
    correcting them to tie in brat.
    """
    loose = [s for s in spans if s.get("attr") is None]
    if not loose or sum(s["type"] == "CUE" for s in loose) != 1:
        return spans
    taken = {s["attr"] for s in spans if s.get("attr") is not None}
    attr = max(taken, default=-1) + 1
    return [s if s.get("attr") is not None else {**s, "attr": attr} for s in spans]


def import_folder(folder: str | Path, out: str | Path, *, policy: str = "first", attr_mode: str = "sentence",
                  classes: Iterable[str] | None = None) -> dict:
    """Read a brat folder into gold-format records written to ``out``; return the reading counts.

    Documents without an ``.ann`` are skipped (not annotated), and counted. Labels must be
    ``classes`` (None: the default scheme's).
    """
    text_dir, ann_dir = document_files(folder)
    target = Path(out).resolve()
    if target.suffix in (".txt", ".ann") and target.parent in (text_dir.resolve(), ann_dir.resolve()):
        raise ValueError(f"{out}: is a file of the brat folder {folder}; writing it would destroy it: "
                         "pass another output file")
    stats = BratStats()
    records = []
    for doc in read_brat_corpus(folder, policy, attr_mode=attr_mode, stats=stats, classes=classes):
        if doc.ann is None:
            continue
        for s in doc.sentences:
            rec = {"doc_id": doc.doc_id, "sent_id": f"{doc.doc_id}:{s.index:03d}", "start": s.start, "end": s.end,
                   "text": s.text, "label": s.label, "spans": s.gold_spans}
            if s.note:
                rec["note"] = s.note
            records.append(rec)
    write_jsonl(out, records)
    counts = stats.as_dict()
    counts["records"] = len(records)
    counts["unlabeled_sentences"] = sum(r["label"] is None for r in records)
    return counts
