"""A reviewer works a case from the queue to publication in a real browser: headless Chromium (Debian's
``/usr/bin/chromium``, driven by Playwright) against the whole service served on a real port.

legal.ana signs in, filters the queue, opens a case, claims it and asks the NCB for information; the NCB
replies through the API; she concludes the review and assesses (each doubt answered), and is refused in
words when she tries to decide her own assessment; legal.eli signs in, is warned that the case is
held, decides, and the notice is published, as the API then says. Screenshots of the queue and the case
file (a case screening doubted) and of the four-eyes refusal are saved to docs/screenshots/ (the README
shows them).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Dialog, Page, async_playwright, expect

from tests.conftest import service_missing
from tests.console.conftest import SCREENSHOTS, Stack

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
EXAMPLE = "wpd-drug-trafficking.json"
OTHERS = ("red-notice-fraud.json", "red-notice-defamation.json", "red-notice-incomplete.json")


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium: a local run without it skips, saying so; under CI=true it fails."""
    if not CHROMIUM.exists():
        service_missing("Chromium", f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            yield launched
        finally:
            await launched.close()


BLOCKED: list[str] = []
"""What the pages' Content-Security-Policy blocked (nothing should be)."""


async def signed_in(browser: Browser, served: str, token: str) -> Page:
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, base_url=served)
    context.set_default_timeout(30_000)
    page = await context.new_page()
    page.on("console", lambda message: BLOCKED.append(message.text) if "Content Security Policy" in message.text
            else None)
    await page.goto("/console")
    await expect(page).to_have_url(re.compile(r"/console/sign-in"))
    await page.get_by_label("Reviewer API key").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/console/queue"))
    return page


async def stage_is(page: Page, stage: str) -> None:
    """Reload the case file until it shows ``stage`` (the workflow moves the case on its own)."""
    for _ in range(100):
        if (await page.get_by_test_id("stage").inner_text()).strip() == stage:
            return
        await page.wait_for_timeout(300)
        await page.reload()
    await expect(page.get_by_test_id("stage")).to_have_text(stage)


async def test_a_reviewer_works_a_case_from_the_queue_to_publication_in_the_browser(
    stack: Stack, served: str, browser: Browser
) -> None:
    request_id = await stack.submit(EXAMPLE)
    others = [await stack.submit(name) for name in OTHERS]
    case = await stack.settle(request_id, "detailed_review", "legal_assessment")
    ncb = case["request"]["requesting_ncb"]
    for other in others:
        await stack.settle(other, "detailed_review", "legal_assessment", "awaiting_clarification")

    # legal.ana signs in and filters the queue to the requesting NCB's cases.
    ana = await signed_in(browser, served, stack.tokens["reviewer:legal.ana"])
    await expect(ana.locator("#queue-results tbody tr")).to_have_count(len(OTHERS) + 1)
    await ana.screenshot(path=str(SCREENSHOTS / "queue.png"))

    # The case file of a case screening doubted: findings by article, evidence beside the matched entry.
    await ana.goto(f"/console/cases/{others[1]}")
    await expect(ana.get_by_role("heading", name="Findings by article")).to_be_visible()
    await expect(ana.locator("table.findings").first).to_be_visible()
    await ana.screenshot(path=str(SCREENSHOTS / "case-file.png"), full_page=True)
    await ana.goto("/console/queue")
    await ana.get_by_label("Requesting NCB").fill(ncb)
    await ana.get_by_label("Requesting NCB").press("Enter")
    await expect(ana.locator("#queue-results tbody tr")).to_have_count(1)
    await expect(ana).to_have_url(re.compile(rf"ncb={ncb}"))
    await ana.get_by_label("Held by").select_option("nobody")
    await expect(ana.locator(f'tr[data-request="{request_id}"]')).to_contain_text("nobody")

    # She opens the case and claims it; the URL names the request only.
    await ana.get_by_role("link", name=request_id).click()
    await expect(ana).to_have_url(re.compile(rf"/console/cases/{re.escape(request_id)}$"))
    family_name = case["request"]["subject"]["family_name"]
    assert family_name not in ana.url
    await expect(ana.get_by_role("heading", name=f"Case {request_id}")).to_be_visible()
    await ana.get_by_role("button", name="Claim", exact=True).click()
    await expect(ana.get_by_test_id("claim")).to_contain_text("Held by legal.ana")

    # She asks the requesting NCB for information.
    await ana.get_by_label("Question").fill("Please send the seizure report of the shipment named in the facts.")
    await ana.get_by_role("button", name="Send the request").click()
    await expect(ana.get_by_test_id("outcome")).to_contain_text("Information requested")
    await expect(ana.get_by_test_id("stage")).to_have_text("awaiting clarification")
    await expect(ana.locator(".exchange").last).to_contain_text("left")

    # The NCB replies through the API.
    reply = await stack.api(f"ncb:{ncb}", "POST", f"/v1/requests/{request_id}/replies",
                            json={"answer": "The seizure report is attached to our file ES-2024-118, page 4."})
    assert reply.status_code == 200, reply.text
    await stage_is(ana, "detailed review")
    await expect(ana.locator("blockquote.reply")).to_contain_text("The seizure report is attached")

    # She concludes the review, then assesses with every doubt answered and the articles covered.
    await ana.get_by_label("Summary of the review").fill("Seizure report received; the facts are corroborated.")
    await ana.get_by_role("button", name="Conclude the review").click()
    await expect(ana.get_by_test_id("stage")).to_have_text("legal assessment")
    await ana.get_by_label("compliant", exact=True).check()
    for value in ("RPD", "Art. 2(1)", "Art. 3"):
        await ana.get_by_label(re.compile(re.escape(value))).check()
    doubts = ana.locator('textarea[name^="doubt_"]')
    for index in range(await doubts.count()):
        await doubts.nth(index).fill("Checked against the seizure report: no bearing on Article 3.")
    await ana.get_by_label("Basis of the assessment").fill("Ordinary-law offence, corroborated; RPD criteria met.")
    await ana.get_by_role("button", name="Record the assessment").click()
    await expect(ana.get_by_test_id("stage")).to_have_text("awaiting decision")

    # Four eyes, before and after the click: she is told the decision is not hers, and refused in words.
    await expect(ana.get_by_test_id("four-eyes")).to_contain_text("You assessed this case")
    await ana.get_by_label("approve").check()
    await ana.get_by_label("Reason").fill("Approving my own assessment.")
    await ana.get_by_role("button", name="Record the decision").click()
    await expect(ana.get_by_test_id("outcome-decide")).to_contain_text("Refused (FourEyes)")
    await expect(ana.get_by_test_id("outcome-decide")).to_contain_text("other than the assessor")
    await ana.screenshot(path=str(SCREENSHOTS / "four-eyes.png"))

    # legal.eli decides; the case is held by legal.ana, so the page asks first.
    eli = await signed_in(browser, served, stack.tokens["reviewer:legal.eli"])
    await eli.goto(f"/console/cases/{request_id}")
    await expect(eli.get_by_test_id("four-eyes")).to_contain_text("by legal.ana")
    await expect(eli.get_by_test_id("claim")).to_contain_text("You may still act on it")
    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    eli.on("dialog", accept)
    await eli.get_by_label("approve").check()
    await eli.get_by_label("Reason").fill("Assessment sound; the request meets the rules.")
    await eli.get_by_role("button", name="Record the decision").click()
    await expect(eli.get_by_test_id("outcome")).to_contain_text("Decision recorded")
    assert asked and "legal.ana holds this case" in asked[0]

    published = await stack.settle(request_id, "published")
    assert published["decision"]["decided_by"] == "legal.eli"
    assert published["assessment"]["assessor"] == "legal.ana"
    assert set(published["assessment"]["articles"]) == {"RPD", "Art. 2(1)", "Art. 3"}
    notice = await stack.api("reviewer:legal.eli", "GET", f"/v1/ndtf/notices/{published['notice_id']}")
    assert notice.status_code == 200 and notice.json()["status"] == "published"
    await stage_is(eli, "published")
    await expect(eli.get_by_test_id("notice")).to_contain_text("published")
    assert BLOCKED == [], "the pages run within their Content-Security-Policy"
