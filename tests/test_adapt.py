"""docs/adapt.md's worked example, run as written: a three-class weather scheme with the user's own two
labeling functions, labelled, trained, evaluated and predicted from configs and overrides alone."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from claimsift.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "weather"
WEATHER = ["forecast", "observation", "warning"]
# The news scheme's classes as they would show in a file: "background" only quoted or as a CSS class / label
# (the bare word is a CSS property).
NEWS = re.compile(r"allegation|official_statement|attributed_claim|\"background\"|c-background|label=background")


def doc_commands() -> list[list[str]]:
    """The commands of docs/adapt.md's example block (the fenced block after ``<!-- example: weather -->``)."""
    text = (ROOT / "docs" / "adapt.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- example: weather -->\s*```bash\n(.*?)```", text, re.S)
    assert block, "docs/adapt.md lost its example block"
    lines = block.group(1).replace("\\\n", " ").splitlines()
    return [shlex.split(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> Path:
    """A copy of the example folder where every command of the doc has run, in order."""
    work = tmp_path_factory.mktemp("adapt")
    shutil.copytree(EXAMPLE, work / "docs" / "examples" / "weather")
    mp = pytest.MonkeyPatch()
    mp.chdir(work)
    try:
        commands = doc_commands()
        assert [c[1] for c in commands if c[0] == "claimsift"][:3] == ["label", "gold", "train"]
        for argv in commands:
            assert argv[0] == "claimsift", argv
            assert main(argv[1:]) in (None, 0), argv
    finally:
        mp.undo()
    return work


def test_the_dataset_is_the_weather_schemes_and_its_lf_table_covers_the_users_functions(ran):
    meta = json.loads((ran / "data/built/weather/meta.json").read_text())
    assert meta["scheme"]["name"] == "weather" and meta["classes"] == WEATHER
    assert meta["lf_names"] == ["lf_warning_words", "lf_future_words"]
    table = (ran / "data/built/weather/lf_summary.md").read_text()
    for lf in meta["lf_names"]:
        row = next(line for line in table.splitlines() if line.startswith(f"| {lf} |"))
        coverage = float(row.split("|")[3])
        assert 0 < coverage < 1, row  # each function votes on some sentences, not all
    summary = json.loads((ran / "data/built/weather/summary.json").read_text())
    assert summary["weak_vs_gold"]["n"] == sum(1 for _ in open(EXAMPLE / "gold.jsonl"))  # every gold label joined


def test_the_run_and_the_predictions_use_the_three_classes(ran):
    run = ran / "models/classify-baseline-weather-latest"
    label_map = json.loads((run / "label_map.json").read_text())
    assert list(label_map["id2label"].values()) == WEATHER and label_map["scheme"]["name"] == "weather"
    for name in ("weather.jsonl", "weather-rules.jsonl"):
        records = [json.loads(line) for line in (ran / "predictions" / name).open()]
        assert records and all(list(r["probabilities"]) == WEATHER for r in records)
        assert {r["label"] for r in records} == set(WEATHER), name  # the new reports hold all three
    summary = json.loads((ran / "predictions/weather.jsonl.summary.json").read_text())
    assert summary["scheme"]["highlight"] == "warning" and set(summary["shares"]) == set(WEATHER)
    assert "share warning" in (ran / "predictions/weather.html").read_text()


def test_rules_as_a_model_give_the_weak_labels(ran):
    rules = json.loads((ran / "data/built/weather/rules/eval/test/metrics.json").read_text())
    weak = json.loads((ran / "data/built/weather/rules/eval/test/weak_reference.json").read_text())
    assert rules["test/n"] > 0 and rules["test/macro_f1"] == pytest.approx(weak["test/macro_f1"])
    model = json.loads((ran / "models/classify-baseline-weather-latest/eval/test/metrics.json").read_text())
    assert {k for k in model if k.startswith("test/support_")} == {f"test/support_{c}" for c in WEATHER}
    assert "| weather/rules |" in (ran / "reports/compare-test.md").read_text()


def test_the_news_classes_appear_nowhere(ran):
    found = [f"{p.relative_to(ran)}: {m.group()}" for p in sorted(ran.rglob("*"))
             if p.is_file() and p.suffix in (".json", ".jsonl", ".md", ".yaml", ".csv", ".html", ".txt")
             for m in [NEWS.search(p.read_text(encoding="utf-8", errors="replace"))] if m]
    assert found == []


def test_training_on_it_with_the_news_scheme_is_refused(ran, monkeypatch, capsys):
    monkeypatch.chdir(ran)
    with pytest.raises(SystemExit):
        main(["train", "hydra.searchpath=[file://docs/examples/weather/configs]", "data=weather", "scheme=news"])
    err = capsys.readouterr().err
    assert "built with scheme 'weather'" in err and "pass scheme=weather" in err
