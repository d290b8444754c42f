"""What a case has still to act on: pure functions of its state, read by the stage methods (to move
the case on), by an update (to answer once they have) and by the wait (never to sleep past them)."""

from __future__ import annotations

from models.case import FINAL_STAGES, CaseState, InfoRequest, ReviewStage


def withdrawal(state: CaseState) -> bool:
    return state.withdrawal_reason is not None and state.stage not in FINAL_STAGES


def interrupted(state: CaseState) -> bool:
    """The case closed, or is to close, while the main routine awaited an activity."""
    return state.stage in FINAL_STAGES or withdrawal(state)


def open_clarification(state: CaseState) -> InfoRequest | None:
    return next(iter(state.open_info_requests(state.request.requesting_ncb)), None)


def new_clarification(state: CaseState) -> InfoRequest | None:
    """A clarification asked by a reviewer and not sent yet: the case is to wait for the NCB."""
    return next((i for i in state.open_info_requests(state.request.requesting_ncb) if not i.sent), None)


def unsent_questions(state: CaseState) -> list[InfoRequest]:
    return [i for i in state.open_info_requests() if not i.sent]


def move(state: CaseState) -> bool:
    """Something a handler recorded that a stage method is still to move the case on for."""
    if withdrawal(state):
        return True
    if state.stage is ReviewStage.DETAILED_REVIEW:
        return new_clarification(state) is not None or state.review_concluded_by is not None
    if state.stage is ReviewStage.LEGAL_ASSESSMENT:
        return state.assessment is not None or bool(unsent_questions(state))
    return False


def work(state: CaseState) -> bool:
    """Anything the main routine is to act on before it waits: a move, a decision, an answered or an
    amended request, a question to send."""
    stage = state.stage
    if move(state):
        return True
    if stage is ReviewStage.AWAITING_DECISION:
        return state.decision is not None
    if stage is ReviewStage.AWAITING_CLARIFICATION and open_clarification(state) is None:
        return True
    if stage in (ReviewStage.DETAILED_REVIEW, ReviewStage.AWAITING_CLARIFICATION):
        return state.rescreen_needed or bool(unsent_questions(state))
    return False
