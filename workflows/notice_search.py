"""A short workflow that answers `ncb search`: NCB integrations talk to Temporal only, never to the
organisation's database, and visibility is enforced by the activity that reads it."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.registry import RegistryActivities
    from models.activities import SearchNoticesInput, SearchResults


@workflow.defn
class NoticeSearchWorkflow:
    @workflow.run
    async def run(self, input: SearchNoticesInput) -> SearchResults:
        workflow.set_current_details(f"**Searching for NCB** {input.viewer_ncb}")
        results = await workflow.execute_activity_method(
            RegistryActivities.search_notices,
            input,
            start_to_close_timeout=timedelta(seconds=30),
            summary=f"search for NCB {input.viewer_ncb}",
        )
        workflow.set_current_details(f"**Search for NCB** {input.viewer_ncb}: answered")
        return results
