"""Actions from the case file, in-process (the browser test drives the main path): each refusal is shown
in words beside its form and keeps what was typed; a published notice is blocked, unblocked and
cancelled from the page by the roles the roster allows."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.console.conftest import Stack
from tests.console.test_session import csrf_of, sign_in


async def post(stack: Stack, request_id: str, action: str, data: dict[str, str]) -> httpx.Response:
    page = await stack.http.get(f"/console/cases/{request_id}")
    return await stack.http.post(f"/console/cases/{request_id}/{action}",
                                 data={**data, "csrf_token": csrf_of(page)},
                                 headers={"HX-Request": "true", "HX-Target": "case-file"})


def outcome(page: httpx.Response, form: str) -> str:
    found = re.search(rf'data-testid="outcome-{form}"[^>]*>(.*?)</div>', page.text, re.S)
    assert found, f"an outcome beside the {form} form"
    return html.unescape(" ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()))


def done(page: httpx.Response) -> str:
    """What the case file says an action came to, at its top."""
    found = re.search(r'data-testid="outcome"[^>]*>(.*?)</div>', page.text, re.S)
    assert found, "an outcome at the top of the case file"
    return html.unescape(" ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()))


async def test_an_assessment_with_a_doubt_unanswered_is_refused_in_words_and_keeps_what_was_typed(
    stack: Stack,
) -> None:
    request_id = await stack.submit("red-notice-defamation.json")
    await stack.settle(request_id, "detailed_review")
    concluded = await stack.api("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/review-conclusion",
                                json={"summary": "Reviewed."})
    assert concluded.status_code == 200, concluded.text
    case = await stack.settle(request_id, "legal_assessment")
    doubts = [f for f in case["findings"] if f["severity"] != "info"]
    assert len(doubts) > 1

    await sign_in(stack, "reviewer:legal.ana")
    answer = await post(stack, request_id, "assess", {
        "verdict": "non_compliant", "basis": "Predominantly political.", "article_Art. 3": "1", "doubt_1": "Yes.",
    })
    assert answer.status_code == 422
    said = outcome(answer, "assess")
    assert said.startswith("Refused (DoubtsUnanswered): Answer each doubt before assessing: "
                           f"{len(doubts) - 1} of {len(doubts)} have no answer.")
    assert f"doubt_2: answer the doubt {doubts[1]['rule_id']}" in said
    assert ">Predominantly political.</textarea>" in answer.text, "the basis typed is kept"
    assert (await stack.case(request_id))["assessment"] is None

    every = {f"doubt_{n}": f"Answered {n}." for n in range(1, len(doubts) + 1)}
    answer = await post(stack, request_id, "assess", {
        "verdict": "non_compliant", "basis": "Predominantly political.", "article_Art. 3": "1", **every,
    })
    assert answer.status_code == 200, answer.text
    assessment = (await stack.settle(request_id, "awaiting_decision"))["assessment"]
    assert assessment["articles"] == ["Art. 3"] and assessment["verdict"] == "non_compliant"
    assert f"- {doubts[0]['rule_id']} ({doubts[0]['article']}): Answered 1." in assessment["basis"]


async def test_a_due_date_out_of_range_and_a_blank_question_are_refused_in_words(stack: Stack) -> None:
    request_id = await stack.submit("red-notice-fraud.json")
    await stack.settle(request_id, "legal_assessment")
    await sign_in(stack, "reviewer:police.ben")
    far = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()
    answer = await post(stack, request_id, "info-request", {"to": "requesting", "question": "Q?", "due": far})
    assert answer.status_code == 422
    assert outcome(answer, "info-request").startswith("Refused (InvalidInput): The due date must be 1 to 180 days")
    soon = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    answer = await post(stack, request_id, "info-request", {"to": "requesting", "question": "  ", "due": soon})
    assert answer.status_code == 422 and "question" in outcome(answer, "info-request")

    answer = await post(stack, request_id, "info-request", {"to": "other", "to_ncb": "de", "question": "Known?",
                                                            "due": soon})
    assert answer.status_code == 200 and "Information requested" in done(answer), answer.text
    (asked,) = (await stack.case(request_id))["info_requests"]
    assert asked["to_ncb"] == "DE" and asked["kind"] == "consultation" and asked["asked_by"] == "police.ben"


async def test_a_published_notice_is_blocked_unblocked_and_cancelled_by_the_roles_allowed(stack: Stack) -> None:
    request_id = await stack.submit("red-notice-fraud.json")
    await stack.settle(request_id, "legal_assessment")
    assessed = await stack.api("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/assessment",
                               json={"verdict": "compliant", "basis": "Ordinary-law fraud."})
    assert assessed.status_code == 200, assessed.text
    await stack.settle(request_id, "awaiting_decision")
    decided = await stack.api("reviewer:sup.dana", "POST", f"/v1/cases/{request_id}/decision",
                              json={"outcome": "approve", "reason": "Compliant."})
    assert decided.status_code == 200, decided.text
    notice_id = (await stack.settle(request_id, "published"))["notice_id"]

    await sign_in(stack, "reviewer:legal.ana")
    for _ in range(50):  # the notice's own workflow is started by an activity
        page = await stack.http.get(f"/console/cases/{request_id}")
        if page.status_code == 200 and 'data-form="block"' in page.text:
            break
        await asyncio.sleep(0.2)
    answer = await post(stack, request_id, "block", {"reason": "New doubts on the refugee status."})
    assert answer.status_code == 200 and done(answer).startswith("Notice blocked: notice ")
    answer = await post(stack, request_id, "unblock", {"reason": "Cleared."})
    assert answer.status_code == 403
    assert outcome(answer, "unblock") == ("Refused (RoleNotAllowed): Reviewer 'legal.ana' (roles: legal) may not "
                                          "unblock.")

    await sign_in(stack, "reviewer:sup.dana")
    answer = await post(stack, request_id, "unblock", {"reason": "Cleared."})
    assert answer.status_code == 200 and "Notice unblocked" in done(answer), answer.text
    answer = await post(stack, request_id, "cancel", {"reason": "Person arrested."})
    assert answer.status_code == 200 and "Notice cancelled" in done(answer), answer.text
    notice = await stack.api("reviewer:sup.dana", "GET", f"/v1/ndtf/notices/{notice_id}")
    assert notice.json()["status"] == "cancelled"
