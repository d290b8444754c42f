"""Each NCB is written to in its working language (the member list's ``language``): a clarification
request in French, Spanish or Arabic, a broadcast once per language group, English for an NCB the list
does not know; subject markers and commands the same in every language."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message

from sqlalchemy import select

import workflows.texts as texts
from models.case import CaseState, InfoRequest, InfoRequestKind, ReviewStage
from models.notice import Instruction, InstructionKind, PublishedNoticeState
from models.reference import ReferenceKind
from models.request import NoticeKind
from registry.references import parse_reference_csv
from registry.tables import OutboxDeliveryRow, OutboxRow
from tests.workflows.conftest import REFERENCE, Service, example
from tests.workflows.test_notice_request import DIFFUSION, FRAUD, approve, settle

MEMBER_LANGUAGES = {
    row["country"]: row["language"]
    for row in parse_reference_csv(ReferenceKind.MEMBERS, (REFERENCE / "members.csv").read_text(encoding="utf-8"))
}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOT_A_MEMBER = "XK"
"""An NCB the member list does not hold, so without a language (a consultation may go to any NCB)."""


def subject(mail: Message) -> str:
    """The subject as a mail client shows it: unfolded, its encoded words decoded."""
    decoded = str(make_header(decode_header(str(mail["Subject"]).replace("\r\n", ""))))
    return " ".join(decoded.split())


def body(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


RED_NOTICE_CASE = CaseState(request_id="R-1", workflow_id="w-1", request=example(FRAUD))
DIFFUSION_CASE = CaseState(request_id="R-2", workflow_id="w-2", request=example(DIFFUSION))


def case(kind: NoticeKind = NoticeKind.RED_NOTICE) -> CaseState:
    return RED_NOTICE_CASE if kind is NoticeKind.RED_NOTICE else DIFFUSION_CASE


def info(question: str = "Which court issued the warrant?", missing: list[str] | None = None) -> InfoRequest:
    return InfoRequest(
        info_request_id="R-1/info/1",
        kind=InfoRequestKind.CLARIFICATION,
        to_ncb="FR",
        question=question,
        asked_by="legal.ana",
        asked_at=NOW,
        due_at=NOW + timedelta(days=30),
        reminder_at=NOW + timedelta(days=23),
        missing_items=missing or [],
    )


def notice() -> PublishedNoticeState:
    return PublishedNoticeState(
        notice_id="N-2026-1",
        request_id="R-1",
        kind=NoticeKind.RED_NOTICE,
        requesting_ncb="FR",
        published_at=NOW,
        expires_at=NOW + timedelta(days=5 * 365),
    )


def instruction(kind: InstructionKind = InstructionKind.BLOCK) -> Instruction:
    return Instruction(
        instruction_key="N-2026-1/g0/instruction-block/1",
        kind=kind,
        issued_at=NOW,
        due_at=NOW + timedelta(days=30),
        pending=["FR", "MA"],
    )


# --- the texts, pure ----------------------------------------------------------------------------


def every_text(language: str) -> dict[str, tuple[str, str]]:
    state, asked, published, issued = case(), info(), notice(), instruction()
    diffusion = case(NoticeKind.WANTED_PERSON_DIFFUSION)
    return {
        "clarification": texts.clarification_request(state, asked, language),
        "consultation": texts.consultation_request(state, asked, language),
        "reminder": texts.reminder(state, asked, language),
        "deadline": texts.deadline_missed(state, asked, language),
        "transmission": texts.diffusion_transmission(diffusion, language),
        "authorised": texts.diffusion_follow_up(diffusion, True, "", language),
        "not_authorised": texts.diffusion_follow_up(diffusion, False, "Predominantly political.", language),
        "denial": texts.denial(state, "Predominantly political.", language),
        "publication": texts.publication(state, "N-2026-1", NOW, language),
        "withdrawal": texts.withdrawal(diffusion, "Arrested.", language),
        "expiry": texts.expiry(published, language),
        "renewal": texts.renewal_reminder(published, language),
        "lifted": texts.block_lifted(published, "temporary block ended", language),
        "instruction": texts.instruction(published, issued, "Doubts on Article 3.", language),
        "ack_reminder": texts.ack_reminder(published, issued, language),
    }


MARKERS = {
    "transmission": "[REVIEW PENDING]",
    "authorised": "[AUTHORISED]",
    "not_authorised": "[NOT AUTHORISED - UPDATE YOUR NATIONAL DATABASE]",
    "withdrawal": "[WITHDRAWN - UPDATE YOUR NATIONAL DATABASE]",
    "instruction": "[ACTION REQUIRED]",
}
OPENINGS = {
    "fr": {"clarification": "La NDTF demande des informations", "expiry": "La notice N-2026-1 est arrivée"},
    "es": {"clarification": "El NDTF solicita información", "expiry": "La notificación N-2026-1 ha llegado"},
    "ar": {"clarification": "تطلب فرقة العمل المعنية بالنشرات والتعاميم", "expiry": "بلغت النشرة N-2026-1"},
}


def test_every_message_is_written_in_each_working_language_with_the_same_markers_and_commands() -> None:
    english = every_text("en")
    for language in ("fr", "es", "ar"):
        translated = every_text(language)
        for name, (subject, text) in translated.items():
            en_subject, en_body = english[name]
            marker = MARKERS.get(name)
            if marker:
                assert subject.startswith(marker + " ") and en_subject.startswith(marker + " ")
                assert subject.count(marker) == 1, "the marker once, first"
            assert text.split("\n---\n")[0] != en_body, f"{name} in {language} is not English"
            # the English text too, for reference: filters matching the English wording still match
            assert subject.startswith(en_subject + " / ") and subject != en_subject + " / " + en_subject
            assert text.endswith(en_body)
            for command in ("`ncb reply R-1 FILE`", "`ncb ack N-2026-1`", "`ncb renew`"):
                assert text.count(command) in (0, 2), "a command is left untranslated"
        for name, opening in OPENINGS[language].items():
            assert translated[name][1].startswith(opening)


def test_english_texts_are_as_they_were() -> None:
    state, asked = case(), info()
    subject, text = texts.clarification_request(state, asked)
    assert subject == f"Red Notice request {state.request.ncb_reference} (FR): information requested by 2026-04-01"
    assert text.startswith(f"The NDTF asks for information on Red Notice request {state.request.ncb_reference} (FR)")
    assert "---" not in text and texts.diffusion_transmission(case(NoticeKind.WANTED_PERSON_DIFFUSION))[1].startswith(
        texts.PENDING_REVIEW_WARNING
    )
    assert texts.instruction(notice(), instruction(), "r")[0] == (
        "[ACTION REQUIRED] Notice N-2026-1 blocked: update your national database"
    )


def test_screenings_question_on_missing_data_is_asked_in_the_ncbs_language() -> None:
    asked = info(texts.MISSING_DATA_QUESTIONS["en"], missing=["judicial.arrest_warrant"])
    for language in ("fr", "es", "ar"):
        _, text = texts.clarification_request(case(), asked, language)
        localized = text.split("\n---\n")[0]
        assert texts.MISSING_DATA_QUESTIONS[language] in localized and "judicial.arrest_warrant" in localized
        assert texts.MISSING_DATA_QUESTIONS["en"] not in localized
    # a reviewer's own question is left as the reviewer wrote it
    assert "Which court issued the warrant?" in texts.clarification_request(case(), info(), "fr")[1].split("---")[0]


def test_recipients_are_grouped_by_language_each_once_and_an_unknown_or_missing_language_is_english() -> None:
    groups = texts.by_language(["AD", "FR", "MA", "ES", "DE", "ZZ", "XX"], {**MEMBER_LANGUAGES, "XX": "de"})
    assert groups == [("en", ["AD", "DE", "ZZ", "XX"]), ("fr", ["FR"]), ("ar", ["MA"]), ("es", ["ES"])]
    assert texts.working_language(None) == texts.working_language("") == texts.working_language("pt") == "en"
    assert texts.expiry(notice(), "pt") == texts.expiry(notice())


# --- through the workflow -----------------------------------------------------------------------


async def under_review(service: Service, ncb: str) -> str:
    """The fraud example, as if from ``ncb``, past screening."""
    request = example(FRAUD).model_copy(
        update={"requesting_ncb": ncb, "ncb_reference": f"LANG-{ncb}-{uuid.uuid4().hex[:6]}"}
    )
    request_id = (await service.ncb(ncb).submit(request)).request_id
    reviewing = {ReviewStage.DETAILED_REVIEW, ReviewStage.LEGAL_ASSESSMENT, ReviewStage.AWAITING_CLARIFICATION}
    await settle(service, request_id, lambda s: s.stage in reviewing)
    return request_id


async def ask(service: Service, ncb: str, to_ncb: str | None = None) -> tuple[str, Message]:
    """A request from ``ncb`` under review, a reviewer asking (it, or ``to_ncb``) a question; the mail."""
    request_id = await under_review(service, ncb)
    await service.reviewer("legal.ana").request_info(request_id, "Which court issued the warrant?", to_ncb=to_ncb)
    recipient = (to_ncb or ncb).lower()
    for _ in range(300):
        mails = [m for m in service.mailbox.to(f"ncb.{recipient}@") if "Which court" in body(m)]
        if mails:
            (mail,) = mails
            return request_id, mail
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail reached NCB {recipient}: {service.mailbox.subjects()}")


async def test_a_french_speaking_ncb_gets_its_clarification_request_in_french(service: Service) -> None:
    assert MEMBER_LANGUAGES["FR"] == "fr"
    _, mail = await ask(service, "FR")
    assert "informations demandées pour le" in subject(mail)
    text = body(mail)
    assert text.startswith("La NDTF demande des informations au sujet de la demande de notice rouge")
    assert "Veuillez répondre avec `ncb reply " in text


async def test_a_spanish_speaking_ncb_gets_its_clarification_request_in_spanish(service: Service) -> None:
    assert MEMBER_LANGUAGES["ES"] == "es"
    _, mail = await ask(service, "ES")
    assert " / Solicitud de notificación roja LANG-ES-" in subject(mail)
    assert body(mail).startswith("El NDTF solicita información sobre la solicitud de notificación roja")


async def test_an_arabic_speaking_ncb_gets_its_clarification_request_in_arabic(service: Service) -> None:
    assert MEMBER_LANGUAGES["MA"] == "ar"
    _, mail = await ask(service, "MA")
    assert " / طلب نشرة حمراء LANG-MA-" in subject(mail)
    assert body(mail).startswith("تطلب فرقة العمل المعنية بالنشرات والتعاميم (NDTF) معلومات بشأن طلب النشرة الحمراء")


async def test_an_ncb_the_member_list_gives_no_language_is_written_to_in_english(service: Service) -> None:
    assert NOT_A_MEMBER not in MEMBER_LANGUAGES
    request_id, mail = await ask(service, "FR", to_ncb=NOT_A_MEMBER)
    assert subject(mail).startswith("Consultation from the NDTF, reply by ")
    assert body(mail).startswith("The NDTF consults your NCB") and "---" not in body(mail)
    state = await service.reviewer("legal.ana").show(request_id)
    assert [m.to for m in state.messages if m.kind == "consultation_request"] == [[NOT_A_MEMBER]]


async def test_a_publication_reaches_each_language_group_in_its_language_once(service: Service) -> None:
    request_id = await under_review(service, "FR")
    if (await service.reviewer("legal.ana").show(request_id)).stage is ReviewStage.DETAILED_REVIEW:
        await service.reviewer("police.ben").conclude_review(request_id, "Facts and charges checked.")
    await settle(service, request_id, lambda s: s.stage is ReviewStage.LEGAL_ASSESSMENT)
    state = await approve(service, request_id)
    notice_id = state.notice_id
    assert notice_id

    (summary,) = [m for m in state.messages if m.kind == "publication"]
    assert sorted(summary.to) == sorted(MEMBER_LANGUAGES), "the case records the broadcast once, to every member"

    async with service.db.transaction() as session:
        outbox = (
            await session.scalars(
                select(OutboxRow).where(OutboxRow.request_id == request_id, OutboxRow.kind == "publication")
            )
        ).all()
        keys = [row.message_key for row in outbox]
        deliveries = (
            await session.scalars(select(OutboxDeliveryRow).where(OutboxDeliveryRow.message_key.in_(keys)))
        ).all()
    by_key: dict[str, list[str]] = {}
    for delivery in deliveries:
        by_key.setdefault(delivery.message_key, []).append(delivery.ncb)
    assert len(outbox) == 4, "one message per language group"
    assert summary.message_key in keys
    recipients = Counter(ncb for ncbs in by_key.values() for ncb in ncbs)
    assert set(recipients) == set(MEMBER_LANGUAGES) and set(recipients.values()) == {1}, "every member exactly once"
    starts = {
        "en": f"New Red Notice published: {notice_id}",
        "fr": f"Nouvelle notice rouge publiée : {notice_id}",
        "es": f"Nueva notificación roja publicada: {notice_id}",
        "ar": f"إشعار بالنشر: النشرة الحمراء {notice_id}",
    }
    subjects = {lang: start if lang == "en" else f"{starts['en']} / {start}" for lang, start in starts.items()}
    for row in outbox:
        (language,) = {MEMBER_LANGUAGES[ncb] for ncb in by_key[row.message_key]}
        assert row.subject == subjects[language]
        assert set(by_key[row.message_key]) == {c for c, lang in MEMBER_LANGUAGES.items() if lang == language}

    mails = await service.mailbox.await_count(f"published: {notice_id}", len(MEMBER_LANGUAGES))
    mailed = Counter(str(m["X-Envelope-To"]).removeprefix("ncb.").split("@")[0].upper() for m in mails)
    assert set(mailed) == set(MEMBER_LANGUAGES) and set(mailed.values()) == {1}
    for mail in mails:
        ncb = str(mail["X-Envelope-To"]).removeprefix("ncb.").split("@")[0].upper()
        assert subject(mail) == subjects[MEMBER_LANGUAGES[ncb]]
