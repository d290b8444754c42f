"""The seed's step 4, "consulting external, credible sources": the subject against a screening service
that speaks yente's ``/match`` API (a self-hosted yente over OpenSanctions' sanctions, PEP and wanted
lists, or the hosted API).

The subject and each alias go in one batch, one query each (``schema: Person`` with the name, the
birth date and the nationalities, lower-cased ISO codes as FollowTheMoney writes countries). Every
listed entity that scores at or above the threshold becomes one ``external.match`` finding (its best
score over the names searched); anything that keeps the answer from being read (the service down,
slow past the timeout, an error status, a body that is not the API's shape) becomes one
``external.unavailable`` finding instead, so screening always goes on and the reviewer always knows
whether the check was made. Nothing here raises.

Both rules rest on RPD Art. 34(3): to decide whether data comply with Article 3 of the Constitution
"all relevant elements shall be examined", among them the status of the person concerned and the
general context of the case, which is what a sanctions, PEP or wanted listing speaks to. A hit is a
doubt, not a block: the identity rests on a name score, and a listing can as well corroborate a
request as reveal its political character, which only a reviewer can tell. The article is not
Article 3 itself, so a hit alone makes a case medium risk, not high (models.findings.risk_of). An
outage is info: the seed consults external sources when doubts arise, so their absence must not send
every case to detailed review; the finding says the check was not made, so a reviewer makes it by
hand, and the next screening round asks again.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.findings import Finding
from models.request import NoticeRequest
from runtime.config import Settings
from screening.external import EXTERNAL_MATCH, EXTERNAL_UNAVAILABLE
from screening.persons import subject_names

log = logging.getLogger("notice.screening.external")


MAX_ERROR = 300
"""How much of an error (or of the service's ``detail``) an ``external.unavailable`` finding quotes."""


class _Hit(BaseModel):
    """One scored result of yente's ``ScoredEntityResponse``; what else it carries is ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1)
    caption: str
    schema_: str = Field(default="", alias="schema")
    properties: dict[str, list[Any]] = Field(default_factory=dict)
    datasets: list[str] = Field(default_factory=list)
    score: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    match: bool = False


class _Matches(BaseModel):
    """yente's ``EntityMatches``: the answer to one query of the batch."""

    model_config = ConfigDict(extra="ignore")

    status: int = 200
    results: list[_Hit]


class _MatchResponse(BaseModel):
    """yente's ``EntityMatchResponse``."""

    model_config = ConfigDict(extra="ignore")

    responses: dict[str, _Matches]


class Unavailable(Exception):
    """The service's answer could not be had or read; the message says why."""


@dataclass(frozen=True)
class Query:
    key: str
    """The query's name in the batch (q0 the subject, q1… the aliases)."""
    field: str
    """subject, or subject.aliases[i]: where the name searched comes from."""
    searched: str
    example: dict[str, Any]
    """yente's ``EntityExample``."""


def _values(properties: dict[str, list[Any]], *names: str) -> list[str]:
    """The plain string values of some properties of a listed entity (nested entities are left out)."""
    return [v for name in names for v in properties.get(name, []) if isinstance(v, str)]


@dataclass(frozen=True)
class ExternalScreening:
    """A configured screening service speaking yente's ``/match`` API."""

    url: str
    dataset: str = "default"
    api_key: str | None = None
    threshold: float = 0.7
    timeout: float = 10.0
    algorithm: str = "best"
    limit: int = 5
    """Results per query (yente's ``limit``; its default is 5)."""

    @classmethod
    def from_settings(cls, config: Settings) -> ExternalScreening | None:
        """The service ``config`` names, or None when no URL is set (then no external source is consulted)."""
        if not config.external_screening_url:
            return None
        return cls(
            url=config.external_screening_url,
            dataset=config.external_screening_dataset,
            api_key=config.external_screening_api_key,
            threshold=config.external_screening_threshold,
            timeout=config.external_screening_timeout,
            algorithm=config.external_screening_algorithm,
        )

    @property
    def match_url(self) -> str:
        return f"{self.url.rstrip('/')}/match/{quote(self.dataset, safe='')}"

    def queries(self, request: NoticeRequest) -> list[Query]:
        """One query per name of the subject (its own, then each alias), with its birth date and nationalities."""
        subject = request.subject
        common: dict[str, list[str]] = {}
        if subject.date_of_birth:
            common["birthDate"] = [subject.date_of_birth]
        if subject.nationalities:
            common["nationality"] = [code.lower() for code in subject.nationalities]
        queries: list[Query] = []
        for field, family, forenames in subject_names(request):
            searched = " ".join(p for p in (forenames or "", family) if p)
            example = {"schema": "Person", "properties": {"name": [searched], **common}}
            queries.append(Query(f"q{len(queries)}", field, searched, example))
        return queries

    async def screen(self, request: NoticeRequest) -> list[Finding]:
        """The external findings about ``request``: its matches, or why the service could not be consulted."""
        queries = self.queries(request)
        retrieved_at = datetime.now(UTC)
        try:
            async with asyncio.timeout(self.timeout):
                answer = await self._ask(queries)
        except TimeoutError:
            return [self._unavailable(f"no answer within {self.timeout:g} s", retrieved_at)]
        except Unavailable as exc:
            return [self._unavailable(str(exc), retrieved_at)]
        except httpx.HTTPError as exc:
            return [self._unavailable(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, retrieved_at)]
        except Exception as exc:  # screening never fails on account of an external source
            log.exception("external screening failed unexpectedly")
            return [self._unavailable(f"{type(exc).__name__}: {exc}", retrieved_at)]
        return self._matches(queries, answer, retrieved_at)

    async def _ask(self, queries: Sequence[Query]) -> _MatchResponse:
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"ApiKey {self.api_key}"
        params: dict[str, str | int | float] = {
            "algorithm": self.algorithm, "threshold": self.threshold, "limit": self.limit,
        }
        body = {"queries": {q.key: q.example for q in queries}}
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            response = await client.post(self.match_url, params=params, json=body, headers=headers)
        if response.status_code != 200:
            raise Unavailable(f"HTTP {response.status_code}{_detail(response)}")
        try:
            answer = _MatchResponse.model_validate(response.json())
        except ValueError as exc:  # not JSON (json.JSONDecodeError) or not the API's shape (ValidationError)
            what = "not the /match response shape" if isinstance(exc, ValidationError) else "not JSON"
            raise Unavailable(f"the answer is {what}") from None
        for query in queries:
            matches = answer.responses.get(query.key)
            if matches is None:
                raise Unavailable(f"the answer leaves out query {query.key}")
            if matches.status != 200:
                raise Unavailable(f"query {query.key} answered status {matches.status}")
        return answer

    def _matches(self, queries: Sequence[Query], answer: _MatchResponse, retrieved_at: datetime) -> list[Finding]:
        best: dict[str, tuple[_Hit, Query]] = {}
        for query in queries:  # the subject first, so a tie keeps the subject's own name
            for hit in answer.responses[query.key].results:
                if hit.score < self.threshold or not math.isfinite(hit.score):
                    continue
                known = best.get(hit.id)
                if known is None or hit.score > known[0].score:
                    best[hit.id] = (hit, query)
        ranked = sorted(best.values(), key=lambda pair: (-pair[0].score, pair[0].id))
        return [self._finding(hit, query, retrieved_at) for hit, query in ranked]

    def _finding(self, hit: _Hit, query: Query, retrieved_at: datetime) -> Finding:
        datasets = ", ".join(hit.datasets) or self.dataset
        topics = _values(hit.properties, "topics")
        alias = f" (through the alias '{query.searched}')" if query.field != "subject" else ""
        listed = f", listed for {', '.join(topics)}" if topics else ""
        return EXTERNAL_MATCH.finding(
            query.field,
            f"The subject{alias} appears on {datasets} as {hit.caption} (score {hit.score:.2f}{listed}); "
            "check whether it is the same person and whether the listing bears on Article 3.",
            evidence={
                "source_url": self.match_url,
                "dataset": self.dataset,
                "datasets": ";".join(hit.datasets),
                "entity_id": hit.id,
                "caption": hit.caption,
                "schema": hit.schema_,
                "score": f"{hit.score:.2f}",
                "threshold": f"{self.threshold:.2f}",
                "topics": ";".join(topics),
                "list_birth_dates": ";".join(_values(hit.properties, "birthDate")),
                "list_nationalities": ";".join(_values(hit.properties, "nationality", "citizenship")),
                "matched_on": query.field,
                "searched_name": query.searched,
                "retrieved_at": retrieved_at.isoformat(timespec="seconds"),
            },
            score=round(hit.score * 100, 1),  # the scale of the other person findings (0 to 100)
        )

    def _unavailable(self, error: str, attempted_at: datetime) -> Finding:
        error = error[:MAX_ERROR]
        log.warning("external screening at %s unavailable: %s", self.match_url, error)
        return EXTERNAL_UNAVAILABLE.finding(
            "subject",
            f"The external screening service {self.match_url} could not be consulted ({error}): the subject was "
            "not checked against external sources (sanctions, PEP and wanted lists) in this round; check them by "
            "hand before relying on their absence.",
            evidence={
                "source_url": self.match_url,
                "dataset": self.dataset,
                "error": error,
                "attempted_at": attempted_at.isoformat(timespec="seconds"),
            },
        )


def _detail(response: httpx.Response) -> str:
    """``: <detail>`` from an error answer in yente's ``ErrorResponse`` shape, else nothing."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return ""
    return f": {detail}" if isinstance(detail, str) and detail else ""
