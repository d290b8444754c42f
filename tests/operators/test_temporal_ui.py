"""An operator in the Temporal Web UI, in a real (headless) Chromium: a list filter from the operators'
guide, typed into the workflow list's URL, lists the case awaiting the NCB's clarification before a
date and not a case in legal assessment; opening it shows its summary, details and current details,
none of them naming the subject."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Frame, Page, async_playwright, expect

from models.ids import workflow_id_for
from tests.conftest import service_missing
from tests.operators.conftest import Stack, eventually

pytestmark = pytest.mark.devserver

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = os.environ.get("OPERATORS_SCREENSHOTS")
"""A folder to save the pages in (the README's are made so: OPERATORS_SCREENSHOTS=docs/operators)."""


async def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / name))


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium, driven by Playwright (no browser is downloaded): skipped locally when it is
    absent, a failure under CI=true."""
    if not CHROMIUM.exists():
        service_missing("chromium", f"{CHROMIUM} is not installed (apt-get install chromium; `make test` installs it)")
    return str(CHROMIUM)


async def frames_text(page: Page) -> str:
    """The text of the page and of its frames (the UI renders Markdown details in sandboxed frames)."""
    texts = []
    for frame in page.frames:
        try:
            texts.append(await frame_text(frame))
        except Exception:  # noqa: BLE001 - a frame navigating away has no text to give
            continue
    return "\n".join(texts)


async def frame_text(frame: Frame) -> str:
    return await frame.inner_text("body", timeout=2000)


async def test_a_guide_filter_lists_the_case_awaiting_clarification_and_its_page_shows_what_it_is(
    stack: Stack, chromium: str
) -> None:
    started = time.monotonic()
    waiting_id, waiting_body = await stack.submit("red-notice-incomplete.json")  # BR: data missing
    other_id, _ = await stack.submit("red-notice-fraud.json")  # FR: to legal assessment
    await stack.reaches(waiting_id, "BR", "awaiting_clarification")
    await stack.reaches(other_id, "FR", "legal_assessment")

    before = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    guide_filter = f'ReviewStage="awaiting_clarification" AND NextDeadline < "{before}"'
    query = f'{guide_filter} AND TaskQueue="{stack.task_queue}"'  # this test's cases only
    both = f'NextDeadline < "{before}" AND TaskQueue="{stack.task_queue}"'

    async def listed() -> bool:  # visibility is eventually consistent: wait until it agrees
        return (await stack.client.count_workflows(query)).count == 1 and (
            await stack.client.count_workflows(both)
        ).count == 2

    await eventually(listed, "visibility to list both cases with their deadlines")
    waiting_wf, other_wf = workflow_id_for(waiting_id), workflow_id_for(other_id)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 800})
            await page.goto(f"{stack.server.ui_url}/namespaces/default/workflows?query={quote(query)}")
            row = page.get_by_role("link", name=waiting_wf)
            await expect(row).to_be_visible(timeout=20_000)
            await expect(page.get_by_text(other_wf)).to_have_count(0)
            await screenshot(page, "temporal-ui-filter.png")

            await row.click()
            await page.get_by_role("tab", name="User Metadata").click()

            async def metadata_shown() -> str | None:
                text = await frames_text(page)
                ok = f"Red Notice request from NCB BR · {waiting_id}" in text and "awaiting_clarification" in text
                return text if ok and "Requesting NCB:" in text else None

            shown = await eventually(metadata_shown, "the summary, details and current details", within=20)
            await screenshot(page, "temporal-ui-user-metadata.png")
            assert f"Request: {waiting_id}" in shown
            assert "Awaiting clarification IR-1 from BR" in shown
            panel = await page.locator("main").inner_text()
            for name in (waiting_body["subject"]["family_name"], waiting_body["subject"]["forenames"]):
                assert name.lower() not in shown.lower() and name.lower() not in panel.lower(), name
        finally:
            await browser.close()
    assert time.monotonic() - started < 60
