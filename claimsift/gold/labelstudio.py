"""Round trip with Label Studio: export sentences as tasks, import its JSON export as gold.

    claimsift gold export-labelstudio data/built/seeds/sentences.jsonl ls/tasks.json
    claimsift gold import-labelstudio ls/export.json data/gold/new.jsonl

Export writes a JSON list of tasks (Label Studio's JSON import format) and the
matching labeling config next to it (``<out>.xml``). Weak labels and weak
spans become ``predictions`` (pre-annotations, model_version
"claimsift-weak"); a gold label, from a gold file or a sentence's
``gold_label``, becomes an ``annotation``, with the gold ``note`` (a
sentence's ``gold_note``) in its note box. Each attribution's spans are tied
together with relations, so the import can rebuild ``attr``.

Import reads Label Studio's JSON export (tasks with ``annotations[].result``)
and takes, per task, the latest annotation that was not cancelled.

Offsets: Label Studio counts text offsets in UTF-16 code units (JavaScript
strings); claimsift counts Python characters. Both directions convert.

The choices and span labels are a scheme's classes and span types
(``scheme=``: a Scheme, a name in ``configs/scheme/`` or a recorded spec;
None: the default scheme). A scheme without span types gets no span labels.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

from claimsift.data.gold import check_label
from claimsift.scheme import load_scheme

MODEL_VERSION = "claimsift-weak"
TEXT, CHOICE, SPAN, NOTE = "text", "label", "span", "note"
DATA_KEYS = ("text", "doc_id", "sent_id", "start", "end")


def label_config(scheme=None) -> str:
    """The Label Studio labeling config (XML) the exported tasks are made for: ``scheme``'s classes as the
    choices, its span types as the span labels."""
    scheme = load_scheme(scheme)
    choices = "\n".join(f'    <Choice value={quoteattr(c)}/>' for c in scheme.classes)
    labels = "\n".join(f'    <Label value={quoteattr(t)}/>' for t in scheme.span_types)
    spans = (f'  <Labels name="{SPAN}" toName="{TEXT}">\n{labels}\n  </Labels>\n'
             "  <Relations>\n    <Relation value=\"attribution\"/>\n  </Relations>\n") if scheme.span_types else ""
    return (
        "<View>\n"
        f'  <Text name="{TEXT}" value="$text"/>\n'
        f'  <Choices name="{CHOICE}" toName="{TEXT}" choice="single" showInLine="true">\n{choices}\n  </Choices>\n'
        f"{spans}"
        f'  <TextArea name="{NOTE}" toName="{TEXT}" placeholder="note (hard case, reason)" maxSubmissions="1"/>\n'
        "</View>\n"
    )


# --- export -----------------------------------------------------------------

def _utf16(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def _from_utf16(text: str, i: int) -> int:
    """Python index of the character starting at UTF-16 offset ``i``."""
    units = 0
    for k, ch in enumerate(text):
        if units >= i:
            return k
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def _result(label: str, spans: list[dict], text: str, prefix: str, note: str | None = None) -> list[dict]:
    """Label Studio ``result`` items for one sentence: the class choice, the spans, their relations."""
    out: list[dict] = [{
        "id": f"{prefix}c", "from_name": CHOICE, "to_name": TEXT, "type": "choices",
        "value": {"choices": [label]},
    }]
    ids_by_attr: dict[int, list[str]] = {}
    for j, span in enumerate(sorted(spans, key=lambda s: s["start"])):
        rid = f"{prefix}s{j}"
        ids_by_attr.setdefault(span.get("attr", 0), []).append(rid)
        out.append({
            "id": rid, "from_name": SPAN, "to_name": TEXT, "type": "labels",
            "value": {"start": _utf16(text, span["start"]), "end": _utf16(text, span["end"]),
                      "text": span["text"], "labels": [span["type"]]},
        })
    for attr, ids in sorted(ids_by_attr.items()):
        for a, b in zip(ids, ids[1:]):
            out.append({"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": []})
    if note:
        out.append({"id": f"{prefix}n", "from_name": NOTE, "to_name": TEXT, "type": "textarea",
                    "value": {"text": [note]}})
    return out


def to_tasks(records: list[dict]) -> list[dict]:
    """Label Studio tasks for sentence records (``sentences.jsonl`` rows or gold records)."""
    tasks = []
    for i, rec in enumerate(records):
        task: dict = {"data": {k: rec[k] for k in DATA_KEYS}}
        if "weak_label" in rec:  # a dataset sentence: its spans are weak spans
            task["predictions"] = [{"model_version": MODEL_VERSION,
                                    "result": _result(rec["weak_label"], rec.get("spans") or [], rec["text"], f"p{i}")}]
            gold = (rec.get("gold_label"), rec.get("gold_spans") or [], rec.get("gold_note") or rec.get("note"))
        else:  # a gold record
            gold = (rec.get("label"), rec.get("spans") or [], rec.get("note"))
        if gold[0] is not None:
            task["annotations"] = [{"result": _result(gold[0], gold[1], rec["text"], f"a{i}", gold[2]),
                                    "was_cancelled": False}]
        tasks.append(task)
    return tasks


def export_labelstudio(sentences_path: str | Path, out_path: str | Path, scheme=None) -> tuple[int, Path]:
    """Write tasks for every record in ``sentences_path`` to ``out_path`` and the config to ``<out>.xml``.

    Returns (number of tasks, config path). Raises ValueError naming the file
    when a record lacks a field the tasks need.
    """
    from claimsift.io import atomic_path, read_jsonl, write_json

    sentences_path, out_path = Path(sentences_path), Path(out_path)
    records = read_jsonl(sentences_path)
    for n, rec in enumerate(records, 1):
        missing = [k for k in DATA_KEYS if k not in rec]
        if missing:
            raise ValueError(f"{sentences_path}:{n}: record lacks {', '.join(missing)}")
        if "weak_label" not in rec and "label" not in rec:
            raise ValueError(f"{sentences_path}:{n}: record has neither weak_label nor label")
    write_json(out_path, to_tasks(records))
    config_path = out_path.with_suffix(".xml")
    with atomic_path(config_path) as tmp:
        tmp.write_text(label_config(scheme), encoding="utf-8")
    return len(records), config_path


# --- import -----------------------------------------------------------------

def _latest(annotations: list[dict]) -> dict | None:
    live = [(k, a) for k, a in enumerate(annotations) if not a.get("was_cancelled")]
    if not live:
        return None
    # The newest by updated_at (then created_at, then position): ISO times sort as strings.
    return max(live, key=lambda ka: (ka[1].get("updated_at") or ka[1].get("created_at") or "", ka[0]))[1]


def from_task(task: dict, where: str, scheme=None) -> dict | None:
    """The gold record of one exported task, or None when it has no live annotation.

    Raises ValueError (naming ``where``) on a missing class, a class or span type
    not of ``scheme``, or a span whose text does not match the sentence.
    """
    scheme = load_scheme(scheme)
    data = task.get("data") or {}
    missing = [k for k in DATA_KEYS if k not in data]
    if missing:
        raise ValueError(f"{where}: task data lacks {', '.join(missing)}")
    ann = _latest(task.get("annotations") or [])
    if ann is None:
        return None
    text = data["text"]
    label, note, regions, relations = None, None, [], []
    for item in ann.get("result") or []:
        kind, value = item.get("type"), item.get("value") or {}
        if kind == "choices" and item.get("from_name") == CHOICE:
            picked = value.get("choices") or []
            if len(picked) != 1:
                raise ValueError(f"{where}: expected one class choice, got {picked}")
            label = picked[0]
        elif kind == "labels":
            regions.append(item)
        elif kind == "relation":
            relations.append((item["from_id"], item["to_id"]))
        elif kind == "textarea" and item.get("from_name") == NOTE:
            note = "\n".join(value.get("text") or []) or None
    if label is None:
        raise ValueError(f"{where}: annotation has no class choice ({CHOICE!r})")
    check_label(label, where, scheme.classes)

    spans = []
    for item in regions:
        value = item["value"]
        types = value.get("labels") or []
        if len(types) != 1 or types[0] not in scheme.span_types:
            raise ValueError(f"{where}: span {item.get('id')!r} has labels {types} "
                             f"(expected one of {', '.join(scheme.span_types) or 'none'})")
        start, end = _from_utf16(text, value["start"]), _from_utf16(text, value["end"])
        if "text" in value and text[start:end] != value["text"]:
            raise ValueError(f"{where}: span {item.get('id')!r} text {value['text']!r} does not match "
                             f"the sentence at {start}-{end} ({text[start:end]!r})")
        spans.append({"id": item.get("id"), "type": types[0], "start": start, "end": end, "text": text[start:end]})
    spans.sort(key=lambda s: (s["start"], s["end"]))
    _group(spans, relations)

    rec = {"doc_id": data["doc_id"], "sent_id": data["sent_id"], "start": data["start"], "end": data["end"],
           "text": text, "label": label,
           "spans": [{k: s[k] for k in ("type", "start", "end", "text", "attr")} for s in spans]}
    if note:
        rec["note"] = note
    return rec


def _group(spans: list[dict], relations: list[tuple[str, str]]) -> None:
    """Set ``attr`` on spans (sorted by start): by relations when any, else by order.

    With relations, each connected group of spans is one attribution. Without,
    a new attribution starts whenever a span type repeats in the current one.
    Attributions are numbered in order of their first span.
    """
    if relations:
        parent = {s["id"]: s["id"] for s in spans}

        def root(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in relations:
            if a in parent and b in parent:
                parent[root(a)] = root(b)
        groups: dict[str, int] = {}
        for s in spans:
            s["attr"] = groups.setdefault(root(s["id"]), len(groups))
        return
    attr, seen = -1, set()
    for s in spans:
        if attr < 0 or s["type"] in seen:
            attr, seen = attr + 1, set()
        seen.add(s["type"])
        s["attr"] = attr


def import_labelstudio(export_path: str | Path, out_path: str | Path, scheme=None) -> tuple[int, list[str]]:
    """Convert a Label Studio JSON export to a gold JSONL file.

    Returns (records written, skipped-task messages). Tasks without a live
    annotation are reported in the messages, never dropped silently. Raises
    ValueError naming the file and task on malformed content.
    """
    from claimsift.io import write_jsonl

    export_path = Path(export_path)
    try:
        tasks = json.loads(export_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{export_path}: not valid JSON ({exc.msg})") from None
    if not isinstance(tasks, list):
        raise ValueError(f"{export_path}: expected a JSON list of tasks (Label Studio's JSON export)")
    scheme = load_scheme(scheme)
    records, skipped = [], []
    for k, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise ValueError(f"{export_path}: task {k} is a {type(task).__name__}, not a JSON object")
        task_id = task.get("id", k)
        where = f"{export_path}: task {task_id if isinstance(task_id, int) else repr(task_id)}"
        try:
            rec = from_task(task, where, scheme)
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            # a field missing or of the wrong JSON type somewhere inside the task
            raise ValueError(f"{where}: malformed task ({type(exc).__name__}: {exc})") from None
        if rec is None:
            skipped.append(f"{where}: no annotation that was not cancelled; skipped")
        else:
            records.append(rec)
    records.sort(key=lambda r: (r["doc_id"], r["start"]))
    return write_jsonl(out_path, records), skipped
