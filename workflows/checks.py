"""The pure checks on what reaches a case or a notice: stage, ownership, four eyes, timing.

Each is a function of the state and the message, so it runs in an update's validator (a wrong click
is refused before it reaches history) and again in the handler (the state may have moved while the
update waited for its turn, and a signal has no validator). The roster check needs an activity and
stays in the handler (``workflows.steps.check_reviewer``).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from temporalio.exceptions import ApplicationError

from models.case import (
    FINAL_STAGES,
    AssessmentSubmitted,
    CaseState,
    ClaimRequested,
    ClarificationReply,
    DecisionOutcome,
    DecisionSubmitted,
    InfoRequest,
    InfoRequested,
    InfoRequestKind,
    ReleaseRequested,
    ReviewStage,
    SourceConsulted,
    Verdict,
    WithdrawalRequested,
)
from models.findings import Severity
from models.notice import (
    AcknowledgementSent,
    Instruction,
    NoticeAction,
    NoticeStatus,
    PublishedNoticeState,
    RenewalRequested,
)
from models.request import InvalidRequest, NoticeRequest, merge_amendments
from workflows.policy import RENEWAL_REMINDER_BEFORE

ENDED = frozenset({NoticeStatus.CANCELLED, NoticeStatus.EXPIRED})


class Refused(Exception):
    """An action that is not valid now: nothing changes, the sender is told why, by type."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason

    def as_error(self) -> ApplicationError:
        return ApplicationError(self.reason, type=self.kind, non_retryable=True)


# --- a request ---------------------------------------------------------------------------------


def case_open(state: CaseState) -> None:
    if state.stage in FINAL_STAGES:
        raise Refused("CaseClosed", f"The case is closed ({state.stage.value}); nothing more can be done on it.")


def _stage(state: CaseState, allowed: set[ReviewStage], action: str) -> None:
    case_open(state)
    if state.stage not in allowed:
        wanted = " or ".join(sorted(s.value for s in allowed))
        raise Refused("WrongStage", f"Cannot {action} while the case is {state.stage.value}; it must be {wanted}.")


NCB_CODE = re.compile(r"[A-Z]{2}")
"""An NCB's code: two letters (ISO 3166-1 alpha-2, or a code INTERPOL's member list gives, such as XK)."""


def addressed_to_an_ncb(message: InfoRequested) -> bool:
    """The requesting NCB (no ``to_ncb``, or an empty one) or a two-letter code (in any case)."""
    return not message.to_ncb or NCB_CODE.fullmatch(message.to_ncb.upper()) is not None


def request_info(state: CaseState, message: InfoRequested, *, new: bool = False) -> None:
    """``new`` (the validator's, which never runs on replay, or the handler's behind ``addressee-checked``)
    also holds the addressee to an NCB's two-letter code: a line break or an address there would go into the mail's
    recipient, and a long name into the outbox."""
    _stage(
        state,
        {ReviewStage.DETAILED_REVIEW, ReviewStage.AWAITING_CLARIFICATION, ReviewStage.LEGAL_ASSESSMENT},
        "ask for information",
    )
    if new and not addressed_to_an_ncb(message):
        shown = (message.to_ncb or "")[:20].encode("unicode_escape").decode("ascii")
        raise Refused("InvalidInput", f"to_ncb: '{shown}' is not an NCB's two-letter code.")


def reply(
    state: CaseState, message: ClarificationReply, today: date, *, limits: bool = True, plain_text: bool = False
) -> tuple[InfoRequest, NoticeRequest | None]:
    """The request for information the reply answers, and the amended request when it amends one.
    ``plain_text`` (the validator's: it never runs on replay) refuses control characters in what the
    amendments change."""
    case_open(state)
    ncb = message.ncb.upper()
    answerable = state.open_info_requests(ncb)
    if message.info_request_id:
        answerable = [r for r in answerable if r.info_request_id == message.info_request_id]
    if not answerable:
        raise Refused("NothingAwaited", f"No request for information to NCB {ncb} is open on this case.")
    info = answerable[0]
    if not message.amendments:
        return info, None
    if info.kind is not InfoRequestKind.CLARIFICATION:
        raise Refused("NotYourRequest", "Only the requesting NCB can amend the request.")
    try:
        return info, merge_amendments(state.request, message.amendments, today, limits=limits, plain_text=plain_text)
    except InvalidRequest as error:
        raise Refused("InvalidAmendment", f"The amendments do not validate: {error}") from None


def note_source(state: CaseState, message: SourceConsulted) -> None:
    _stage(
        state,
        {
            ReviewStage.DETAILED_REVIEW,
            ReviewStage.AWAITING_CLARIFICATION,
            ReviewStage.LEGAL_ASSESSMENT,
            ReviewStage.AWAITING_DECISION,
        },
        "record a source",
    )


def conclude_review(state: CaseState) -> None:
    _stage(state, {ReviewStage.DETAILED_REVIEW}, "conclude the detailed review")
    if state.open_info_requests():
        raise Refused("InformationAwaited", "Requests for information are still open; wait for them or their deadline.")
    if state.rescreen_needed:
        raise Refused("ScreeningPending", "The amended request is being screened again.")


def assess(state: CaseState, message: AssessmentSubmitted) -> None:
    _stage(state, {ReviewStage.LEGAL_ASSESSMENT}, "record an assessment")


def decide(state: CaseState, message: DecisionSubmitted) -> None:
    _stage(state, {ReviewStage.AWAITING_DECISION}, "decide")
    if state.decision is not None:
        raise Refused("AlreadyDecided", "The request has been decided.")
    assessment = state.assessment
    if assessment is None:
        raise Refused("AssessmentMissing", "A decision needs a completed legal assessment.")
    if message.reviewer_id == assessment.assessor:
        raise Refused("FourEyes", "The decision must be made by a reviewer other than the assessor.")


def approval(state: CaseState, message: DecisionSubmitted) -> bool:
    """For an approval: True when it overrides blocking findings, which a supervisor must do (the
    roster says who is one)."""
    if message.outcome is not DecisionOutcome.APPROVE:
        return False
    if state.assessment is None or state.assessment.verdict is not Verdict.COMPLIANT:
        raise Refused("AssessedNonCompliant", "The legal assessment found the request non-compliant.")
    blocking = [f for f in state.findings if f.severity is Severity.BLOCKING]
    if blocking and not message.override_justification:
        raise Refused(
            "BlockingFindings",
            f"{len(blocking)} blocking findings are unresolved ("
            + ", ".join(sorted({f.rule_id for f in blocking}))
            + "); approving needs a supervisor's override with its justification.",
        )
    return bool(blocking)


def decision(state: CaseState, message: DecisionSubmitted) -> bool:
    """Every pure check on a decision, in the order the handler makes them around the roster's."""
    decide(state, message)
    return approval(state, message)


def withdraw(state: CaseState, message: WithdrawalRequested) -> None:
    case_open(state)
    if message.ncb.upper() != state.request.requesting_ncb:
        raise Refused("NotYourRequest", "Only the requesting NCB can withdraw its request.")
    if state.decision is not None:
        raise Refused("AlreadyDecided", "The request has been decided and can no longer be withdrawn.")


CLAIMABLE = frozenset({
    ReviewStage.DETAILED_REVIEW,
    ReviewStage.AWAITING_CLARIFICATION,
    ReviewStage.LEGAL_ASSESSMENT,
    ReviewStage.AWAITING_DECISION,
})
"""Stages in which reviewers work a case, and so may claim it."""


def _held_by(state: CaseState, now: datetime) -> str:
    holder = state.holder(now)
    assert holder is not None and state.claimed_until is not None
    return f"{holder} until {state.claimed_until:%Y-%m-%d %H:%M} UTC"


def claim(state: CaseState, message: ClaimRequested, now: datetime) -> None:
    """A reviewer may claim a case nobody holds, or claim again one they hold (the claim runs anew);
    a case another reviewer holds is theirs until they release it or the claim lapses."""
    _stage(state, set(CLAIMABLE), "claim the case")
    holder = state.holder(now)
    if holder is not None and holder != message.reviewer_id:
        raise Refused(
            "ClaimedByOther",
            f"The case is held by {_held_by(state, now)}; ask them to release it, or wait for the claim to lapse.",
        )


def release(state: CaseState, message: ReleaseRequested, now: datetime) -> None:
    """Only the holder releases a claim; a lapsed one needs no release."""
    case_open(state)
    holder = state.holder(now)
    if holder is None:
        raise Refused("NotClaimed", "Nobody holds this case; there is no claim to release.")
    if holder != message.reviewer_id:
        raise Refused(
            "ClaimedByOther",
            f"The case is held by {_held_by(state, now)}; only they can release it before the claim lapses.",
        )


# --- a published notice ------------------------------------------------------------------------


def notice_live(notice: PublishedNoticeState) -> None:
    if notice.status in ENDED:
        raise Refused("NoticeEnded", f"The notice is {notice.status.value}.")


def block(notice: PublishedNoticeState, message: NoticeAction, now: datetime) -> None:
    notice_live(notice)
    if notice.status is not NoticeStatus.PUBLISHED:
        raise Refused("WrongStatus", f"Only a published notice can be blocked; it is {notice.status.value}.")
    if message.until is not None and message.until <= now:
        raise Refused("InvalidUntil", "The end of a temporary block must be in the future.")


def unblock(notice: PublishedNoticeState, message: NoticeAction) -> None:
    notice_live(notice)
    if notice.status is not NoticeStatus.BLOCKED:
        raise Refused("WrongStatus", f"Only a blocked notice can be unblocked; it is {notice.status.value}.")


def cancel(notice: PublishedNoticeState, message: NoticeAction) -> None:
    notice_live(notice)


def renew(notice: PublishedNoticeState, message: RenewalRequested, now: datetime) -> None:
    notice_live(notice)
    if message.ncb.upper() != notice.requesting_ncb:
        raise Refused("NotYourNotice", "Only the requesting NCB can ask for a renewal.")
    if notice.expires_at is None:
        raise Refused("NoExpiry", "This notice has no validity period to renew.")
    if now < notice.expires_at - RENEWAL_REMINDER_BEFORE:
        raise Refused(
            "TooEarly",
            f"A renewal can be asked from {(notice.expires_at - RENEWAL_REMINDER_BEFORE).date().isoformat()}.",
        )


def acknowledge(notice: PublishedNoticeState, message: AcknowledgementSent) -> Instruction:
    """The instruction the NCB confirms: the newest one awaiting it (or the one it names)."""
    if not any(i.pending for i in notice.instructions):
        raise Refused("NothingAwaited", "No instruction on this notice awaits confirmation.")
    ncb = message.ncb.upper()
    candidates = [i for i in notice.instructions if ncb in i.pending]
    if message.instruction_key:
        candidates = [i for i in candidates if i.instruction_key == message.instruction_key]
    if not candidates:
        raise Refused("NothingAwaited", f"No instruction on this notice awaits confirmation from NCB {ncb}.")
    return candidates[-1]
