"""A reviewer consults only a member's NCB: an info request to a non-member is refused (422, naming
``to_ncb``) before anything reaches the case, as a request from a non-member is."""

from __future__ import annotations

from tests.api.conftest import Api, example_body
from tests.api.test_routes import reaches


async def test_consulting_a_non_member_is_refused_naming_to_ncb(api: Api) -> None:
    submitted = await api.call("ncb:FR", "POST", "/v1/requests", json=example_body("red-notice-fraud.json"))
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["request_id"]
    await reaches(api, request_id, "legal_assessment")

    refused = await api.call("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/info-requests",
                             json={"question": "Is the subject known to you?", "to_ncb": "KP"})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["kind"] == "NotAMember"
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [("to_ncb", "KP is not a member country")]
    assert (await api.case(request_id)).info_requests == [], "nothing reached the case"

    consulted = await api.call("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/info-requests",
                               json={"question": "Is the subject known to you?", "to_ncb": "DE"})
    assert consulted.status_code == 200, consulted.text
    assert [i.to_ncb for i in (await api.case(request_id)).info_requests] == ["DE"]
