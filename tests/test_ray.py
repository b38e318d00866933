"""claimsift predict engine=ray: the local engine's records, article log and summary, from Ray Data actors.

One local Ray (2 CPUs) for the module; tiny baseline runs trained here; a
folder, a JSONL and a Parquet input predicted by both engines and compared
byte for byte; a failing article skipped and reported while the others complete.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from claimsift.config import compose
from claimsift.predict import predict
from claimsift.predict.writer import iter_log, iter_records, log_path, summary_path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))  # the stub models must be importable by load_model, here and in Ray's workers

from predict_stub_models import StubClassifier, StubExtractor, make_run, tiny_baseline_runs  # noqa: E402
from ray_stub_models import MARKER, DriverOnlyClassifier, FailingClassifier  # noqa: E402

pytestmark = pytest.mark.slow  # starts Ray and its workers (about 10 s each run on 2 cores)

# Figures of this run only: timing, and which engine wrote it.
RUN_ONLY = {"output", "seconds", "sentences_per_s", "engine", "startup_s", "actor_busy_s", "sentences_per_actor_s"}


@pytest.fixture(scope="module")
def ray_local():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             runtime_env={"env_vars": {"PYTHONPATH": str(FIXTURES)}})
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def baseline_models(tmp_path_factory) -> Path:
    """The project's baseline classifier and CRF extractor, trained on a few sentences."""
    return tiny_baseline_runs(tmp_path_factory.mktemp("ray-models"), "tiny")


ROWS = [{"id": p.stem, "title": None, "text": p.read_text(encoding="utf-8")}
        for p in sorted((ROOT / "seeds").glob("0*.txt"))]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """A folder (every format, and bad files), a JSONL and a Parquet file, each with articles that must be skipped."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = tmp_path_factory.mktemp("ray-inputs")
    folder = base / "folder"
    shutil.copytree(FIXTURES / "predict_articles", folder)
    shutil.copy(ROOT / "seeds" / "000_cd26d19efb2974f0.txt", folder / "seed0.txt")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x01\x00\x00\x02\x00\x00\x03\x00\x00")
    (folder / "boilerplate.txt").write_text("Share this\n", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "alpha.txt").write_text("A second alpha. It says little.", encoding="utf-8")  # duplicate doc_id

    bad_rows = [{"id": "blank", "title": None, "text": "   "}, {"id": ROWS[0]["id"], "title": None, "text": "Again."},
                {"id": "titled", "title": "Talks stall", "text": "Envoys said the talks had stalled."}]
    jsonl = base / "news.jsonl"
    lines = [json.dumps(r) for r in ROWS[:3] + bad_rows] + ['{"id": "broken", "text": ', json.dumps({"text": "no id"})]
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parquet = base / "news.parquet"
    rows = ROWS + bad_rows + [{"id": "none", "title": None, "text": None}]
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=3)
    return {"folder": folder, "jsonl": jsonl, "parquet": parquet}


def run(models: Path, input, output: Path, *overrides: str) -> dict:
    cfg = compose("predict", [f"input={input}", f"output={output}", f"models_dir={models}", "predict.progress=false",
                              *overrides])
    return predict(cfg)


RAY = ("engine=ray", "ray.num_workers=2", "ray.batch_size=2")  # several batches on both actors: order must hold


def summary_without_run_figures(output: Path) -> dict:
    summary = json.loads(summary_path(output).read_text(encoding="utf-8"))
    return {k: v for k, v in summary.items() if k not in RUN_ONLY}


@pytest.mark.parametrize("kind, suffix, skipped", [
    ("folder", ".jsonl", {"binary file (NUL bytes)", "empty file", "no sentences left after cleaning",
                          "duplicate doc_id 'alpha'"}),
    ("jsonl", ".csv", {"no text", f"duplicate doc_id {ROWS[0]['id']!r}", "not valid JSON (Expecting value)",
                       "missing id field 'id'"}),
    ("parquet", ".jsonl", {"no text", f"duplicate doc_id {ROWS[0]['id']!r}", "text field 'text' is not a string"}),
])
def test_ray_writes_what_local_writes(ray_local, baseline_models, inputs, tmp_path, kind, suffix, skipped):
    local, remote = tmp_path / f"local{suffix}", tmp_path / f"ray{suffix}"
    want = run(baseline_models, inputs[kind], local)
    got = run(baseline_models, inputs[kind], remote, *RAY, f"report={tmp_path / 'ray.html'}")
    assert remote.read_bytes() == local.read_bytes()  # same records, fields and order, byte for byte
    assert list(iter_log(log_path(remote))) == list(iter_log(log_path(local)))
    assert summary_without_run_figures(remote) == summary_without_run_figures(local)
    assert {s["reason"] for s in json.loads(summary_path(remote).read_text())["skipped"]} == skipped
    assert got["engine"] == "ray" and got["n_new_articles"] == want["n_new_articles"] > 0
    assert got["n_new_sentences"] == want["n_new_sentences"] == len(list(iter_records(remote)))
    assert got["n_skipped"] == want["n_skipped"] == len(skipped)
    assert got["report"] and "<html" in (tmp_path / "ray.html").read_text(encoding="utf-8").lower()
    assert got["scheme"] == want["scheme"] and got["scheme"]["highlight"] == "allegation"
    assert "share allegation" in (tmp_path / "ray.html").read_text(encoding="utf-8")  # the scheme's column
    written = {f"ray{suffix}{side}" for side in ("", ".articles.jsonl", ".summary.json", ".lock")} | {"ray.html"}
    assert {p.name for p in tmp_path.iterdir() if p.name.startswith(("ray", ".ray"))} == written  # no part, no temp


@pytest.fixture
def failing_models(tmp_path) -> Path:
    models = tmp_path / "models"
    make_run(models, "classify", FailingClassifier(), "2024-01-01T00:00:00", name="classify-failing")
    make_run(models, "extract", StubExtractor(), "2024-01-01T00:00:00", name="extract-stub")
    return models


def test_failing_article_is_skipped_and_the_others_complete(ray_local, failing_models, tmp_path):
    good = [{"id": f"a{i}", "text": f"The ministry said crossing {i} reopened. Rain fell on day {i}."}
            for i in range(5)]
    bad = {"id": "bad", "text": f"Officials said the {MARKER} report was false. It rained."}
    (tmp_path / "all.jsonl").write_text("".join(json.dumps(r) + "\n" for r in good[:2] + [bad] + good[2:]))
    (tmp_path / "good.jsonl").write_text("".join(json.dumps(r) + "\n" for r in good))
    with pytest.raises(RuntimeError, match="cannot score"):  # the local engine stops on it ...
        run(failing_models, tmp_path / "all.jsonl", tmp_path / "local-all.jsonl")
    # ... the Ray engine skips it, reports it, and writes the others as the local engine does
    result = run(failing_models, tmp_path / "all.jsonl", tmp_path / "ray.jsonl", "engine=ray", "ray.batch_size=4")
    run(failing_models, tmp_path / "good.jsonl", tmp_path / "local.jsonl")
    assert [r["doc_id"] for r in iter_log(log_path(tmp_path / "ray.jsonl"))] == [r["id"] for r in good]
    assert list(iter_records(tmp_path / "ray.jsonl")) == list(iter_records(tmp_path / "local.jsonl"))
    skipped = json.loads(summary_path(tmp_path / "ray.jsonl").read_text())["skipped"]
    assert skipped == [{"source": f"{tmp_path / 'all.jsonl'}:3",
                        "reason": f"prediction failed (RuntimeError: cannot score {bad['text'][:40]!r})"}]
    assert result["n_new_articles"] == 5 and result["n_skipped"] == 1


def test_resume_and_max_articles(ray_local, tmp_path):
    models = tmp_path / "models"
    make_run(models, "classify", StubClassifier(), "2024-01-01T00:00:00")
    make_run(models, "extract", StubExtractor(), "2024-01-01T00:00:00")
    src = FIXTURES / "predict_articles"
    first = run(models, src, tmp_path / "ray.jsonl", *RAY, "max_articles=2")
    assert first["n_new_articles"] == 2
    second = run(models, src, tmp_path / "ray.jsonl", *RAY)
    run(models, src, tmp_path / "local.jsonl")
    assert second["n_resumed_articles"] == 2 and second["n_new_articles"] == 4
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_model_that_does_not_load_is_one_line(ray_local, baseline_models, inputs, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(baseline_models, models)
    model_dir = models / "classify-baseline-tiny" / "model"
    for f in model_dir.iterdir():
        if f.suffix in (".joblib", ".pkl", ".safetensors"):
            f.write_bytes(f.read_bytes()[:20])
    with pytest.raises(ValueError) as err:  # found before Ray starts, as the local engine finds it
        run(models, inputs["jsonl"], tmp_path / "ray.jsonl", "engine=ray", "ray.num_workers=1")
    assert "\n" not in str(err.value) and "classify-baseline-tiny" in str(err.value), str(err.value)
    assert not (tmp_path / "ray.jsonl").exists()


def test_model_missing_on_the_workers_is_one_line(ray_local, tmp_path):
    models = tmp_path / "models"
    make_run(models, "classify", DriverOnlyClassifier(), "2024-01-01T00:00:00", name="classify-elsewhere")
    with pytest.raises(ValueError) as err:
        run(models, FIXTURES / "predict_articles" / "gamma.jsonl", tmp_path / "ray.jsonl", "engine=ray",
            "extract_run=null", "ray.num_workers=1")
    message = str(err.value)
    assert message.startswith("engine=ray: a worker failed: FileNotFoundError: ") and "\n" not in message, message
    assert "classify-elsewhere/model: no such folder on this node" in message
    assert not (tmp_path / "ray.jsonl").exists()


def test_bad_engine_or_ray_setting_is_refused(tmp_path, models_dir):
    with pytest.raises(ValueError, match="engine=spark: not available"):
        run(models_dir, FIXTURES / "predict_articles", tmp_path / "o.jsonl", "engine=spark")
    with pytest.raises(ValueError, match="ray.num_workers=0: must be a positive integer"):
        run(models_dir, FIXTURES / "predict_articles", tmp_path / "o.jsonl", "engine=ray", "ray.num_workers=0")


def test_parquet_reader_reports_bad_files_and_rows(tmp_path):
    """Parquet input (both engines): a file without the id/text columns or not Parquet at all is one Skipped."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from claimsift.data.ingest import RawArticle, Skipped, read_articles

    pq.write_table(pa.Table.from_pylist([{"id": 7, "text": "Troops said the town fell.", "views": 3}]),
                   tmp_path / "a.parquet")
    pq.write_table(pa.Table.from_pylist([{"name": "x", "body": "y"}]), tmp_path / "b.parquet")
    (tmp_path / "c.parquet").write_bytes(b"PAR1 not really")
    (tmp_path / "d.parquet").write_bytes(b"")
    items = list(read_articles(tmp_path))
    assert isinstance(items[0], RawArticle)
    assert (items[0].doc_id, items[0].source) == ("7", f"{tmp_path / 'a.parquet'}:1")
    assert items[0].meta == {"views": 3}
    assert [(type(i).__name__, i.source) for i in items[1:]] == [("Skipped", str(tmp_path / n))
                                                                 for n in ("b.parquet", "c.parquet", "d.parquet")]
    assert items[1].reason == "Parquet columns lack 'id' or 'text' (has ['name', 'body'])"
    assert all(isinstance(i, Skipped) and i.reason.startswith("not a readable Parquet file (") for i in items[2:])
