"""Label Studio round trip: gold → tasks (gold as annotations) → import gives the same gold."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from claimsift.config import CONFIG_DIR
from claimsift.data.gold import check_records
from claimsift.gold import main
from claimsift.gold.labelstudio import MODEL_VERSION, from_task, to_tasks
from claimsift.io import read_jsonl, write_jsonl
from claimsift.labels import CLASSES, SPAN_TYPES

FIXTURES = Path(__file__).parent / "fixtures"
GOLD = FIXTURES / "gold_valid.jsonl"
EXPORT = FIXTURES / "labelstudio_export.json"
SEEDS_GOLD = CONFIG_DIR.parent / "data" / "gold" / "seeds.jsonl"


def _round_trip(gold_path: Path, tmp_path: Path) -> list[dict]:
    tasks_path = tmp_path / "tasks.json"
    assert main(["export-labelstudio", str(gold_path), str(tasks_path)]) == 0
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    # Label Studio's export is the imported task list with ids and annotation metadata added.
    for k, task in enumerate(tasks):
        task["id"] = 1000 + k
        for ann in task.get("annotations", []):
            ann.update(id=k, completed_by=1, created_at="2024-01-01T00:00:00Z", updated_at="2024-01-01T00:00:00Z")
    export_path = tmp_path / "export.json"
    export_path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "back.jsonl"
    assert main(["import-labelstudio", str(export_path), str(out)]) == 0
    return read_jsonl(out)


def test_round_trip_fixture(tmp_path):
    assert _round_trip(GOLD, tmp_path) == read_jsonl(GOLD)


@pytest.mark.skipif(not SEEDS_GOLD.exists(), reason="seed gold not written yet")
def test_round_trip_seed_gold(tmp_path):
    gold = read_jsonl(SEEDS_GOLD)
    back = _round_trip(SEEDS_GOLD, tmp_path)
    assert back == sorted(gold, key=lambda r: (r["doc_id"], r["start"]))


def test_export_sentences_with_weak_predictions(tmp_path):
    gold = read_jsonl(GOLD)
    sentences = [{**{k: g[k] for k in ("doc_id", "sent_id", "start", "end", "text")},
                  "weak_label": "background", "spans": g["spans"] if i == 0 else [],
                  "gold_label": g["label"] if i == 1 else None, "gold_spans": g["spans"] if i == 1 else None}
                 for i, g in enumerate(gold)]
    src = tmp_path / "sentences.jsonl"
    write_jsonl(src, sentences)
    out = tmp_path / "ls" / "tasks.json"
    assert main(["export-labelstudio", str(src), str(out)]) == 0
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 3
    assert tasks[0]["data"] == {k: gold[0][k] for k in ("text", "doc_id", "sent_id", "start", "end")}
    (pred,) = tasks[0]["predictions"]
    assert pred["model_version"] == MODEL_VERSION
    kinds = [r["type"] for r in pred["result"]]
    assert kinds.count("choices") == 1 and kinds.count("labels") == len(gold[0]["spans"])
    choice = next(r for r in pred["result"] if r["type"] == "choices")
    assert (choice["from_name"], choice["to_name"], choice["value"]) == ("label", "text", {"choices": ["background"]})
    assert "annotations" not in tasks[0] and "annotations" in tasks[1]
    assert from_task(tasks[1], "t")["label"] == gold[1]["label"]

    # The labeling config names every class and span type the tasks use.
    config = ET.parse(out.with_suffix(".xml")).getroot()
    assert [c.get("value") for c in config.iter("Choice")] == CLASSES
    assert [c.get("value") for c in config.iter("Label")] == list(SPAN_TYPES)
    assert {e.get("name") for e in config if e.get("name")} >= {"text", "label", "span"}


def test_import_real_export_shape(tmp_path, capsys):
    out = tmp_path / "gold.jsonl"
    assert main(["import-labelstudio", str(EXPORT), str(out)]) == 0
    recs = read_jsonl(out)
    assert check_records(recs, str(out)) == []
    # Task 103 has no annotation: reported, not silently dropped.
    assert "task 103: no annotation" in capsys.readouterr().err
    first, second = recs
    # The latest annotation wins over the older one.
    assert first["label"] == "attributed_claim" and first["note"] == "unnamed source"
    assert {s["attr"] for s in first["spans"]} == {0}  # one attribution through relations
    # The latest annotation is cancelled, so the earlier one is used; no relations:
    # grouped by order, a repeated span type starts the next attribution.
    assert second["label"] == "official_statement"
    assert [(s["type"], s["attr"]) for s in second["spans"]] == [
        ("SOURCE", 0), ("CUE", 0), ("CONTENT", 0), ("SOURCE", 1), ("CUE", 1)]
    # UTF-16 offsets (after the emoji) come back as Python offsets.
    assert all(second["text"][s["start"]:s["end"]] == s["text"] for s in second["spans"])
    assert second["spans"][1]["text"] == "say"


def test_import_rejects_unknown_class(tmp_path, capsys):
    tasks = json.loads(EXPORT.read_text(encoding="utf-8"))
    tasks[0]["annotations"][1]["result"][0]["value"]["choices"] = ["rumour"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tasks), encoding="utf-8")
    assert main(["import-labelstudio", str(bad), str(tmp_path / "o.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "task 101: unknown label 'rumour'" in err and str(bad) in err
    assert not (tmp_path / "o.jsonl").exists()


def test_import_rejects_mismatched_span_text(tmp_path, capsys):
    tasks = json.loads(EXPORT.read_text(encoding="utf-8"))
    tasks[0]["annotations"][1]["result"][1]["value"]["start"] += 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tasks), encoding="utf-8")
    assert main(["import-labelstudio", str(bad), str(tmp_path / "o.jsonl")]) == 1
    assert "does not match" in capsys.readouterr().err


def test_to_tasks_relations_tie_each_attribution():
    gold = read_jsonl(GOLD)
    (task,) = to_tasks(gold[:1])
    result = task["annotations"][0]["result"]
    relations = [r for r in result if r["type"] == "relation"]
    assert len(relations) == len(gold[0]["spans"]) - 1
