"""The texts of messages to NCBs (and the NDTF), for requests and published notices alike. Pure
functions, so wording is tested without a workflow.

Every message to an NCB is written in the NCB's working language (``language``: one of INTERPOL's four,
ar, en, fr, es; anything else reads as English). Each function holds its text in all four, one entry per
language. A text in French, Spanish or Arabic carries its English text too (``ENGLISH_REFERENCE``): its
subject is the English subject, `` / `` and the subject in the NCB's language (the English part first, so
mail filters matching it find it on the subject's first line, before any folding), its body the body in
the NCB's language, then the English body for reference. Subject markers (``[ACTION REQUIRED]``,
``[REVIEW PENDING]``, ...) come first, once, the same in every language. Commands
(``ncb reply``, ``ncb ack``, ``ncb renew``), references, dates (ISO 8601) and what reviewers or NCBs
wrote (questions, reasons, facts) are left as they are. The NDTF's own mail (``ack_escalation``) is in
English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from models.case import REVIEWER_STAGES, CaseState, InfoRequest, TimelineEvent
from models.findings import Finding, Severity
from models.notice import Instruction, InstructionKind, PublishedNoticeState
from models.request import NoticeKind, NoticeRequest

ENGLISH = "en"
LANGUAGES = ("en", "fr", "es", "ar")
"""INTERPOL's working languages, as the member list's ``language`` column holds them."""

ENGLISH_REFERENCE = True
"""A message in French, Spanish or Arabic carries its English text as well: the English subject before its
own, the English body after its own, for reference."""

Versions = Mapping[str, tuple[str, str]]
"""A message's (subject, body) in each working language."""


def working_language(language: str | None) -> str:
    """The language an NCB is written to in: its own when it is a working language, English otherwise
    (an NCB the member list does not know, or one without a language)."""
    code = (language or "").lower()
    return code if code in LANGUAGES else ENGLISH


def by_language(ncbs: Sequence[str], languages: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """The recipients of a message grouped by working language, each NCB in exactly one group: the
    groups in the order their first NCB comes in ``ncbs``, the NCBs in theirs."""
    groups: dict[str, list[str]] = {}
    for ncb in ncbs:
        groups.setdefault(working_language(languages.get(ncb)), []).append(ncb)
    return list(groups.items())


_REFERENCE_HEADING = {
    "fr": "Texte anglais, pour référence :",
    "es": "Texto en inglés, a título de referencia:",
    "ar": "النص باللغة الإنكليزية، للرجوع إليه:",
}


def _in(language: str, versions: Versions, marker: str = "") -> tuple[str, str]:
    """The message in ``language``, its marker first; in French, Spanish or Arabic with the English
    text too (``ENGLISH_REFERENCE``)."""
    en_subject, en_body = versions[ENGLISH]
    language = working_language(language)
    subject, body = versions[language]
    if language != ENGLISH and ENGLISH_REFERENCE:
        subject = f"{en_subject} / {subject}"
        body = f"{body}\n\n---\n{_REFERENCE_HEADING[language]}\n\n{en_body}"
    return (f"{marker} {subject}" if marker else subject), body


PENDING_REVIEW_WARNINGS = {
    "en": (
        "WARNING: LEGAL REVIEW ONGOING - AUTHORISATION PENDING. This diffusion has not yet been authorised by the "
        "INTERPOL General Secretariat. The Notices and Diffusions Task Force is reviewing its compliance with "
        "INTERPOL's Constitution and Rules on the Processing of Data. Do not take coercive measures on its sole "
        "basis until you are told that it has been authorised."
    ),
    "fr": (
        "AVERTISSEMENT : EXAMEN JURIDIQUE EN COURS - AUTORISATION EN ATTENTE. Cette diffusion n'a pas encore été "
        "autorisée par le Secrétariat général d'INTERPOL. La Task Force sur les notices et les diffusions examine "
        "sa conformité avec le Statut d'INTERPOL et son Règlement sur le traitement des données. Ne prenez "
        "aucune mesure coercitive sur son seul fondement tant qu'il ne vous a pas été notifié qu'elle a été "
        "autorisée."
    ),
    "es": (
        "ADVERTENCIA: EXAMEN JURÍDICO EN CURSO - AUTORIZACIÓN PENDIENTE. Esta difusión aún no ha sido autorizada "
        "por la Secretaría General de INTERPOL. El Grupo Especial sobre Notificaciones y Difusiones está "
        "examinando su conformidad con el Estatuto de INTERPOL y con su Reglamento sobre el Tratamiento de Datos. "
        "No adopten medidas coercitivas basándose únicamente en ella hasta que se les comunique que ha sido "
        "autorizada."
    ),
    "ar": (
        "تحذير: المراجعة القانونية جارية - الإذن معلَّق. لم تأذن الأمانة العامة للإنتربول بهذا التعميم بعد. "
        "وتتولى فرقة العمل المعنية بالنشرات والتعاميم دراسة مدى امتثاله للقانون الأساسي للإنتربول ولنظام "
        "الإنتربول لمعالجة البيانات. يُرجى عدم اتخاذ أي تدابير قسرية استناداً إليه وحده إلى أن يتم إبلاغكم "
        "بأنه قد أُذن به."
    ),
}
PENDING_REVIEW_WARNING = PENDING_REVIEW_WARNINGS[ENGLISH]

MISSING_DATA_QUESTIONS = {
    "en": (
        "Your request lacks data that the Rules on the Processing of Data make mandatory. "
        "Please supply the items listed below, amending the request."
    ),
    "fr": (
        "Votre demande ne contient pas certaines données que le Règlement d'INTERPOL sur le traitement des "
        "données rend obligatoires. Veuillez fournir les éléments énumérés ci-dessous en modifiant la demande."
    ),
    "es": (
        "Su solicitud carece de datos que el Reglamento de INTERPOL sobre el Tratamiento de Datos exige con "
        "carácter obligatorio. Sírvanse facilitar los elementos que se enumeran a continuación, modificando la "
        "solicitud."
    ),
    "ar": (
        "يفتقر طلبكم إلى بيانات يجعلها نظام الإنتربول لمعالجة البيانات إلزامية. يُرجى تقديم العناصر المبيّنة "
        "أدناه عن طريق تعديل الطلب."
    ),
}
"""The question screening asks when mandatory data is missing: the case records it in English; the
clarification request puts it in the NCB's language."""

# The names of things, by language.
_REQUEST_LABELS = {
    # (a Red Notice request, a diffusion): as a title, then inside a sentence
    "en": (("Red Notice request", "Wanted Person Diffusion"), ("Red Notice request", "Wanted Person Diffusion")),
    "fr": (
        ("Demande de notice rouge", "Diffusion de personne recherchée"),
        ("la demande de notice rouge", "la diffusion de personne recherchée"),
    ),
    "es": (
        ("Solicitud de notificación roja", "Difusión de persona buscada"),
        ("la solicitud de notificación roja", "la difusión de persona buscada"),
    ),
    "ar": (("طلب نشرة حمراء", "تعميم بشأن شخص مطلوب"), ("طلب النشرة الحمراء", "التعميم بشأن شخص مطلوب")),
}
_NOTICE_KINDS = {
    "en": ("Red Notice", "Wanted Person Diffusion"),
    "fr": ("notice rouge", "diffusion de personne recherchée"),
    "es": ("notificación roja", "difusión de persona buscada"),
    "ar": ("النشرة الحمراء", "التعميم بشأن شخص مطلوب"),
}
_SUBJECT_FIELDS = {
    # subject, date of birth, nationalities, charges, unknown
    "en": ("Subject", "Date of birth", "Nationalities", "Charges", "unknown"),
    "fr": ("Personne concernée", "Date de naissance", "Nationalités", "Chefs d'inculpation", "inconnu"),
    "es": ("Persona", "Fecha de nacimiento", "Nacionalidades", "Cargos", "desconocido"),
    "ar": ("الشخص المعني", "تاريخ الميلاد", "الجنسيات", "التهم", "غير معروف"),
}
_COLON = {"en": ": ", "fr": " : ", "es": ": ", "ar": ": "}
_DOING = {
    # what the NDTF did to a notice: (blocked, cancelled) as an adjective, as a past participle, as a noun
    "en": (("blocked", "cancelled"), ("blocked", "cancelled"), ("block", "cancel")),
    "fr": (("bloquée", "annulée"), ("bloqué", "annulé"), ("du blocage", "de l'annulation")),
    "es": (("bloqueada", "cancelada"), ("bloqueado", "cancelado"), ("el bloqueo", "la cancelación")),
    "ar": (("حجب", "إلغاء"), ("حجب", "إلغاء"), ("حجب", "إلغاء")),
}


def _kind_index(kind: NoticeKind) -> int:
    return 0 if kind is NoticeKind.RED_NOTICE else 1


def _label(request: NoticeRequest, language: str = ENGLISH, *, inline: bool = False) -> str:
    title, in_sentence = _REQUEST_LABELS[language]
    kind = (in_sentence if inline else title)[_kind_index(request.kind)]
    return f"{kind} {request.ncb_reference} ({request.requesting_ncb})"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _subject_block(request: NoticeRequest, language: str = ENGLISH) -> str:
    s = request.subject
    person, born, nationalities, charges, unknown = _SUBJECT_FIELDS[language]
    colon = _COLON[language]
    lines = [
        f"{person}{colon}{s.family_name}, {s.forenames or ''}".rstrip(", "),
        f"{born}{colon}{s.date_of_birth or unknown}",
        f"{nationalities}{colon}{', '.join(s.nationalities) or unknown}",
        f"{charges}{colon}" + "; ".join(c.offence for c in request.judicial.charges),
    ]
    return "\n".join(lines)


def clarification_request(state: CaseState, info: InfoRequest, language: str = ENGLISH) -> tuple[str, str]:
    request = state.request
    due_day, due, rid, ref = (
        info.due_at.date().isoformat(),
        info.due_at.isoformat(),
        state.request_id,
        info.info_request_id,
    )

    def question(lang: str) -> str:
        system = info.question == MISSING_DATA_QUESTIONS[ENGLISH]
        return MISSING_DATA_QUESTIONS[lang] if system else info.question

    def body(lang: str, opening: str, missing: str, reply: str) -> str:
        lines = [opening, "", question(lang)]
        if info.missing_items:
            lines += ["", missing] + [f"  - {item}" for item in info.missing_items]
        return "\n".join([*lines, "", reply])

    versions = {
        "en": (
            f"{_label(request)}: information requested by {due_day}",
            body(
                "en",
                f"The NDTF asks for information on {_label(request)} (request {rid}).",
                "Missing mandatory data:",
                f"Reply with `ncb reply {rid} FILE` by {due} (reference {ref}).",
            ),
        ),
        "fr": (
            f"{_label(request, 'fr')} : informations demandées pour le {due_day}",
            body(
                "fr",
                f"La NDTF demande des informations au sujet de {_label(request, 'fr', inline=True)} (demande {rid}).",
                "Données obligatoires manquantes :",
                f"Veuillez répondre avec `ncb reply {rid} FILE` au plus tard le {due} (référence {ref}).",
            ),
        ),
        "es": (
            f"{_label(request, 'es')}: información solicitada a más tardar el {due_day}",
            body(
                "es",
                f"El NDTF solicita información sobre {_label(request, 'es', inline=True)} (solicitud {rid}).",
                "Datos obligatorios que faltan:",
                f"Sírvanse responder con `ncb reply {rid} FILE` a más tardar el {due} (referencia {ref}).",
            ),
        ),
        "ar": (
            f"{_label(request, 'ar')}: معلومات مطلوبة في موعد أقصاه {due_day}",
            body(
                "ar",
                f"تطلب فرقة العمل المعنية بالنشرات والتعاميم (NDTF) معلومات بشأن {_label(request, 'ar', inline=True)} "
                f"(الطلب {rid}).",
                "البيانات الإلزامية الناقصة:",
                f"يُرجى الرد باستخدام الأمر `ncb reply {rid} FILE` في موعد أقصاه {due} (المرجع {ref}).",
            ),
        ),
    }
    return _in(language, versions)


def consultation_request(state: CaseState, info: InfoRequest, language: str = ENGLISH) -> tuple[str, str]:
    due_day, due, ref, q = info.due_at.date().isoformat(), info.due_at.isoformat(), info.info_request_id, info.question
    versions = {
        "en": (
            f"Consultation from the NDTF, reply by {due_day}",
            f"The NDTF consults your NCB on a case under review (reference {ref}).\n\n{q}\n\nReply by {due}.",
        ),
        "fr": (
            f"Consultation de la NDTF, réponse attendue au plus tard le {due_day}",
            f"La NDTF consulte votre BCN au sujet d'une affaire en cours d'examen (référence {ref}).\n\n{q}\n\n"
            f"Veuillez répondre au plus tard le {due}.",
        ),
        "es": (
            f"Consulta del NDTF, respuesta a más tardar el {due_day}",
            f"El NDTF consulta a su OCN sobre un caso en examen (referencia {ref}).\n\n{q}\n\n"
            f"Sírvanse responder a más tardar el {due}.",
        ),
        "ar": (
            f"استشارة من فرقة العمل المعنية بالنشرات والتعاميم، يُرجى الرد في موعد أقصاه {due_day}",
            f"تستشير فرقة العمل المعنية بالنشرات والتعاميم (NDTF) مكتبكم المركزي الوطني بشأن قضية قيد المراجعة "
            f"(المرجع {ref}).\n\n{q}\n\nيُرجى الرد في موعد أقصاه {due}.",
        ),
    }
    return _in(language, versions)


def reminder(state: CaseState, info: InfoRequest, language: str = ENGLISH) -> tuple[str, str]:
    due_day, due, ref, rid = (
        info.due_at.date().isoformat(),
        info.due_at.isoformat(),
        info.info_request_id,
        state.request_id,
    )
    q = info.question
    versions = {
        "en": (
            f"Reminder: information due by {due_day}",
            f"The NDTF's request for information {ref} on case {rid} is still open and is due on {due}.\n\n{q}",
        ),
        "fr": (
            f"Rappel : informations attendues au plus tard le {due_day}",
            f"La demande d'informations {ref} de la NDTF relative à l'affaire {rid} est toujours ouverte ; "
            f"la réponse est attendue au plus tard le {due}.\n\n{q}",
        ),
        "es": (
            f"Recordatorio: información pendiente a más tardar el {due_day}",
            f"La solicitud de información {ref} del NDTF relativa al caso {rid} sigue abierta y vence el {due}.\n\n{q}",
        ),
        "ar": (
            f"تذكير: المعلومات مطلوبة في موعد أقصاه {due_day}",
            f"لا يزال طلب المعلومات {ref} المقدَّم من فرقة العمل المعنية بالنشرات والتعاميم بشأن القضية {rid} "
            f"مفتوحاً، ويحلّ أجله في {due}.\n\n{q}",
        ),
    }
    return _in(language, versions)


def deadline_missed(state: CaseState, info: InfoRequest, language: str = ENGLISH) -> tuple[str, str]:
    ref, rid, due = info.info_request_id, state.request_id, info.due_at.isoformat()
    versions = {
        "en": (
            f"Deadline passed: information request {ref}",
            f"No reply to the NDTF's request for information {ref} on case {rid} "
            f"was received by {due}. The case has returned to the reviewers, who will "
            "proceed on the information they have; this may lead to the request being denied.",
        ),
        "fr": (
            f"Délai expiré : demande d'informations {ref}",
            f"Aucune réponse à la demande d'informations {ref} de la NDTF relative à l'affaire {rid} n'a été "
            f"reçue au {due}. L'affaire a été renvoyée aux examinateurs, qui poursuivront l'examen sur la base des "
            "informations dont ils disposent ; la demande pourrait de ce fait être refusée.",
        ),
        "es": (
            f"Plazo vencido: solicitud de información {ref}",
            f"No se ha recibido, a más tardar el {due}, ninguna respuesta a la solicitud de información {ref} del "
            f"NDTF relativa al caso {rid}. El caso ha sido devuelto a los examinadores, que proseguirán con la "
            "información de que disponen; ello podría dar lugar a la denegación de la solicitud.",
        ),
        "ar": (
            f"انقضاء المهلة: طلب المعلومات {ref}",
            f"لم يرد حتى {due} أي رد على طلب المعلومات {ref} المقدَّم من فرقة العمل المعنية بالنشرات والتعاميم "
            f"بشأن القضية {rid}. وقد أُعيدت القضية إلى المراجعين، الذين سيواصلون النظر فيها على أساس المعلومات "
            "المتاحة لديهم؛ وقد يؤدي ذلك إلى رفض الطلب.",
        ),
    }
    return _in(language, versions)


def diffusion_transmission(state: CaseState, language: str = ENGLISH) -> tuple[str, str]:
    request = state.request
    ncb, facts = request.requesting_ncb, request.judicial.facts_summary

    def body(lang: str, sent: str, facts_line: str) -> str:
        warning = PENDING_REVIEW_WARNINGS[lang]
        return "\n".join([warning, "", sent, _subject_block(request, lang), "", facts_line, "", warning])

    versions = {
        "en": (
            _label(request),
            body("en", f"{_label(request)} was sent to your NCB by NCB {ncb}.", f"Facts: {facts}"),
        ),
        "fr": (
            _label(request, "fr"),
            body(
                "fr",
                f"{_capital(_label(request, 'fr', inline=True))} a été transmise à votre BCN par le BCN {ncb}.",
                f"Faits : {facts}",
            ),
        ),
        "es": (
            _label(request, "es"),
            body(
                "es",
                f"{_capital(_label(request, 'es', inline=True))} ha sido transmitida a su OCN por la OCN {ncb}.",
                f"Hechos: {facts}",
            ),
        ),
        "ar": (
            _label(request, "ar"),
            body(
                "ar",
                f"أرسل المكتب المركزي الوطني {ncb} {_label(request, 'ar', inline=True)} إلى مكتبكم المركزي الوطني.",
                f"الوقائع: {facts}",
            ),
        ),
    }
    return _in(language, versions, "[REVIEW PENDING]")


def diffusion_follow_up(state: CaseState, authorised: bool, reason: str, language: str = ENGLISH) -> tuple[str, str]:
    request = state.request
    ref, ncb = request.ncb_reference, request.requesting_ncb
    if authorised:
        versions = {
            "en": (
                _label(request),
                f"The diffusion {ref} from NCB {ncb} that you received on "
                "transmission has been authorised by the General Secretariat after legal review.",
            ),
            "fr": (
                _label(request, "fr"),
                f"La diffusion {ref} du BCN {ncb}, qui vous a été transmise, a été autorisée par le Secrétariat "
                "général à l'issue de l'examen juridique.",
            ),
            "es": (
                _label(request, "es"),
                f"La difusión {ref} de la OCN {ncb}, que les fue transmitida, ha sido autorizada por la Secretaría "
                "General tras el examen jurídico.",
            ),
            "ar": (
                _label(request, "ar"),
                f"أذنت الأمانة العامة، بعد المراجعة القانونية، بالتعميم {ref} الصادر عن المكتب المركزي الوطني {ncb} "
                "والذي أُرسل إليكم.",
            ),
        }
        return _in(language, versions, "[AUTHORISED]")
    versions = {
        "en": (
            _label(request),
            f"The diffusion {ref} from NCB {ncb} that you received on "
            "transmission was not authorised after legal review. Do not act on it and remove or update any record "
            f"of it in your national databases.\nReason: {reason}",
        ),
        "fr": (
            _label(request, "fr"),
            f"La diffusion {ref} du BCN {ncb}, qui vous a été transmise, n'a pas été autorisée à l'issue de "
            "l'examen juridique. N'y donnez aucune suite et supprimez ou mettez à jour toute donnée la concernant "
            f"dans vos bases de données nationales.\nMotif : {reason}",
        ),
        "es": (
            _label(request, "es"),
            f"La difusión {ref} de la OCN {ncb}, que les fue transmitida, no ha sido autorizada tras el examen "
            "jurídico. No actúen sobre la base de ella y supriman o actualicen todo registro relativo a ella en sus "
            f"bases de datos nacionales.\nMotivo: {reason}",
        ),
        "ar": (
            _label(request, "ar"),
            f"لم يُؤذن، بعد المراجعة القانونية، بالتعميم {ref} الصادر عن المكتب المركزي الوطني {ncb} والذي أُرسل "
            "إليكم. يُرجى عدم اتخاذ أي إجراء بناءً عليه، وحذف أي سجل يتعلق به من قواعد بياناتكم الوطنية أو "
            f"تحديثه.\nالسبب: {reason}",
        ),
    }
    return _in(language, versions, "[NOT AUTHORISED - UPDATE YOUR NATIONAL DATABASE]")


def denial(state: CaseState, reason: str, language: str = ENGLISH) -> tuple[str, str]:
    request = state.request
    rid = state.request_id
    versions = {
        "en": (
            f"{_label(request)}: denied",
            f"After review, the NDTF denied {_label(request)} (request {rid}).\n\nReasons: {reason}",
        ),
        "fr": (
            f"{_label(request, 'fr')} : refusée",
            f"À l'issue de l'examen, la NDTF a refusé {_label(request, 'fr', inline=True)} (demande {rid})."
            f"\n\nMotifs : {reason}",
        ),
        "es": (
            f"{_label(request, 'es')}: denegada",
            f"Tras el examen, el NDTF ha denegado {_label(request, 'es', inline=True)} (solicitud {rid})."
            f"\n\nMotivos: {reason}",
        ),
        "ar": (
            f"{_label(request, 'ar')}: رُفض",
            f"بعد المراجعة، رفضت فرقة العمل المعنية بالنشرات والتعاميم {_label(request, 'ar', inline=True)} "
            f"(الطلب {rid}).\n\nالأسباب: {reason}",
        ),
    }
    return _in(language, versions)


def publication(state: CaseState, notice_id: str, published_at: datetime, language: str = ENGLISH) -> tuple[str, str]:
    request = state.request
    ncb, day, k = request.requesting_ncb, published_at.date().isoformat(), _kind_index(request.kind)
    en_kind, fr_kind, es_kind, ar_kind = (_NOTICE_KINDS[lang][k] for lang in ("en", "fr", "es", "ar"))
    versions = {
        "en": (
            f"New {en_kind} published: {notice_id}",
            "\n".join(
                [
                    f"The General Secretariat published {en_kind} {notice_id} at the request of NCB {ncb} on {day}.",
                    _subject_block(request),
                    "It is now visible and searchable in INTERPOL's information system.",
                ]
            ),
        ),
        "fr": (
            f"Nouvelle {fr_kind} publiée : {notice_id}",
            "\n".join(
                [
                    f"Le Secrétariat général a publié la {fr_kind} {notice_id} à la demande du BCN {ncb} le {day}.",
                    _subject_block(request, "fr"),
                    "Elle est désormais visible et consultable dans le système d'information d'INTERPOL.",
                ]
            ),
        ),
        "es": (
            f"Nueva {es_kind} publicada: {notice_id}",
            "\n".join(
                [
                    f"La Secretaría General ha publicado la {es_kind} {notice_id} a petición de la OCN {ncb} el {day}.",
                    _subject_block(request, "es"),
                    "Ya es visible y puede consultarse en el sistema de información de INTERPOL.",
                ]
            ),
        ),
        "ar": (
            f"إشعار بالنشر: {ar_kind} {notice_id}",
            "\n".join(
                [
                    f"نشرت الأمانة العامة {ar_kind} {notice_id} بناءً على طلب المكتب المركزي الوطني {ncb} بتاريخ {day}.",
                    _subject_block(request, "ar"),
                    "ويمكن من الآن الاطلاع على هذه البيانات والبحث فيها في منظومة معلومات الإنتربول.",
                ]
            ),
        ),
    }
    return _in(language, versions)


def withdrawal(state: CaseState, reason: str, language: str = ENGLISH) -> tuple[str, str]:
    request = state.request
    ncb = request.requesting_ncb
    versions = {
        "en": (_label(request), f"NCB {ncb} withdrew {_label(request)}. Do not act on it.\nReason: {reason}"),
        "fr": (
            _label(request, "fr"),
            f"Le BCN {ncb} a retiré {_label(request, 'fr', inline=True)}. N'y donnez aucune suite.\nMotif : {reason}",
        ),
        "es": (
            _label(request, "es"),
            f"La OCN {ncb} ha retirado {_label(request, 'es', inline=True)}. No actúen sobre la base de ella."
            f"\nMotivo: {reason}",
        ),
        "ar": (
            _label(request, "ar"),
            f"سحب المكتب المركزي الوطني {ncb} {_label(request, 'ar', inline=True)}. يُرجى عدم اتخاذ أي إجراء بناءً "
            f"عليه.\nالسبب: {reason}",
        ),
    }
    return _in(language, versions, "[WITHDRAWN - UPDATE YOUR NATIONAL DATABASE]")


# --- a published notice's lifetime ------------------------------------------------------------


def expiry(notice: PublishedNoticeState, language: str = ENGLISH) -> tuple[str, str]:
    n = notice.notice_id
    versions = {
        "en": (
            f"Notice {n} expired",
            f"Notice {n} reached the end of its validity and is no longer in force. "
            "Update your national databases accordingly.",
        ),
        "fr": (
            f"Expiration de la notice {n}",
            f"La notice {n} est arrivée au terme de sa validité et n'est plus en vigueur. "
            "Veuillez mettre à jour vos bases de données nationales en conséquence.",
        ),
        "es": (
            f"Vencimiento de la notificación {n}",
            f"La notificación {n} ha llegado al término de su período de validez y ya no está en vigor. "
            "Sírvanse actualizar sus bases de datos nacionales en consecuencia.",
        ),
        "ar": (
            f"انتهاء صلاحية النشرة {n}",
            f"بلغت النشرة {n} نهاية مدة صلاحيتها ولم تعد سارية. يُرجى تحديث قواعد بياناتكم الوطنية وفقاً لذلك.",
        ),
    }
    return _in(language, versions)


_NO_FIXED_TERM = {
    "en": "(no fixed term)",
    "fr": "(sans durée déterminée)",
    "es": "(sin plazo fijo)",
    "ar": "(دون مدة محددة)",
}


def renewal_reminder(notice: PublishedNoticeState, language: str = ENGLISH) -> tuple[str, str]:
    n = notice.notice_id

    def expires(lang: str) -> str:
        return notice.expires_at.date().isoformat() if notice.expires_at else _NO_FIXED_TERM[lang]

    versions = {
        "en": (
            f"Notice {n} expires soon",
            f"Notice {n} expires on {expires('en')}. Ask for its renewal "
            "with `ncb renew` before then if the person is still sought.",
        ),
        "fr": (
            f"La notice {n} arrive bientôt à expiration",
            f"La notice {n} expire le {expires('fr')}. Si la personne est toujours recherchée, veuillez en demander "
            "le renouvellement avec `ncb renew` avant cette date.",
        ),
        "es": (
            f"La notificación {n} vence próximamente",
            f"La notificación {n} vence el {expires('es')}. Si la persona sigue siendo buscada, sírvanse solicitar "
            "su renovación con `ncb renew` antes de esa fecha.",
        ),
        "ar": (
            f"قرب انتهاء صلاحية النشرة {n}",
            f"تنتهي صلاحية النشرة {n} في {expires('ar')}. إذا كان الشخص لا يزال مطلوباً، يُرجى طلب تجديدها "
            "باستخدام الأمر `ncb renew` قبل ذلك التاريخ.",
        ),
    }
    return _in(language, versions)


def block_lifted(notice: PublishedNoticeState, reason: str, language: str = ENGLISH) -> tuple[str, str]:
    n = notice.notice_id
    versions = {
        "en": (f"Notice {n} is visible again", f"The block on notice {n} was lifted: {reason}"),
        "fr": (f"La notice {n} est de nouveau visible", f"Le blocage de la notice {n} a été levé. Motif : {reason}"),
        "es": (
            f"La notificación {n} vuelve a estar visible",
            f"Se ha levantado el bloqueo de la notificación {n}. Motivo: {reason}",
        ),
        "ar": (f"النشرة {n} متاحة مجدداً", f"رُفع الحجب عن النشرة {n}. السبب: {reason}"),
    }
    return _in(language, versions)


def instruction(
    notice: PublishedNoticeState, issued: Instruction, reason: str, language: str = ENGLISH
) -> tuple[str, str]:
    n, due = notice.notice_id, issued.due_at.date()
    k = 0 if issued.kind is InstructionKind.BLOCK else 1
    done = {lang: _DOING[lang][0][k] for lang in LANGUAGES}
    did = {lang: _DOING[lang][1][k] for lang in LANGUAGES}
    versions = {
        "en": (
            f"Notice {n} {done['en']}: update your national database",
            f"The NDTF {did['en']} notice {n}. Reason: {reason}\nUpdate your national databases "
            f"accordingly and confirm with `ncb ack {n}` by {due}.",
        ),
        "fr": (
            f"Notice {n} {done['fr']} : mettez à jour votre base de données nationale",
            f"La NDTF a {did['fr']} la notice {n}. Motif : {reason}\nVeuillez mettre à jour vos bases de données "
            f"nationales en conséquence et le confirmer avec `ncb ack {n}` au plus tard le {due}.",
        ),
        "es": (
            f"Notificación {n} {done['es']}: actualicen su base de datos nacional",
            f"El NDTF ha {did['es']} la notificación {n}. Motivo: {reason}\nSírvanse actualizar sus bases de datos "
            f"nacionales en consecuencia y confirmarlo con `ncb ack {n}` a más tardar el {due}.",
        ),
        "ar": (
            f"{done['ar']} النشرة {n}: يُرجى تحديث قاعدة بياناتكم الوطنية",
            f"قامت فرقة العمل المعنية بالنشرات والتعاميم بـ{did['ar']} النشرة {n}. السبب: {reason}\nيُرجى تحديث "
            f"قواعد بياناتكم الوطنية وفقاً لذلك وتأكيد ذلك باستخدام الأمر `ncb ack {n}` في موعد أقصاه {due}.",
        ),
    }
    return _in(language, versions, "[ACTION REQUIRED]")


def ack_reminder(notice: PublishedNoticeState, issued: Instruction, language: str = ENGLISH) -> tuple[str, str]:
    n = notice.notice_id
    k = 0 if issued.kind is InstructionKind.BLOCK else 1
    what = {lang: _DOING[lang][2][k] for lang in LANGUAGES}
    versions = {
        "en": (
            f"Reminder: confirm the update of your national database for notice {n}",
            f"Confirm with `ncb ack {n}` that your national databases reflect the {issued.kind.value} of notice {n}.",
        ),
        "fr": (
            f"Rappel : veuillez confirmer la mise à jour de votre base de données nationale pour la notice {n}",
            f"Veuillez confirmer avec `ncb ack {n}` que vos bases de données nationales tiennent compte "
            f"{what['fr']} de la notice {n}.",
        ),
        "es": (
            f"Recordatorio: sírvanse confirmar la actualización de su base de datos nacional para la notificación {n}",
            f"Sírvanse confirmar con `ncb ack {n}` que sus bases de datos nacionales reflejan {what['es']} de la "
            f"notificación {n}.",
        ),
        "ar": (
            f"تذكير: يُرجى تأكيد تحديث قاعدة بياناتكم الوطنية بشأن النشرة {n}",
            f"يُرجى التأكيد باستخدام الأمر `ncb ack {n}` أن قواعد بياناتكم الوطنية تعكس {what['ar']} النشرة {n}.",
        ),
    }
    return _in(language, versions)


def ack_escalation(notice: PublishedNoticeState, issued: Instruction, silent: list[str]) -> tuple[str, str]:
    return (
        f"[ESCALATION] {len(silent)} NCBs have not confirmed the {issued.kind.value} of notice {notice.notice_id}",
        f"The {issued.kind.value} instruction {issued.instruction_key} on notice "
        f"{notice.notice_id} was due on {issued.due_at.date().isoformat()}. These NCBs have not "
        f"confirmed that their national databases reflect it: {', '.join(silent)}.\n"
        f"Follow up with them; `ndtf acks {notice.notice_id}` shows the current list.",
    )


def _matched_lines(findings: Sequence[Finding]) -> str:
    """One line per finding, without names: the rule, its article, the list and the entry."""
    return "\n".join(
        f"- {f.severity.value}: {f.rule_id} ({f.article}), {f.evidence.get('list', '')} entry "
        f"{f.evidence.get('entry_id', '')} ({f.evidence.get('entry_change', '')}, version "
        f"{f.evidence.get('list_version', '')})"
        for f in findings
    )


def case_reference_alert(state: CaseState, findings: Sequence[Finding], moved: str) -> tuple[str, str]:
    """To the NDTF: an open case's subject matched entries a reference load added or changed."""
    to_review = any(f.severity is not Severity.INFO for f in findings)
    marker = "[REVIEW REQUIRED]" if to_review else "[FOR INFORMATION]"
    return (
        f"{marker} Request {state.request_id}: {len(findings)} new reference-data finding(s) on re-screening",
        f"Re-screening after a reference-data load matched the subject of request {state.request_id} "
        f"(stage {state.stage.value}) with:\n{_matched_lines(findings)}\n{moved}\n"
        f"`ndtf show {state.request_id}` shows the findings and what matched.",
    )


def notice_reference_alert(notice: PublishedNoticeState, findings: Sequence[Finding]) -> tuple[str, str]:
    """To the NDTF: a published notice's subject matched entries a reference load added or changed. The
    notice stays as it is: blocking it is the NDTF's decision."""
    return (
        f"[ACTION REQUIRED] Notice {notice.notice_id}: {len(findings)} new reference-data finding(s) on re-screening",
        f"Re-screening after a reference-data load matched the subject of published notice {notice.notice_id} "
        f"(status {notice.status.value}) with:\n{_matched_lines(findings)}\n"
        f"The notice was not blocked. Check the match (`ndtf notice {notice.notice_id}`) and, if the refugee "
        f"policy or Article 3 requires it, block it: `ndtf block {notice.notice_id} --reason TEXT`.",
    )


# --- what operators read in the Temporal UI (no personal data) ---------------------------------


def _when(at: datetime) -> str:
    return at.isoformat(timespec="minutes")


def _last_action(timeline: Sequence[TimelineEvent]) -> str | None:
    """What happened last and who did it; never its detail, which may quote what people wrote."""
    if not timeline:
        return None
    last = timeline[-1]
    return f"**Last action:** {last.event} by {last.actor} at {_when(last.at)}"


def stage_entered_at(state: CaseState) -> datetime | None:
    """When the case entered its current stage (its timeline's last move into it)."""
    mark = f"stage:{state.stage.value}"
    entered = next((event.at for event in reversed(state.timeline) if event.event == mark), None)
    return entered or state.registered_at


def case_details(state: CaseState) -> str:
    """The case's current details in the Temporal UI: stage, open deadlines, last action. Ids, NCB codes,
    reviewer ids and dates only: no name, no text anyone wrote."""
    entered = stage_entered_at(state)
    lines = [
        f"**Stage:** {state.stage.value}" + (f" (since {_when(entered)})" if entered else ""),
        f"**Risk:** {state.risk.value} ({state.count(Severity.BLOCKING)} blocking, "
        f"{state.count(Severity.DOUBT)} doubts)",
    ]
    for info in state.open_info_requests():
        lines.append(
            f"**Awaiting** {info.kind.value} {info.info_request_id} from {info.to_ncb}, due {_when(info.due_at)}"
        )
    if state.review_due_at and state.stage in REVIEWER_STAGES:
        lines.append(f"**Review due:** {_when(state.review_due_at)} (service level)")
    deadline = state.next_deadline()
    if deadline:
        lines.append(f"**Next deadline:** {_when(deadline)}")
    if state.overdue:
        lines.append("**Overdue:** an NCB missed a deadline")
    if state.escalated:
        lines.append("**Escalated:** past the review service level")
    if state.decision:
        lines.append(f"**Decision:** {state.decision.outcome.value} by {state.decision.decided_by}")
    if state.notice_id:
        lines.append(f"**Notice:** {state.notice_id}")
    last = _last_action(state.timeline)
    if last:
        lines.append(last)
    return "\n\n".join(lines)


def notice_details(notice: PublishedNoticeState) -> str:
    """The notice's current details: status, validity, open instructions and their deadlines, last action."""
    pending = sum(len(i.pending) for i in notice.instructions if i.awaited)
    expires = notice.expires_at.date().isoformat() if notice.expires_at else "no fixed term"
    lines = [f"**Notice status:** {notice.status.value}", f"**Expires:** {expires}"]
    if notice.blocked_until:
        lines.append(f"**Blocked until:** {_when(notice.blocked_until)}")
    lines.append(f"**Acknowledgements awaited:** {pending}")
    if notice.reference_alerts:
        lines.append(f"**Reference-data alerts:** {len(notice.reference_alerts)}")
    for instruction in notice.instructions:
        if instruction.awaited:
            lines.append(
                f"**Instruction** {instruction.kind.value}: {len(instruction.pending)} NCBs silent, "
                f"due {_when(instruction.due_at)}"
            )
    last = _last_action(notice.timeline)
    if last:
        lines.append(last)
    return "\n\n".join(lines)


def delivery_details(message_key: str, delivered: int | None) -> str:
    """A message's delivery: under way, or to how many recipients it went this time."""
    state = "delivering" if delivered is None else f"delivered ({delivered} recipients this run)"
    return f"**Message:** {message_key}\n\n**Delivery:** {state}"
