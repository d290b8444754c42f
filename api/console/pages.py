"""The reviewers' console: server-rendered pages under ``/console``, htmx for the parts that change.

Every page is one more client of the API's own door: the reviewer is whoever the credential in the
session proves (``api.console.session``), the roster is read at each click (``rostered``), and every
action calls the same route function the JSON API serves (``api.routes.reviewers``), so the rules, the
refusals and their words are the API's. A refusal is shown where the reviewer clicked, as the API's
problem details say it, and audited as the API audits its own. Only the request id ever appears in a
URL; the subject's data travels in pages and form bodies only.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from api.console.oidc import FLOW_COOKIE, FLOW_PURPOSE, FLOW_SECONDS, Flow, OidcClient, SignInRefused, configured
from api.console.queue import QUEUE_STAGES, QueueFilters, QueuePage, load_queue
from api.console.session import COOKIE, CSRF_FIELD, CSRF_HEADER, Sealer, Session
from api.principal import PrincipalKind, Unauthenticated
from api.problems import AUDITED_STATUSES, FieldError, ProblemError
from api.routes import reviewers
from api.routes.access import Acting, Door, rostered
from models.case import FINAL_STAGES, CaseState, DecisionOutcome, InfoRequestStatus, ReviewStage, Verdict
from models.findings import Finding, RiskLevel, Severity
from models.notice import PublishedNoticeState
from models.request import NoticeKind
from screening import classification
from workflows.policy import ReviewerAction, may

log = logging.getLogger("notice.console")

HERE = Path(__file__).parent
STATIC = HERE / "static"
HTMX = "htmx-2.0.11.min.js"
ARTICLES = (("RPD", "RPD (Rules on the Processing of Data)"), ("Art. 2(1)", "Constitution Art. 2(1)"),
            ("Art. 3", "Constitution Art. 3"))
"""The articles an assessment says it covered: (value recorded, label shown)."""

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""Every page: nothing but the console's own files runs or loads, no framing, and a case file (personal
data) is never kept in a cache."""

router = APIRouter(prefix="/console", include_in_schema=False)
env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))


# --- formatting ---------------------------------------------------------------------------------


def when(moment: datetime | date | None) -> str:
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.isoformat()


def time_left(due: datetime | None, now: datetime | None = None) -> str:
    """How long until ``due``, in the unit a person reads at a glance; "overdue by …" once past."""
    if due is None:
        return "—"
    now = now or datetime.now(UTC)
    delta = (due if due.tzinfo else due.replace(tzinfo=UTC)) - now

    def span(d: timedelta) -> str:
        if d >= timedelta(days=2):
            return f"{d.days} days"
        if d >= timedelta(hours=2):
            return f"{int(d.total_seconds() // 3600)} hours"
        return f"{max(1, int(d.total_seconds() // 60))} minutes"

    return f"{span(delta)} left" if delta > timedelta(0) else f"overdue by {span(-delta)}"


def words(value: str) -> str:
    return value.replace("_", " ")


env.filters.update(when=when, time_left=time_left, words=words)


# --- the session and the reviewer behind it -----------------------------------------------------


Audit = Callable[[Request, ProblemError], Awaitable[None]]
"""How the API records a refusal in its audit trail (``api.app.audit_refusal``), handed in by the app."""


class SignInRequired(Exception):
    """No usable session: the page sends the browser to the sign-in form, saying why."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Desk:
    """One signed-in reviewer at one request: who (from the credential), their session, the door."""

    request: Request
    door: Door
    session: Session
    acting: Acting

    @property
    def me(self) -> str:
        return self.acting.reviewer_id

    def may(self, action: ReviewerAction) -> bool:
        return may(self.acting.reviewer.roles, action)


@dataclass
class Outcome:
    """What an action came to, shown where the reviewer clicked."""

    form: str
    ok: bool
    title: str
    detail: str
    errors: list[FieldError] = field(default_factory=list)


def _door(request: Request) -> Door:
    found: Door = request.app.state.door
    return found


def _sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.console_sealer
    return sealer


def _lifetime(request: Request) -> timedelta:
    return timedelta(hours=_door(request).settings.console_session_hours)


def _host(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def signed_in(request: Request) -> Desk:
    """The reviewer behind the session's credential, checked again now: by the API's authenticator
    (revoked, expired: out), the rate limit, and the roster (off it: out)."""
    door = _door(request)
    session = _sealer(request).open(request.cookies.get(COOKIE))
    if session is None or session.credential is None:
        raise SignInRequired("Your session has ended; sign in again." if request.cookies.get(COOKIE) else "")
    try:
        principal = await door.authenticator.authenticate(session.credential)
    except Unauthenticated as error:
        raise SignInRequired(f"Your credential can no longer be used: {error.reason}.") from None
    request.state.principal = principal
    door.limiter.check(principal.subject)
    if principal.kind is not PrincipalKind.REVIEWER:
        raise SignInRequired(f"This console is for NDTF reviewers; your credential is for {principal.subject}.")
    try:
        acting = await rostered(principal, door)
    except ProblemError as refused:
        raise SignInRequired(refused.message) from None
    return Desk(request, door, session, acting)


def _set_cookie(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(
        COOKIE,
        _sealer(request).seal(session),
        max_age=max(1, int((session.expires_at - datetime.now(UTC)).total_seconds())),
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, template: str, context: Mapping[str, Any], status: int = 200,
           desk: Desk | None = None, session: Session | None = None) -> HTMLResponse:
    values = dict(context)
    values.update(
        request=request,
        desk=desk,
        csrf=(desk.session.csrf if desk else session.csrf if session else ""),
        csrf_field=CSRF_FIELD,
        htmx=f"/console/static/{HTMX}",
    )
    return HTMLResponse(env.get_template(template).render(values), status_code=status, headers=PAGE_HEADERS)


async def _audit(request: Request, problem: ProblemError) -> None:
    """A refusal at the console goes to the audit trail as the API's own refusals do."""
    audit: Audit | None = getattr(request.app.state, "console_audit", None)
    if audit is not None and problem.status_code in AUDITED_STATUSES:
        await audit(request, problem)


async def _form(request: Request, desk: Desk | None = None, session: Session | None = None) -> dict[str, str]:
    """The posted form, once its CSRF token matches the session's (else a 403 naming the fix)."""
    form = await request.form()
    values = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    presented = values.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    current = desk.session if desk else session
    if current is None or not current.csrf_matches(presented):
        problem = ProblemError("Forbidden", "This form is out of date or did not come from the console (CSRF check): "
                                            "reload the page and try again.")
        await _audit(request, problem)
        raise problem
    lists = {key: ",".join(str(v) for v in form.getlist(key)) for key in form if len(form.getlist(key)) > 1}
    values.update(lists)
    return values


def install(app: FastAPI, door: Door, audit: Audit) -> None:
    """Mount the console on the API: its pages, its static files, where a page without a session goes,
    and ``audit``, the API's own record of a refusal (the console's go to the same trail)."""
    app.state.console_sealer = Sealer.from_setting(door.settings.console_session_key)
    app.state.console_audit = audit
    app.state.console_oidc = OidcClient(door.settings) if configured(door.settings) else None
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(router)

    async def to_sign_in(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        target = "/console/sign-in" + (f"?{urlencode({'why': error.reason})}" if error.reason else "")
        if _htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        response = RedirectResponse(target, status_code=303)
        response.delete_cookie(COOKIE, path="/console")
        return response

    app.add_exception_handler(SignInRequired, to_sign_in)


# --- signing in and out -------------------------------------------------------------------------

SIGN_IN_HELP_OIDC = ("Paste your API key (nrk_…) or an access token from the organisation's identity provider.")
SIGN_IN_HELP_LOCAL = ("Paste your reviewer API key (nrk_…). On `make run` it is in var/credentials.json under "
                      "\"reviewer:YOUR_ID\" (`ndtf credentials issue --reviewer YOUR_ID` issues one).")


def _sign_in_page(request: Request, session: Session, error: str | None = None, status: int = 200) -> HTMLResponse:
    door = _door(request)
    oidc = bool(door.settings.oidc_jwks_url)
    client = _oidc(request)
    response = render(
        request, "sign_in.html",
        {"error": error, "why": request.query_params.get("why"), "oidc": oidc,
         "oidc_login": client.provider_name if client else None,
         "help": SIGN_IN_HELP_OIDC if oidc else SIGN_IN_HELP_LOCAL},
        status=status, session=session,
    )
    _set_cookie(request, response, session)
    return response


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
async def home() -> Response:
    return RedirectResponse("/console/queue", status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    session = _sealer(request).open(request.cookies.get(COOKIE))
    if session is None or session.credential is not None:
        session = Session.anonymous(_lifetime(request))
    return _sign_in_page(request, session)


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    door = _door(request)
    session = _sealer(request).open(request.cookies.get(COOKIE))
    if session is None:
        return _sign_in_page(request, Session.anonymous(_lifetime(request)),
                             "Your sign-in form had expired; paste your credential again.", status=403)
    try:
        values = await _form(request, session=session)
    except ProblemError as problem:
        return _sign_in_page(request, session, problem.message, status=problem.status_code)
    credential = values.get("credential", "").strip()
    if credential.lower().startswith("bearer "):
        credential = credential[7:].strip()
    try:
        door.limiter.check(f"anonymous:{_host(request)}")
        if not credential:
            raise Unauthenticated("no credential was pasted")
        principal = await door.authenticator.authenticate(credential)
        request.state.principal = principal
        if principal.kind is not PrincipalKind.REVIEWER:
            raise ProblemError("Forbidden", f"This console is for NDTF reviewers; the credential is for "
                                            f"{principal.subject}.")
        await rostered(principal, door)
    except Unauthenticated as error:
        unusable = ProblemError("Unauthenticated", f"The credential cannot be used: {error.reason}.")
        await _audit(request, unusable)
        return _sign_in_page(request, session, unusable.message, status=401)
    except ProblemError as problem:
        await _audit(request, problem)
        return _sign_in_page(request, session, problem.message, status=problem.status_code)
    response = RedirectResponse("/console/queue", status_code=303)
    _set_cookie(request, response, session.signed_in(credential, _lifetime(request)))
    log.info("console: %s signed in", principal.subject)
    return response


# --- signing in with the identity provider (authorization code + PKCE, api.console.oidc) ---------------


def _oidc(request: Request) -> OidcClient | None:
    client: OidcClient | None = getattr(request.app.state, "console_oidc", None)
    return client


def _set_flow_cookie(request: Request, response: Response, flow: Flow) -> None:
    """The sign-in in progress: ``SameSite=Lax``, as the provider's redirect back is a navigation from
    another site (a Strict cookie would not come with it); sealed, ``HttpOnly``, only under ``/console/oidc``."""
    response.set_cookie(
        FLOW_COOKIE, _sealer(request).seal_data(flow.as_data(), FLOW_PURPOSE), max_age=FLOW_SECONDS,
        path="/console/oidc", httponly=True, samesite="lax", secure=request.url.scheme == "https",
    )


async def _oidc_refused(request: Request, problem: ProblemError) -> HTMLResponse:
    """A login that proved no reviewer: audited, shown in words, nothing signed in. The session cookie is
    left alone: a forged answer from another site (which the Strict cookie does not come with) must not
    sign out a reviewer who is signed in."""
    await _audit(request, problem)
    log.info("console: an OIDC sign-in was refused (%s)", problem.kind)
    client = _oidc(request)
    response = render(request, "oidc_refused.html",
                      {"problem": problem, "retry": client.provider_name if client else None},
                      status=problem.status_code)
    response.delete_cookie(FLOW_COOKIE, path="/console/oidc")
    return response


def _unusable(refused: SignInRefused) -> ProblemError:
    if refused.unavailable:
        return ProblemError("IdentityProviderUnavailable", f"The sign-in cannot be completed now: {refused.reason}.")
    return ProblemError("Unauthenticated", f"The sign-in was refused: {refused.reason}.")


@router.get("/oidc/start")
async def oidc_start(request: Request) -> Response:
    """The sign-in button: a new flow in its cookie, and the browser off to the provider."""
    client = _oidc(request)
    if client is None:
        return await _oidc_refused(request, ProblemError(
            "NotFound", "No identity provider login is configured here (OIDC_CLIENT_ID); paste your API key."))
    flow = Flow.new(client.redirect_uri(str(request.base_url)))
    try:
        target = await client.authorization_url(flow)
    except SignInRefused as refused:
        return await _oidc_refused(request, _unusable(refused))
    response = RedirectResponse(target, status_code=303)
    _set_flow_cookie(request, response, flow)
    return response


@router.get("/oidc/callback", response_class=HTMLResponse)
async def oidc_callback(request: Request) -> Response:
    """The provider's answer: state checked against this browser's flow, the code exchanged (PKCE), the ID
    token checked, and the access token proved exactly as the API proves a bearer token, then the roster."""
    door = _door(request)
    client = _oidc(request)
    query = request.query_params
    try:
        door.limiter.check(f"anonymous:{_host(request)}")
        if client is None:
            raise ProblemError("NotFound", "No identity provider login is configured here (OIDC_CLIENT_ID).")
        flow = Flow.from_data(_sealer(request).open_data(request.cookies.get(FLOW_COOKIE), FLOW_PURPOSE))
        if flow is None:
            raise Unauthenticated("this sign-in has expired or was started in another browser: start again")
        state = query.get("state") or ""
        if not secrets.compare_digest(state.encode(), flow.state.encode()):
            raise Unauthenticated("the identity provider's answer is not for this sign-in (its state differs): "
                                  "start again")
        if query.get("error"):
            description = query.get("error_description")
            raise Unauthenticated(f"the identity provider did not sign you in ({query['error']}"
                                  f"{': ' + description if description else ''})")
        code = query.get("code")
        if not code:
            raise Unauthenticated("the identity provider's answer carries no authorization code")
        tokens = await client.exchange(flow, code)
        principal = await door.authenticator.authenticate(tokens.access_token)
        request.state.principal = principal
        if _subject_of(tokens.access_token) not in (None, tokens.id_claims.get("sub")):
            raise Unauthenticated("the access token and the ID token name different users")
        if principal.kind is not PrincipalKind.REVIEWER:
            raise ProblemError("Forbidden", f"This console is for NDTF reviewers; the sign-in is for "
                                            f"{principal.subject}.")
        await rostered(principal, door)
    except SignInRefused as refused:
        return await _oidc_refused(request, _unusable(refused))
    except Unauthenticated as error:
        return await _oidc_refused(request, ProblemError("Unauthenticated", f"The sign-in was refused: "
                                                                            f"{error.reason}."))
    except ProblemError as problem:
        return await _oidc_refused(request, problem)
    session = Session.anonymous(_lifetime(request)).signed_in(tokens.access_token, _lifetime(request))
    # A page, not a redirect: the session cookie is SameSite=Strict, and a browser would not send it on a
    # redirect in a chain that began at the provider's site; the page's own refresh is a same-site navigation.
    response = render(request, "signed_in.html", {"reviewer": principal.reviewer_id}, session=session)
    _set_cookie(request, response, session)
    response.delete_cookie(FLOW_COOKIE, path="/console/oidc")
    log.info("console: %s signed in with the identity provider", principal.subject)
    return response


def _subject_of(access_token: str) -> str | None:
    """The ``sub`` of an access token already verified (by the API's authenticator)."""
    try:
        sub = jwt.decode(access_token, options={"verify_signature": False}).get("sub")
    except jwt.PyJWTError:
        return None
    return sub if isinstance(sub, str) else None


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    session = _sealer(request).open(request.cookies.get(COOKIE))
    if session is not None:
        await _form(request, session=session)
    response = RedirectResponse("/console/sign-in?" + urlencode({"why": "You have signed out."}), status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


# --- the queue ----------------------------------------------------------------------------------


def _enum(kind: Any, value: str | None) -> Any:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _filters(request: Request, me: str) -> tuple[QueueFilters, dict[str, str]]:
    params = request.query_params
    chosen = {key: params.get(key, "") for key in ("stage", "kind", "ncb", "risk", "overdue", "holder", "cursor", "at")}
    ncb = chosen["ncb"].strip().upper()
    filters = QueueFilters(
        stage=_enum(ReviewStage, chosen["stage"]),
        kind=_enum(NoticeKind, chosen["kind"]),
        requesting_ncb=ncb if len(ncb) == 2 and ncb.isalpha() else None,
        risk=_enum(RiskLevel, chosen["risk"]),
        overdue=True if chosen["overdue"] == "yes" else False if chosen["overdue"] == "no" else None,
        assignee=me if chosen["holder"] == "me" else None,
        unassigned=chosen["holder"] == "nobody",
        cursor=chosen["cursor"] or None,
        at=int(chosen["at"]) if chosen["at"].isdigit() else 0,
    )
    return filters, chosen


def _link(chosen: Mapping[str, str], **changes: str | None) -> str:
    merged = {**chosen, **changes}
    return "/console/queue?" + urlencode({k: v for k, v in merged.items() if v})


@router.get("/queue", response_class=HTMLResponse)
async def queue(request: Request) -> Response:
    desk = await signed_in(request)
    filters, chosen = _filters(request, desk.me)
    page: QueuePage = await load_queue(desk.door, filters)
    context = {
        "page": page, "chosen": chosen, "stages": QUEUE_STAGES, "kinds": list(NoticeKind), "risks": list(RiskLevel),
        "link": lambda **changes: _link(chosen, **changes), "now": datetime.now(UTC),
    }
    partial = _htmx(request) and request.headers.get("HX-Target") == "queue-results"
    return render(request, "_queue_results.html" if partial else "queue.html", context, desk=desk)


# --- the case file ------------------------------------------------------------------------------

ENTRY_KEYS = ("score", "agreed", "disagreed")


@dataclass
class FindingView:
    finding: Finding
    evidence: list[tuple[str, str]]
    entry: list[tuple[str, str]]
    """The matched list entry (refugee, targeting, sanctions lists, another request), beside the evidence."""


def _finding_view(finding: Finding) -> FindingView:
    evidence: list[tuple[str, str]] = []
    entry: list[tuple[str, str]] = []
    for key, value in finding.evidence.items():
        if not value:
            continue
        (entry if key.startswith("list_") or key in ENTRY_KEYS else evidence).append((words(key), value))
    return FindingView(finding, evidence, entry)


def _by_article(findings: list[Finding]) -> list[tuple[str, list[FindingView]]]:
    order = {Severity.BLOCKING: 0, Severity.DOUBT: 1, Severity.INFO: 2}
    groups: dict[str, list[FindingView]] = {}
    for finding in sorted(findings, key=lambda f: (order[f.severity], f.rule_id)):
        groups.setdefault(finding.article or "(no article)", []).append(_finding_view(finding))
    return sorted(groups.items(), key=lambda item: min(order[v.finding.severity] for v in item[1]))


def _charge_code(category: str) -> str:
    code = classification.code_of(category)
    return classification.label(code) if code else category


def _doubts(case: CaseState) -> list[Finding]:
    return [f for f in case.findings if f.severity is not Severity.INFO]


async def _case_context(desk: Desk, request_id: str) -> dict[str, Any]:
    client = reviewers._client(desk.door)
    case: CaseState = await desk.door.temporal(client.show(request_id), "case")
    notice: PublishedNoticeState | None = None
    if case.notice_id:
        notice = await desk.door.temporal(client.notice(case.notice_id), "notice")
    now = datetime.now(UTC)
    holder = case.holder(now)
    return {
        "case": case,
        "notice": notice,
        "now": now,
        "holder": holder,
        "held_by_other": holder is not None and holder != desk.me,
        "open": case.stage not in FINAL_STAGES,
        "groups": _by_article(case.findings),
        "doubts": _doubts(case),
        "charge_code": _charge_code,
        "open_requests": [i for i in case.info_requests if i.status is InfoRequestStatus.OPEN],
        "replies": [i for i in case.info_requests if i.answer is not None],
        "articles": ARTICLES,
        "verdicts": list(Verdict),
        "outcomes": list(DecisionOutcome),
        "blocking": case.count(Severity.BLOCKING),
        "Stage": ReviewStage,
        "Action": ReviewerAction,
        "default_due": (now + timedelta(days=30)).date().isoformat(),
        "today": now.date().isoformat(),
    }


async def _case_page(desk: Desk, request_id: str, outcome: Outcome | None = None,
                     values: Mapping[str, str] | None = None, status: int = 200) -> HTMLResponse:
    context = await _case_context(desk, request_id)
    context.update(outcome=outcome, values=values or {})
    fragment = _htmx(desk.request) and desk.request.headers.get("HX-Target") == "case-file"
    return render(desk.request, "_case_file.html" if fragment else "case.html", context, status=status, desk=desk)


@router.get("/cases/{request_id}", response_class=HTMLResponse)
async def case_file(request: Request, request_id: str) -> Response:
    desk = await signed_in(request)
    try:
        return await _case_page(desk, request_id)
    except ProblemError as problem:
        await _audit(request, problem)
        return render(request, "problem.html", {"problem": problem}, status=problem.status_code, desk=desk)


# --- actions: the API's own route functions, with the API's rules ---------------------------------


def _required(values: Mapping[str, str], name: str, label: str) -> str:
    value = values.get(name, "").strip()
    if not value:
        raise ProblemError("InvalidInput", f"{label} is required.", errors=[FieldError(field=name, message="required")])
    return value


def _due_days(values: Mapping[str, str]) -> int:
    raw = _required(values, "due", "The due date")
    try:
        due = date.fromisoformat(raw)
    except ValueError:
        raise ProblemError("InvalidInput", "The due date is not a date (YYYY-MM-DD).",
                           errors=[FieldError(field="due", message="not a date")]) from None
    days = (due - datetime.now(UTC).date()).days
    if not 1 <= days <= 180:
        raise ProblemError("InvalidInput", "The due date must be 1 to 180 days from today.",
                           errors=[FieldError(field="due", message=f"{days} days from today")])
    return days


async def _claim(desk: Desk, request_id: str, values: Mapping[str, str]) -> str:
    accepted = await reviewers.claim(request_id, desk.acting, desk.door, None)
    return accepted.detail


async def _release(desk: Desk, request_id: str, values: Mapping[str, str]) -> str:
    accepted = await reviewers.release(request_id, desk.acting, desk.door, None)
    return accepted.detail


async def _request_info(desk: Desk, request_id: str, values: Mapping[str, str]) -> str:
    desk.acting.require(ReviewerAction.REQUEST_INFO)
    to = values.get("to", "requesting")
    to_ncb = _required(values, "to_ncb", "The other NCB's code").upper() if to == "other" else None
    body = reviewers.InfoRequestBody(question=values.get("question", ""), to_ncb=to_ncb, due_days=_due_days(values))
    accepted = await reviewers.request_info(request_id, body, desk.door, desk.acting)
    return accepted.detail


async def _conclude(desk: Desk, request_id: str, values: Mapping[str, str]) -> str:
    desk.acting.require(ReviewerAction.CONCLUDE_REVIEW)
    body = reviewers.ReviewConclusionBody(summary=values.get("summary", ""))
    accepted = await reviewers.conclude_review(request_id, body, desk.door, desk.acting)
    return accepted.detail


async def _assess(desk: Desk, request_id: str, values: Mapping[str, str]) -> str:
    """The assessment, with every doubt of the case answered: the answers go into its basis, one line per
    doubt, so the record says how each was resolved."""
    desk.acting.require(ReviewerAction.ASSESS)
    case: CaseState = await desk.door.temporal(reviewers._client(desk.door).show(request_id), "case")
    answers: list[str] = []
    missing: list[FieldError] = []
    for number, doubt in enumerate(_doubts(case), start=1):
        answer = values.get(f"doubt_{number}", "").strip()
        if not answer:
            missing.append(FieldError(field=f"doubt_{number}", message=f"answer the doubt {doubt.rule_id}"))
        answers.append(f"- {doubt.rule_id} ({doubt.article}): {answer}")
    if missing:
        raise ProblemError("DoubtsUnanswered", f"Answer each doubt before assessing: {len(missing)} of "
                                               f"{len(answers)} have no answer.", status=422, errors=missing)
    articles = [value for value, _ in ARTICLES if values.get(f"article_{value}")]
    basis = values.get("basis", "").strip()
    if answers and basis:
        basis = basis + "\n\nDoubts answered:\n" + "\n".join(answers)
    body = reviewers.AssessmentBody(verdict=values.get("verdict", ""), basis=basis, articles=articles)
    accepted = await reviewers.assess(request_id, body, desk.door, desk.acting)
    return accepted.detail


async def _decide(desk: Desk, request_id: str, values: Mapping[str, str]) -> str:
    desk.acting.require(ReviewerAction.DECIDE)
    body = reviewers.DecisionBody(
        outcome=values.get("outcome", ""),
        reason=values.get("reason", ""),
        override_justification=values.get("override", "").strip() or None,
    )
    accepted = await reviewers.decide(request_id, body, desk.door, desk.acting)
    return accepted.detail


def _notice_action(
    name: str, action: ReviewerAction
) -> Callable[[Desk, str, Mapping[str, str]], Awaitable[str]]:
    async def act(desk: Desk, request_id: str, values: Mapping[str, str]) -> str:
        desk.acting.require(action)
        case: CaseState = await desk.door.temporal(reviewers._client(desk.door).show(request_id), "case")
        if not case.notice_id:
            raise ProblemError("NoNotice", "This case has no published notice to act on.", status=409)
        if name == "block":
            until_text = values.get("until", "").strip()
            until = datetime.combine(date.fromisoformat(until_text), datetime.min.time(), UTC) if until_text else None
            accepted = await reviewers.block(
                case.notice_id, reviewers.BlockBody(reason=values.get("reason", ""), until=until), desk.door,
                desk.acting,
            )
        elif name == "unblock":
            accepted = await reviewers.unblock(
                case.notice_id, reviewers.NoticeReasonBody(reason=values.get("reason", "")), desk.door, desk.acting
            )
        else:
            accepted = await reviewers.cancel(
                case.notice_id, reviewers.NoticeReasonBody(reason=values.get("reason", "")), desk.door, desk.acting
            )
        return f"notice {accepted.notice_id} is {accepted.status.value}: {accepted.detail}"

    return act


ACTIONS: dict[str, tuple[str, Callable[[Desk, str, Mapping[str, str]], Awaitable[str]]]] = {
    "claim": ("Claimed", _claim),
    "release": ("Released", _release),
    "info-request": ("Information requested", _request_info),
    "conclude": ("Detailed review concluded", _conclude),
    "assess": ("Assessment recorded", _assess),
    "decide": ("Decision recorded", _decide),
    "block": ("Notice blocked", _notice_action("block", ReviewerAction.BLOCK)),
    "unblock": ("Notice unblocked", _notice_action("unblock", ReviewerAction.UNBLOCK)),
    "cancel": ("Notice cancelled", _notice_action("cancel", ReviewerAction.CANCEL)),
}


def _validation_problem(error: ValidationError) -> ProblemError:
    errors = [FieldError(field=".".join(str(p) for p in e["loc"]) or "body", message=e["msg"]) for e in error.errors()]
    listing = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return ProblemError("InvalidInput", f"Some fields are not valid: {listing}.", errors=errors)


@router.post("/cases/{request_id}/{action}", response_class=HTMLResponse)
async def act(request: Request, request_id: str, action: str) -> Response:
    desk = await signed_in(request)
    if action not in ACTIONS:
        return render(request, "problem.html", {"problem": ProblemError("NotFound", f"No action '{action}'.")},
                      status=404, desk=desk)
    values = await _form(request, desk=desk)
    title, perform = ACTIONS[action]
    try:
        detail = await perform(desk, request_id, values)
    except ValidationError as error:
        problem = _validation_problem(error)
    except ValueError as error:  # a date that does not parse
        problem = ProblemError("InvalidInput", f"A field is not valid: {error}.")
    except ProblemError as refused:
        problem = refused
    else:
        log.info("console: %s %s on %s", desk.me, action, request_id)
        return await _case_page(desk, request_id, Outcome(action, True, title, detail))
    await _audit(request, problem)
    outcome = Outcome(action, False, f"Refused ({problem.kind})", problem.message, problem.errors)
    try:
        return await _case_page(desk, request_id, outcome, values, status=problem.status_code)
    except ProblemError as unreadable:
        return render(request, "problem.html", {"problem": unreadable}, status=unreadable.status_code, desk=desk)
