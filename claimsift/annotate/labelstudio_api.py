"""A small client for the parts of Label Studio's REST API that push and pull use.

Authentication takes either kind of Label Studio token:

- a personal access token (the default kind since Label Studio 1.17; a JWT
  refresh token): exchanged at ``/api/token/refresh/`` for an access token
  that lives about five minutes, sent as ``Authorization: Bearer``, and
  exchanged again when the server answers 401;
- a legacy token (40 hex characters), sent as ``Authorization: Token``. Label
  Studio 1.23 refuses these unless the organisation enabled them.

Every failure is a :class:`LabelStudioError` with a one-line message naming
the URL and the problem. Only the standard library is used, so claimsift's
environment needs nothing of Label Studio's (which lives in its own venv).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

LEGACY_OFF = "legacy token authentication has been disabled"


class LabelStudioError(Exception):
    """A request to Label Studio failed; the message is one line naming the URL."""


def is_personal_access_token(token: str) -> bool:
    """True for a personal access token (a JWT: three dot-separated parts), False for a legacy token."""
    return token.count(".") == 2


class LabelStudio:
    """One Label Studio server reached at ``url`` with ``token`` (either kind)."""

    def __init__(self, url: str, token: str, timeout_s: float):
        if not url.startswith(("http://", "https://")):
            raise LabelStudioError(f"{url}: not an http(s) URL for Label Studio")
        if not token:
            raise LabelStudioError(f"{url}: no API token given")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self._access: str | None = None

    # --- HTTP -------------------------------------------------------------------

    def _send(self, method: str, path: str, body=None, params: dict | None = None, auth: str | None = None):
        url = f"{self.url}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = auth
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise _HTTPFailure(exc.code, _detail(exc.read()), f"{method} {url}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LabelStudioError(f"{self.url}: Label Studio not reachable ({reason}); "
                                   "is it running? (`make labelstudio` starts one)") from None
        try:
            return json.loads(raw) if raw else None
        except json.JSONDecodeError:
            raise LabelStudioError(f"{method} {url}: the answer is not JSON (is {self.url} a Label Studio?)") from None

    def _authorization(self, renew: bool = False) -> str:
        if not is_personal_access_token(self.token):
            return f"Token {self.token}"
        if self._access is None or renew:
            try:
                answer = self._send("POST", "/api/token/refresh/", {"refresh": self.token})
            except _HTTPFailure as exc:
                raise LabelStudioError(f"{self.url}/api/token/refresh/: the personal access token was refused "
                                       f"(HTTP {exc.code}: {exc.detail}); is it expired or revoked?") from None
            if not isinstance(answer, dict) or "access" not in answer:
                raise LabelStudioError(f"{self.url}/api/token/refresh/: no access token in the answer")
            self._access = answer["access"]
        return f"Bearer {self._access}"

    def request(self, method: str, path: str, body=None, params: dict | None = None):
        """The decoded JSON answer of one authenticated request; raises LabelStudioError."""
        try:
            try:
                return self._send(method, path, body, params, self._authorization())
            except _HTTPFailure as exc:
                if exc.code != 401 or not is_personal_access_token(self.token):
                    raise
                # the short-lived access token expired: get a new one and try once more
                return self._send(method, path, body, params, self._authorization(renew=True))
        except _HTTPFailure as exc:
            if exc.code == 401 and LEGACY_OFF in exc.detail:
                raise LabelStudioError(
                    f"{self.url}: legacy tokens are disabled for this organization; use a personal access token "
                    "(Account & Settings → Personal Access Token) or enable legacy tokens "
                    "(Organization → Settings → Access Token Settings)") from None
            if exc.code == 401:
                raise LabelStudioError(f"{self.url}: the API token was refused ({exc.detail})") from None
            raise LabelStudioError(f"{exc.where}: HTTP {exc.code}: {exc.detail}") from None

    # --- projects and tasks -----------------------------------------------------

    def projects(self, title: str | None = None) -> list[dict]:
        """Every project visible to the token's user (those whose title contains ``title``, when given)."""
        out, page = [], 1
        while True:
            params = {"page": page, "page_size": 100, **({"title": title} if title else {})}
            answer = self.request("GET", "/api/projects/", params=params)
            out.extend(answer.get("results") or [])
            if not answer.get("next"):
                return out
            page += 1

    def project_by_title(self, title: str) -> dict | None:
        """The project titled exactly ``title``; raises LabelStudioError when there are several."""
        found = [p for p in self.projects(title) if p.get("title") == title]
        if len(found) > 1:
            ids = ", ".join(str(p["id"]) for p in found)
            raise LabelStudioError(f"{self.url}: {len(found)} projects are titled {title!r} (ids {ids}); "
                                   "rename all but one")
        return found[0] if found else None

    def create_project(self, title: str, label_config: str) -> dict:
        return self.request("POST", "/api/projects/", {"title": title, "label_config": label_config})

    def update_label_config(self, project_id: int, label_config: str) -> dict:
        return self.request("PATCH", f"/api/projects/{project_id}/", {"label_config": label_config})

    def import_tasks(self, project_id: int, tasks: list[dict]) -> dict:
        """Create ``tasks`` (with their predictions and annotations) in the project; Label Studio's summary."""
        return self.request("POST", f"/api/projects/{project_id}/import", tasks,
                            params={"commit_to_project": "true", "return_task_ids": "true"})

    def export(self, project_id: int, all_tasks: bool = False) -> list[dict]:
        """The project's tasks in Label Studio's JSON export format (only annotated ones unless ``all_tasks``)."""
        answer = self.request("GET", f"/api/projects/{project_id}/export",
                              params={"exportType": "JSON", "download_all_tasks": str(all_tasks).lower()})
        if not isinstance(answer, list):
            raise LabelStudioError(f"{self.url}/api/projects/{project_id}/export: expected a JSON list of tasks")
        return answer

    def export_url(self, project_id: int) -> str:
        return f"{self.url}/api/projects/{project_id}/export"


class _HTTPFailure(Exception):
    def __init__(self, code: int, detail: str, where: str):
        super().__init__(f"{where}: HTTP {code}: {detail}")
        self.code, self.detail, self.where = code, detail, where


def _detail(raw: bytes) -> str:
    """Label Studio's error message on one line (its ``detail`` and ``validation_errors`` when JSON)."""
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        return " ".join(text.split())[:300] or "no message"
    if isinstance(body, dict):
        parts = [str(body.get("detail") or "")]
        if body.get("validation_errors"):
            parts.append(json.dumps(body["validation_errors"], ensure_ascii=False))
        text = " ".join(p for p in parts if p) or json.dumps(body, ensure_ascii=False)
    else:
        text = json.dumps(body, ensure_ascii=False)
    return " ".join(text.split())[:500]
