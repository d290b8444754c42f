"""The service's HTTP API as the commands and the client libraries call it: one base URL, one bearer
credential, problem details turned into the exceptions the commands map to exit codes.

Light on purpose: no model of a case is imported here, so `ndtf queue` and `ndtf --help` start without
building them (``starter.api_client`` and ``admin.api_client`` add the calls and their models).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from runtime.cli import ApiFailure, ApiTimeout, ApiUnreachable, CredentialRejected, FieldProblem, InvalidInput
from runtime.config import settings
from runtime.errors import ActionRefused, UnknownCase

T = TypeVar("T")

RETRY_DELAYS = (0.25, 0.75, 2.0)
"""Pauses between the attempts of a call that may be repeated (reads, submissions, reference data)."""
INVALID_STATUSES = frozenset({400, 413, 415, 422})


def segment(value: str) -> str:
    """An id as one path segment: nothing in it can reach another route."""
    return quote(value.strip(), safe="")


def _reason(error: httpx.TransportError) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]


class ApiClient:
    """One base URL, one bearer credential, problem details turned into exceptions."""

    transport: httpx.BaseTransport | None = None
    """The default transport of new clients (tests put a fake API here)."""

    def __init__(
        self,
        token: str,
        base_url: str | None = None,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = (base_url or settings().api_url).rstrip("/")
        self.timeout = timeout
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token.strip()}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport or type(self).transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self: T) -> T:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # --- one call ---------------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        retry: bool = False,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request and return its JSON body, or raise what the API's answer means.

        ``retry``: the call may be repeated when the connection fails (never on a timeout: the API has it)."""
        query = {key: value for key, value in (params or {}).items() if value is not None}
        attempts = len(RETRY_DELAYS) + 1 if retry else 1
        for attempt in range(attempts):
            try:
                response = self._http.request(
                    method, path, json=json, params=query, content=content, headers=dict(headers or {})
                )
            except httpx.ConnectTimeout as error:
                failure: Exception = ApiUnreachable(self.base_url, f"no connection within the timeout ({error})")
            except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
                raise ApiTimeout(self.base_url, self.timeout, maybe_done=method != "GET") from None
            except httpx.ConnectError as error:
                failure = ApiUnreachable(self.base_url, _reason(error))
            except httpx.TransportError as error:
                failure = ApiUnreachable(self.base_url, _reason(error), maybe_done=not retry)
            else:
                return self.answer(response)
            if attempt + 1 < attempts:
                time.sleep(RETRY_DELAYS[attempt])
                continue
            raise failure
        raise AssertionError("unreachable")  # pragma: no cover

    def answer(self, response: httpx.Response) -> Any:
        if response.is_success:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise ApiFailure(self.base_url, response.status_code, "NotJson",
                                 "the answer is not JSON: is NOTICE_API the notice review API?") from None
        status = response.status_code
        problem = self._problem(response)
        if problem is None:
            if status in (404, 405):
                raise ApiUnreachable(self.base_url, f"{status} for {response.request.url.path}: no notice review "
                                                    "API answers there (is NOTICE_API right?)")
            text = response.text.strip().splitlines()[0][:200] if response.text.strip() else response.reason_phrase
            raise ApiFailure(self.base_url, status, f"Http{status}", text)
        kind = str(problem.get("kind") or problem.get("title") or f"Http{status}")
        detail = str(problem.get("detail") or problem.get("title") or response.reason_phrase)
        if status == 401:
            raise CredentialRejected(kind, detail)
        if status == 404:
            raise UnknownCase(detail)
        if status in INVALID_STATUSES:
            raise InvalidInput(kind, detail, self._fields(problem))
        if status in (403, 409):
            raise ActionRefused(kind, detail)
        if status == 429:
            wait = response.headers.get("Retry-After")
            detail = f"{detail} (try again in {wait}s)" if wait and wait not in detail else detail
        raise ApiFailure(self.base_url, status, kind, detail)

    @staticmethod
    def _problem(response: httpx.Response) -> dict[str, Any] | None:
        if "json" not in response.headers.get("content-type", ""):
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        if isinstance(body, dict) and ("kind" in body or "title" in body):
            return body
        return None

    @staticmethod
    def _fields(problem: Mapping[str, Any]) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        for item in problem.get("errors") or []:
            if isinstance(item, Mapping):
                line = item.get("line")
                found.append(FieldProblem(
                    field=str(item.get("field", "")), message=str(item.get("message", "")),
                    line=line if isinstance(line, int) else None,
                ))
        return found

    def parsed(self, model: type[T] | Any, data: Any) -> T:
        """The answer as ``model`` (a pydantic model or a type such as ``list[X]``)."""
        try:
            if isinstance(model, type) and issubclass(model, BaseModel):
                return model.model_validate(data)  # type: ignore[return-value]
            result: T = TypeAdapter(model).validate_python(data)
            return result
        except ValidationError as error:
            raise ApiFailure(self.base_url, 200, "UnexpectedAnswer",
                             f"the API's answer does not fit this client ({error.error_count()} problem(s)): "
                             "are the API and the commands the same version?") from None
