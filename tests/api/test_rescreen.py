"""A refugees list loaded through the API after a case was screened and a notice published: the load's
answer says how many open cases and notices are re-screened (counts, no names), the case's finding shows
in the case and in the queue's counts, the notice's alert in the notice's view; a retried load starts no
second re-screening."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, eventually, example_body
from tests.api.test_routes import reaches
from tests.workflows.test_rescreen import refugees_with

FRAUD = "red-notice-fraud.json"
CASE_SUBJECT = "OKONKWO,Adaeze,1990-02-03,NG,DE,FR,confirmed,2024-05-02,2023-11-20,2024-06-10,"
"""A confirmed refugee from the requesting country (FR): a blocking finding for the open case."""
NOTICE_SUBJECT = "MARCHETTI,Lucien Paul,1979-04-12,FR;IT,ES,FR,asylum_seeker,,2025-09-01,,"


async def _submitted(api: Api, body: dict[str, Any]) -> str:
    submitted = await api.call("ncb:FR", "POST", "/v1/requests", json=body)
    assert submitted.status_code == 201, submitted.text
    request_id: str = submitted.json()["request_id"]
    await reaches(api, request_id, "legal_assessment")
    return request_id


async def _published(api: Api) -> str:
    request_id = await _submitted(api, example_body(FRAUD))
    assessed = await api.call("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/assessment",
                              json={"verdict": "compliant", "basis": "Ordinary-law fraud."})
    assert assessed.status_code == 200, assessed.text
    decided = await api.call("reviewer:sup.dana", "POST", f"/v1/cases/{request_id}/decision",
                             json={"outcome": "approve", "reason": "Compliant with the Rules."})
    assert decided.status_code == 200, decided.text
    notice_id: str = (await reaches(api, request_id, "published"))["notice_id"]
    return notice_id


async def test_a_refugee_load_through_the_api_re_screens_open_cases_and_notices(api: Api) -> None:
    notice_id = await _published(api)
    body = example_body(FRAUD)
    body["subject"] = {**body["subject"], "family_name": "OKONKWO", "forenames": "Adaeze",
                       "date_of_birth": "1990-02-03", "nationalities": ["NG"], "aliases": []}
    case_id = await _submitted(api, body)

    csv = refugees_with(CASE_SUBJECT, NOTICE_SUBJECT).encode()
    loaded = await api.call("admin", "PUT", "/v1/reference-data/refugees", content=csv,
                            headers={"Content-Type": "text/csv"})
    assert loaded.status_code == 200, loaded.text
    answer = loaded.json()
    assert (answer["changed"], answer["entries_changed"]) == (True, 2)
    rescreen = answer["rescreen"]
    assert {k: rescreen[k] for k in ("started", "changed_entries", "open_cases", "published_notices")} == {
        "started": True, "changed_entries": 2, "open_cases": 1, "published_notices": 1,
    }
    assert "OKONKWO" not in loaded.text and "MARCHETTI" not in loaded.text, "counts only, no names"

    async def case_alerted() -> dict[str, Any] | None:
        case: dict[str, Any] = (await api.call("reviewer:legal.ana", "GET", f"/v1/cases/{case_id}")).json()
        found = [f for f in case["findings"] if f["source"] == "reference_data"]
        return case if found and case["stage"] == "detailed_review" else None

    case = await eventually(case_alerted, "the open case's re-screening finding")
    [finding] = [f for f in case["findings"] if f["source"] == "reference_data"]
    assert (finding["rule_id"], finding["severity"]) == ("refugee.persecution_country_requests", "blocking")
    assert finding["evidence"]["list"] == "refugees" and finding["evidence"]["entry_id"]

    async def queued() -> dict[str, Any] | None:
        queue = (await api.call("reviewer:legal.ana", "GET", "/v1/cases")).json()
        entries = queue["entries"]
        return next((e for e in entries if e["request_id"] == case_id and e["stage"] == "detailed_review"), None)

    entry = await eventually(queued, "the case back in detailed review in the queue")
    assert (entry["blocking"], entry["risk"]) == (1, "high")

    async def notice_alerted() -> dict[str, Any] | None:
        notice: dict[str, Any] = (await api.call("reviewer:legal.ana", "GET", f"/v1/ndtf/notices/{notice_id}")).json()
        return notice if notice["reference_alerts"] else None

    notice = await eventually(notice_alerted, "the notice's re-screening alert")
    [alert] = notice["reference_alerts"]
    assert alert["finding"]["rule_id"] == "refugee.asylum_seeker" and notice["status"] == "published"

    again = await api.call("admin", "PUT", "/v1/reference-data/refugees", content=csv,
                           headers={"Content-Type": "text/csv"})
    assert again.status_code == 200, again.text
    assert again.json()["changed"] is False
    assert again.json()["rescreen"]["workflow_id"] == rescreen["workflow_id"]
    assert again.json()["rescreen"]["started"] is False, "a retried load starts no second re-screening"


async def test_a_load_of_another_list_re_screens_nothing(api: Api) -> None:
    roster = (await api.call("admin", "PUT", "/v1/reference-data/country_context",
                             content=b"country,kind,from,to,note\nFR,election,2027-04-01,,Presidential\n",
                             headers={"Content-Type": "text/csv"}))
    assert roster.status_code == 200, roster.text
    assert roster.json()["rescreen"] is None
