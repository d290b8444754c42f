"""Re-screening when reference data changes: one workflow per load of the refugee or political-targeting
list that added or changed entries, started by the load (``api/routes/admin.py``) under an id derived
from the list, the version and the content, so a retried load starts none twice.

It matches the changed entries against the subjects of open cases and published notices (one activity,
read-only), then signals each case or notice that matched (``reference_data_matched``): the signals are
commands in this history, so a worker that crashes midway sends each once, and the receivers take an
entry once however often it reaches them.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    import workflows.notice_request as notice_request
    import workflows.published_notice as published_notice
    from activities.rescreen import RescreenActivities
    from models.rescreen import (
        ReferenceDataMatched,
        RescreenInput,
        RescreenOutcome,
        RescreenTarget,
        SubjectMatched,
    )
    from workflows.steps import RETRY

MATCHING_TIMEOUT = timedelta(minutes=30)
"""A first load of a long list against every open case takes a while; it is retried like the others."""


@workflow.defn
class RescreenWorkflow:
    def __init__(self) -> None:
        self._outcome: RescreenOutcome | None = None

    @workflow.run
    async def run(self, input: RescreenInput) -> RescreenOutcome:
        found = await workflow.execute_activity_method(
            RescreenActivities.match_changed_entries,
            input,
            summary=f"match the {input.kind.value} entries of version {input.version}",
            start_to_close_timeout=MATCHING_TIMEOUT,
            retry_policy=RETRY,
        )
        outcome = RescreenOutcome(
            kind=input.kind,
            version=input.version,
            entries=found.entries,
            open_cases=found.open_cases,
            published_notices=found.published_notices,
        )
        self._outcome = outcome
        for matched in found.matches:
            if await self._signal(input, matched):
                if matched.target is RescreenTarget.CASE:
                    outcome.cases_alerted += 1
                else:
                    outcome.notices_alerted += 1
            else:
                outcome.not_reached += 1
            workflow.set_current_details(self._details(outcome))
        workflow.set_current_details(self._details(outcome))
        return outcome

    async def _signal(self, input: RescreenInput, matched: SubjectMatched) -> bool:
        """Tell one case or notice; False when it had closed (decided, withdrawn, cancelled) meanwhile."""
        signal = ReferenceDataMatched(
            kind=input.kind, version=input.version, rescreen_id=workflow.info().workflow_id, matched=matched.matched
        )
        try:
            if matched.target is RescreenTarget.CASE:
                case = workflow.get_external_workflow_handle_for(
                    notice_request.NoticeRequestWorkflow.run, matched.workflow_id
                )
                await case.signal(notice_request.NoticeRequestWorkflow.reference_data_matched, signal)
            else:
                notice = workflow.get_external_workflow_handle_for(
                    published_notice.PublishedNoticeWorkflow.run, matched.workflow_id
                )
                await notice.signal(published_notice.PublishedNoticeWorkflow.reference_data_matched, signal)
        except FailureError as error:
            workflow.logger.info("re-screening could not reach %s: %s", matched.workflow_id, error)
            return False
        return True

    @staticmethod
    def _details(outcome: RescreenOutcome) -> str:
        """For the Temporal UI: counts only, no names."""
        return (
            f"**List:** {outcome.kind.value} v{outcome.version}, {outcome.entries} entries added or changed\n\n"
            f"**Compared:** {outcome.open_cases} open cases, {outcome.published_notices} published notices\n\n"
            f"**Alerted:** {outcome.cases_alerted} cases, {outcome.notices_alerted} notices"
            f" ({outcome.not_reached} closed before they were reached)"
        )

    @workflow.query
    def outcome(self) -> RescreenOutcome | None:
        """What it has done so far (None until the matching has run)."""
        return self._outcome
