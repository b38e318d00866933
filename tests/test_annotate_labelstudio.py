"""claimsift annotate push / pull against a live Label Studio started from .venv-labelstudio (`make test` builds it).

The server fixture fails, never skips, when Label Studio is missing or does
not start: the round trip with a real server is part of what `make test` checks.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from claimsift.annotate import main
from claimsift.annotate.sync import task_for
from claimsift.data.gold import check_records
from claimsift.io import read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
LS_VENV = ROOT / ".venv-labelstudio"
LS_BIN = LS_VENV / "bin" / "label-studio"
# A migrated empty database that `make labelstudio-install` leaves: a start on a copy takes about 10 s,
# one that migrates a fresh database 25 s to 2 minutes on these 2 shared cores.
EMPTY_DB = LS_VENV / "empty-db" / "label_studio.sqlite3"
STARTUP_S = 120  # only stops a hung start from hanging the suite
USER, PASSWORD = "annotator@example.com", "claimsift-test-password"


def _utf16(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(url: str, auth: str, method: str = "GET", body=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": auth, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


class Server:
    def __init__(self, url: str, legacy_token: str, access_token: str):
        self.url, self.legacy_token, self.access_token = url, legacy_token, access_token

    def api(self, path: str, method: str = "GET", body=None):
        """An API call as the annotator, with the legacy token (enabled on this test server)."""
        return _call(self.url + path, f"Token {self.legacy_token}", method, body)


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    """A Label Studio on a free localhost port with a fresh data folder, a user and both kinds of token."""
    if not LS_BIN.is_file():
        pytest.fail(f"{LS_BIN}: Label Studio is not installed; `make labelstudio-install` builds "
                    ".venv-labelstudio (`make test` does it first)")
    home = tmp_path_factory.mktemp("label-studio")
    port, legacy = _free_port(), secrets.token_hex(20)
    url = f"http://127.0.0.1:{port}"
    (home / "data").mkdir()
    if EMPTY_DB.is_file():
        shutil.copyfile(EMPTY_DB, home / "data" / EMPTY_DB.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "HEARTEX_"))}
    env.update(HOME=str(home), LABEL_STUDIO_BASE_DATA_DIR=str(home / "data"),
               # nothing leaves the machine: no error reports, no version check, no analytics
               SENTRY_DSN="", FRONTEND_SENTRY_DSN="", LATEST_VERSION_CHECK="false", COLLECT_ANALYTICS="false")
    env.pop("USERNAME", None), env.pop("PASSWORD", None)  # Label Studio reads these as its user
    log = (home / "label-studio.log").open("w")
    # --enable-legacy-api-token: Label Studio 1.23 turns legacy tokens off for a new organization; the
    # user token set here authenticates the set-up calls, which then make a personal access token.
    proc = subprocess.Popen([str(LS_BIN), "start", "--no-browser", "--internal-host", "127.0.0.1",
                             "--port", str(port), "--username", USER, "--password", PASSWORD,
                             "--user-token", legacy, "--enable-legacy-api-token"],
                            cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)

    def log_tail() -> str:
        log.flush()
        return " | ".join((home / "label-studio.log").read_text(errors="replace").splitlines()[-15:])

    def stop():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
        log.close()

    try:
        started, deadline = time.monotonic(), time.monotonic() + STARTUP_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Label Studio ({LS_BIN}) exited with code {proc.returncode} while starting: {log_tail()}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Label Studio ({LS_BIN}) did not answer {url}/health within {STARTUP_S} s: {log_tail()}")
            time.sleep(1)
        print(f"Label Studio up at {url} after {time.monotonic() - started:.0f} s")
        # the user's personal access token (Label Studio's default kind: a JWT refresh token)
        pat = _call(f"{url}/api/token/", f"Token {legacy}", "POST")["token"]
        yield Server(url, legacy, pat)
    finally:
        stop()


def _sentences(tmp_path: Path) -> tuple[Path, list[dict]]:
    """Four dataset sentences with weak labels and weak spans; the first has characters outside the BMP."""
    first = "🙂 Police said so; the road 🚧 was shut, officials claimed."
    texts = [first, "Militants shelled the town overnight, residents said.", "The bridge was rebuilt in 1998.",
             "The ministry announced a curfew."]
    rows, start = [], 0
    for i, text in enumerate(texts):
        weak_spans = []
        if i == 1:
            weak_spans = [{"type": "CONTENT", "start": 0, "end": 36, "text": text[0:36], "attr": 0},
                          {"type": "SOURCE", "start": 38, "end": 47, "text": text[38:47], "attr": 0},
                          {"type": "CUE", "start": 48, "end": 52, "text": text[48:52], "attr": 0}]
        rows.append({"doc_id": "doc1", "sent_id": f"doc1:{i:03d}", "start": start, "end": start + len(text),
                     "text": text, "split": "train", "weak_label": "background" if i != 1 else "attributed_claim",
                     "spans": weak_spans, "gold_label": None, "gold_spans": None})
        start += len(text) + 1
    path = tmp_path / "sentences.jsonl"
    write_jsonl(path, rows)
    return path, rows


def _annotation(text: str) -> tuple[list[dict], list[dict]]:
    """(Label Studio result as an annotator makes it, the gold spans it stands for).

    Two attributions whose order alone would group them wrongly: the CONTENT
    belongs to the second (officials claimed), which only the relations say.
    """
    spans = [("SOURCE", "Police", 0), ("CUE", "said", 0), ("CONTENT", "the road 🚧 was shut", 1),
             ("SOURCE", "officials", 1), ("CUE", "claimed", 1)]
    result, gold = [], []
    for j, (kind, words, attr) in enumerate(spans):
        s = text.index(words)
        e = s + len(words)
        result.append({"id": f"r{j}", "from_name": "span", "to_name": "text", "type": "labels", "origin": "manual",
                       "value": {"start": _utf16(text, s), "end": _utf16(text, e), "text": words, "labels": [kind]}})
        gold.append({"type": kind, "start": s, "end": e, "text": words, "attr": attr})
    result += [{"from_id": "r0", "to_id": "r1", "type": "relation", "direction": "right", "labels": []},
               {"from_id": "r2", "to_id": "r3", "type": "relation", "direction": "right", "labels": []},
               {"from_id": "r3", "to_id": "r4", "type": "relation", "direction": "right", "labels": []},
               {"id": "c", "from_name": "label", "to_name": "text", "type": "choices",
                "value": {"choices": ["attributed_claim"]}},
               {"id": "n", "from_name": "note", "to_name": "text", "type": "textarea",
                "value": {"text": ["two attributions"]}}]
    return result, gold


@pytest.mark.slow
def test_push_annotate_pull_round_trip(label_studio, tmp_path, monkeypatch, capsys):
    ls = label_studio
    monkeypatch.setenv("LABEL_STUDIO_URL", ls.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", ls.access_token)  # a personal access token: the refresh flow
    src, rows = _sentences(tmp_path)
    title = "round trip"

    assert main(["push", str(src), "--project", title]) == 0, capsys.readouterr().err
    assert "created project 'round trip'" in capsys.readouterr().out
    (project,) = [p for p in ls.api("/api/projects/?page_size=100")["results"] if p["title"] == title]
    tasks = ls.api(f"/api/projects/{project['id']}/export?exportType=JSON&download_all_tasks=true")
    by_sent = {t["data"]["sent_id"]: t for t in tasks}
    assert sorted(by_sent) == [r["sent_id"] for r in rows]
    # the weak labels arrived as pre-annotations, spans in UTF-16 units and tied by relations
    (prediction,) = ls.api(f"/api/predictions/?task={by_sent['doc1:001']['id']}")
    kinds = [r["type"] for r in prediction["result"]]
    assert kinds.count("choices") == 1 and kinds.count("labels") == 3 and kinds.count("relation") == 2
    assert prediction["model_version"] == "claimsift-weak"

    # an annotator labels the first sentence and skips the second
    text = rows[0]["text"]
    result, gold_spans = _annotation(text)
    ls.api(f"/api/tasks/{by_sent['doc1:000']['id']}/annotations/", "POST", {"result": result, "lead_time": 12.5})
    ls.api(f"/api/tasks/{by_sent['doc1:001']['id']}/annotations/", "POST", {"result": [], "was_cancelled": True})

    out = tmp_path / "gold" / "round1.jsonl"
    assert main(["pull", str(out), "--project", title]) == 0
    captured = capsys.readouterr()
    assert "wrote 1 gold records" in captured.out
    assert "no annotation that was not cancelled; skipped" in captured.err  # the skipped task is named
    expected = {**{k: rows[0][k] for k in ("doc_id", "sent_id", "start", "end", "text")},
                "label": "attributed_claim", "spans": gold_spans, "note": "two attributions"}
    assert read_jsonl(out) == [expected]
    assert check_records(read_jsonl(out), str(out)) == []

    # pulling onto an existing file needs --overwrite
    assert main(["pull", str(out), "--project", title]) == 1
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main(["pull", str(out), "--project", title, "--overwrite"]) == 0


@pytest.mark.slow
def test_push_twice_reuses_the_project_and_legacy_tokens(label_studio, tmp_path, monkeypatch, capsys):
    ls = label_studio
    monkeypatch.setenv("LABEL_STUDIO_URL", ls.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", ls.legacy_token)  # a legacy token, enabled on this server
    src, rows = _sentences(tmp_path)
    title = "pushed twice"
    assert main(["push", str(src), "--project", title, "--limit", "3"]) == 0
    assert "sent 3 task(s)" in capsys.readouterr().out
    assert main(["push", str(src), "--project", title]) == 0
    out = capsys.readouterr().out
    assert "reused project 'pushed twice'" in out and "sent 1 task(s); left out 3 already in project" in out
    projects = [p for p in ls.api("/api/projects/?page_size=100")["results"] if p["title"] == title]
    assert len(projects) == 1
    tasks = ls.api(f"/api/projects/{projects[0]['id']}/export?exportType=JSON&download_all_tasks=true")
    assert sorted(t["data"]["sent_id"] for t in tasks) == [r["sent_id"] for r in rows]

    # with legacy tokens turned off (Label Studio 1.23's default) the message says what to do
    bearer = "Bearer " + _call(f"{ls.url}/api/token/refresh/", "", "POST", {"refresh": ls.access_token})["access"]
    _call(f"{ls.url}/api/jwt/settings", bearer, "POST", {"legacy_api_tokens_enabled": False})
    try:
        assert main(["push", str(src), "--project", title]) == 1
        err = capsys.readouterr().err
        assert "legacy tokens are disabled" in err and "personal access token" in err and len(err.splitlines()) == 1
    finally:
        _call(f"{ls.url}/api/jwt/settings", bearer, "POST", {"legacy_api_tokens_enabled": True})

    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "0" * 40)
    assert main(["pull", str(tmp_path / "x.jsonl"), "--project", title]) == 1
    assert "the API token was refused" in capsys.readouterr().err


# ---------------------------------------------------------------- without a server

def test_unreachable_server_is_one_line(tmp_path, monkeypatch, capsys):
    src, _ = _sentences(tmp_path)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "0" * 40)
    assert main(["push", str(src), "--url", f"http://127.0.0.1:{_free_port()}"]) == 1
    err = capsys.readouterr().err
    assert "Label Studio not reachable" in err and len(err.splitlines()) == 1
    monkeypatch.delenv("LABEL_STUDIO_API_KEY")
    assert main(["pull", str(tmp_path / "g.jsonl")]) == 1
    assert "set LABEL_STUDIO_API_KEY" in capsys.readouterr().err


def test_prediction_records_become_scored_pre_annotations():
    text = "Police said the road was shut, officials claimed."
    rec = {"doc_id": "d", "sent_id": "d:000", "start": 0, "end": len(text), "text": text,
           "label": "attributed_claim", "probabilities": {"attributed_claim": 0.7, "background": 0.3},
           "spans": [{"type": "SOURCE", "start": 0, "end": 6, "text": "Police"},
                     {"type": "CUE", "start": 7, "end": 11, "text": "said"},
                     {"type": "SOURCE", "start": 30, "end": 39, "text": "officials"}],
           "classify_run": "classify-x", "extract_run": "extract-y"}
    task = task_for(rec)
    assert "annotations" not in task  # the model's class is a suggestion, never gold
    (pred,) = task["predictions"]
    assert pred["model_version"] == "classify-x+extract-y" and pred["score"] == 0.7
    relations = [(r["from_id"], r["to_id"]) for r in pred["result"] if r["type"] == "relation"]
    assert relations == [("p0s0", "p0s1")]  # a repeated SOURCE starts a second attribution
    no_class = task_for({**rec, "label": None, "probabilities": None})
    assert all(r["type"] != "choices" for r in no_class["predictions"][0]["result"])


WEATHER = ["forecast", "observation", "warning"]


def _weather_scheme(tmp_path: Path) -> Path:
    """docs/examples/weather's scheme as a .yaml with absolute paths (tests run from anywhere)."""
    from omegaconf import OmegaConf

    from claimsift.scheme import scheme_config

    example = ROOT / "docs" / "examples" / "weather"
    cfg = scheme_config(example / "configs" / "scheme" / "weather.yaml")
    cfg["labeling_functions"] = str(example / "weather_lfs.py")
    cfg["lexicons"] = {k: str(example / v) for k, v in cfg["lexicons"].items()}
    path = tmp_path / "weather.yaml"
    OmegaConf.save(OmegaConf.create(cfg), path)
    return path


class FakeLabelStudio:
    """The calls push and pull make, answered from memory: one project, its config, tasks and an export."""

    url = "http://fake"

    def __init__(self, export: list[dict] | None = None):
        self.project, self.tasks, self.export_tasks = None, [], export or []

    def project_by_title(self, title):
        return self.project

    def create_project(self, title, label_config):
        self.project = {"id": 1, "title": title, "label_config": label_config}
        return self.project

    def update_label_config(self, project_id, label_config):
        self.project["label_config"] = label_config
        return self.project

    def import_tasks(self, project_id, tasks):
        self.tasks += tasks
        return {"task_count": len(tasks)}

    def export(self, project_id, all_tasks=False):
        return self.tasks if all_tasks else self.export_tasks

    def export_url(self, project_id):
        return f"{self.url}/api/projects/{project_id}/export"


def test_push_and_pull_take_the_schemes_classes(tmp_path, monkeypatch, capsys):
    from xml.etree import ElementTree

    from claimsift.annotate import sync
    from claimsift.gold.labelstudio import label_config
    from claimsift.scheme import load_scheme

    scheme_file = _weather_scheme(tmp_path)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "0" * 40)
    text = "A flood warning is in force until noon."
    sentence = {"doc_id": "w01", "sent_id": "w01:000", "start": 0, "end": len(text), "text": text}

    # A built weather dataset: its meta.json's scheme is the project's, without --scheme.
    dataset = tmp_path / "weather"
    dataset.mkdir()
    (dataset / "meta.json").write_text(json.dumps({"scheme": load_scheme(scheme_file).spec()}))
    write_jsonl(dataset / "sentences.jsonl", [{**sentence, "weak_label": "warning", "spans": []}])
    ls = FakeLabelStudio()
    monkeypatch.setattr(sync, "client", lambda s: ls)
    assert main(["push", str(dataset)]) == 0
    assert "scheme weather" in capsys.readouterr().out
    config = ElementTree.fromstring(ls.project["label_config"])
    assert [c.get("value") for c in config.iter("Choice")] == WEATHER and list(config.iter("Label")) == []
    assert ls.tasks[0]["predictions"][0]["result"][0]["value"] == {"choices": ["warning"]}
    assert main(["push", str(dataset / "sentences.jsonl"), "--scheme", "news"]) == 1  # the dataset's is weather
    assert "built with scheme 'weather'" in capsys.readouterr().err

    # A predictions file of weather runs: the default (news) project would not offer its classes.
    preds = tmp_path / "weather-preds.jsonl"
    write_jsonl(preds, [{**sentence, "label": "warning", "spans": [],
                         "probabilities": {"forecast": 0.1, "observation": 0.2, "warning": 0.7}}])
    ls = FakeLabelStudio()
    monkeypatch.setattr(sync, "client", lambda s: ls)
    assert main(["push", str(preds)]) == 1
    err = capsys.readouterr().err
    assert "weather-preds.jsonl:1: 'warning' not of scheme news" in err and "pass --scheme" in err
    assert main(["push", str(preds), "--scheme", str(scheme_file)]) == 0
    assert ls.tasks[0]["predictions"][0]["score"] == 0.7

    # Pull: an annotated weather task comes back as gold under --scheme and is refused under news.
    ls = FakeLabelStudio(export=[{"id": 7, "data": sentence, "annotations": [{"result": [
        {"id": "c", "from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["warning"]}}]}]}])
    ls.project = {"id": 1, "title": "claimsift", "label_config": label_config(load_scheme(scheme_file))}
    monkeypatch.setattr(sync, "client", lambda s: ls)
    out = tmp_path / "gold.jsonl"
    assert main(["pull", str(out), "--scheme", str(scheme_file)]) == 0
    assert "0 gold problem(s)" in capsys.readouterr().out
    (gold,) = read_jsonl(out)
    assert gold["label"] == "warning" and gold["spans"] == []
    assert check_records([gold], "gold", classes=WEATHER, span_types=[]) == []
    assert main(["pull", str(out), "--overwrite"]) == 1
    assert "project 'claimsift' offers the classes forecast, observation, warning, not scheme news's" in \
        capsys.readouterr().err
    ls.project["label_config"] = ""  # a project configured by hand: the annotations themselves are checked
    assert main(["pull", str(out), "--overwrite"]) == 1
    assert "http://fake/api/projects/1/export: task 7: unknown label 'warning'" in capsys.readouterr().err
