"""E-mail texts: per survey, language and kind, with placeholders filled in for each case.

Placeholders: {navn} the addressee (the case's contact person, else the unit's name), {enhet}
the unit's name, {lenke} the personal link, {frist} the last day to answer (Norwegian date),
{kontaktperson} the survey's contact person (name, e-mail, phone). Every message gets a decline
link ("Jeg ønsker ikke å delta") added after the text, which the researcher cannot remove.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup, escape

from fieldkit.core import audit
from fieldkit.core.models import User
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.models import Case, EmailTemplate, MailKind, Survey
from fieldkit.surveys.respond import links

PLACEHOLDERS = ("navn", "enhet", "lenke", "frist", "kontaktperson")
PLACEHOLDER_PATTERN = re.compile(r"\{([^{}\s]*)\}")

MONTHS = {
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
    "nn": "januar februar mars april mai juni juli august september oktober november desember",
    "en": "January February March April May June July August September October November December",
}

#: Default texts (data, not interface strings: they are what respondents read, per language).
DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    "nb": {
        MailKind.INVITATION: (
            "Invitasjon til spørreundersøkelse",
            "Til {navn}\n\n"
            "{enhet} inviteres til å delta i en spørreundersøkelse. Svarene dine er viktige "
            "for oss, og det tar omtrent 15 minutter å svare.\n\n"
            "Du svarer ved å åpne denne personlige lenken:\n{lenke}\n\n"
            "Vi ber om svar innen {frist}. Du kan avbryte og fortsette senere med den samme "
            "lenken.\n\n"
            "Har du spørsmål, kontakt {kontaktperson}.\n\n"
            "Med vennlig hilsen\nForskergruppen",
        ),
        MailKind.REMINDER_NOT_STARTED: (
            "Påminnelse: spørreundersøkelse",
            "Til {navn}\n\n"
            "For en tid siden inviterte vi {enhet} til å delta i en spørreundersøkelse. Vi kan "
            "ikke se at vi har fått svar ennå. Hvert svar teller, og vi håper du vil ta deg "
            "tid.\n\n"
            "Du svarer ved å åpne denne personlige lenken:\n{lenke}\n\n"
            "Fristen er {frist}.\n\n"
            "Har du spørsmål, kontakt {kontaktperson}.\n\n"
            "Med vennlig hilsen\nForskergruppen",
        ),
        MailKind.REMINDER_STARTED: (
            "Påminnelse: du har ikke sendt inn svaret ennå",
            "Til {navn}\n\n"
            "Takk for at du har begynt å svare på spørreundersøkelsen for {enhet}. Svaret er "
            "ikke sendt inn ennå. Du fortsetter der du slapp med den samme lenken:\n{lenke}\n\n"
            "Husk å sende inn svaret innen {frist}.\n\n"
            "Har du spørsmål, kontakt {kontaktperson}.\n\n"
            "Med vennlig hilsen\nForskergruppen",
        ),
    },
    "nn": {
        MailKind.INVITATION: (
            "Invitasjon til spørjeundersøking",
            "Til {navn}\n\n"
            "{enhet} er invitert til å vere med i ei spørjeundersøking. Svara dine er viktige "
            "for oss, og det tek om lag 15 minutt å svare.\n\n"
            "Du svarar ved å opne denne personlege lenkja:\n{lenke}\n\n"
            "Vi ber om svar innan {frist}. Du kan avbryte og halde fram seinare med den same "
            "lenkja.\n\n"
            "Har du spørsmål, kontakt {kontaktperson}.\n\n"
            "Med venleg helsing\nForskargruppa",
        ),
        MailKind.REMINDER_NOT_STARTED: (
            "Påminning: spørjeundersøking",
            "Til {navn}\n\n"
            "For ei tid sidan inviterte vi {enhet} til å vere med i ei spørjeundersøking. Vi kan "
            "ikkje sjå at vi har fått svar enno. Kvart svar tel, og vi håpar du vil ta deg tid.\n\n"
            "Du svarar ved å opne denne personlege lenkja:\n{lenke}\n\n"
            "Fristen er {frist}.\n\n"
            "Har du spørsmål, kontakt {kontaktperson}.\n\n"
            "Med venleg helsing\nForskargruppa",
        ),
        MailKind.REMINDER_STARTED: (
            "Påminning: du har ikkje sendt inn svaret enno",
            "Til {navn}\n\n"
            "Takk for at du har byrja å svare på spørjeundersøkinga for {enhet}. Svaret er "
            "ikkje sendt inn enno. Du held fram der du slapp med den same lenkja:\n{lenke}\n\n"
            "Hugs å sende inn svaret innan {frist}.\n\n"
            "Har du spørsmål, kontakt {kontaktperson}.\n\n"
            "Med venleg helsing\nForskargruppa",
        ),
    },
    "en": {
        MailKind.INVITATION: (
            "Invitation to a survey",
            "Dear {navn}\n\n"
            "{enhet} is invited to take part in a survey. Your answers matter to us, and "
            "answering takes about 15 minutes.\n\n"
            "Answer by opening this personal link:\n{lenke}\n\n"
            "Please answer by {frist}. You can stop and continue later with the same link.\n\n"
            "If you have questions, contact {kontaktperson}.\n\n"
            "Kind regards\nThe research team",
        ),
        MailKind.REMINDER_NOT_STARTED: (
            "Reminder: survey",
            "Dear {navn}\n\n"
            "Some time ago we invited {enhet} to take part in a survey, and we have not received "
            "an answer yet. Every answer counts; we hope you will take the time.\n\n"
            "Answer by opening this personal link:\n{lenke}\n\n"
            "The deadline is {frist}.\n\n"
            "If you have questions, contact {kontaktperson}.\n\n"
            "Kind regards\nThe research team",
        ),
        MailKind.REMINDER_STARTED: (
            "Reminder: your answer has not been sent yet",
            "Dear {navn}\n\n"
            "Thank you for starting the survey for {enhet}. Your answer has not been submitted "
            "yet. Continue where you left off with the same link:\n{lenke}\n\n"
            "Please submit by {frist}.\n\n"
            "If you have questions, contact {kontaktperson}.\n\n"
            "Kind regards\nThe research team",
        ),
    },
}

#: The decline line every message ends with, per language.
DECLINE = {
    "nb": ("Jeg ønsker ikke å delta", "Ønsker du ikke å delta, og vil ikke ha flere e-poster:"),
    "nn": (
        "Eg ønskjer ikkje å vere med",
        "Ønskjer du ikkje å vere med, og vil ikkje ha fleire e-postar:",
    ),
    "en": ("I do not want to take part", "If you do not want to take part or get more e-mail:"),
}


@dataclass
class RenderedMessage:
    """A message for one case, ready to send or show."""

    subject: str
    text: str
    html: str
    #: The HTML body alone (for showing inside a page).
    html_body: Markup
    link: str
    decline_link: str


#: What a preview shows instead of a case's token (not a token: it opens nothing).
PREVIEW_LINK_TOKEN = "personlig-lenke"


def decline_url(case: Case) -> str:
    """The case's decline (opt-out) link."""
    return f"{links.base_url()}/n/{links.decline_token(case)}"


def deadline_text(survey: Survey, language: str = "nb") -> str:
    """The last day to answer, as Norwegian (or English) text; empty when the survey has no end."""
    last_day = survey.last_day
    if last_day is None:
        return ""
    month = MONTHS.get(language, MONTHS["nb"]).split()[last_day.month - 1]
    if language == "en":
        return f"{last_day.day} {month} {last_day.year}"
    return f"{last_day.day}. {month} {last_day.year}"


def contact_text(survey: Survey) -> str:
    parts = [survey.contact_name]
    parts += [p for p in (survey.contact_email, survey.contact_phone) if p]
    if len(parts) > 1 and parts[0]:
        return f"{parts[0]} ({', '.join(parts[1:])})"
    return ", ".join(p for p in parts if p)


def check_text(text: str) -> list[str]:
    """The unknown placeholders in ``text``."""
    return sorted({m for m in PLACEHOLDER_PATTERN.findall(text) if m not in PLACEHOLDERS})


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER_PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def template_for(survey: Survey, kind: str, language: str = "nb") -> tuple[str, str]:
    """(subject, body) the survey uses for ``kind`` in ``language``: its own text or the default."""
    record = db.session.scalar(
        sa.select(EmailTemplate).where(
            EmailTemplate.survey_id == survey.id,
            EmailTemplate.kind == str(kind),
            EmailTemplate.language == language,
        )
    )
    if record is not None:
        return record.subject, record.body
    return DEFAULTS.get(language, DEFAULTS["nb"])[MailKind(kind)]


def save_template(
    survey: Survey, kind: str, language: str, subject: str, body: str, *, actor: User | None = None
) -> EmailTemplate:
    """Store the survey's text for ``kind`` in ``language``; refuses unknown placeholders."""
    if language not in (survey.languages or ["nb"]):
        raise OperationError(_("The survey is not offered in %(language)s.", language=language))
    unknown = check_text(subject + "\n" + body)
    if unknown:
        raise OperationError(
            _(
                "Unknown placeholders: %(names)s. Use %(known)s.",
                names=", ".join(f"{{{n}}}" for n in unknown),
                known=", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
            )
        )
    if "{lenke}" not in body:
        raise OperationError(_("The text must contain the personal link {lenke}."))
    record = db.session.scalar(
        sa.select(EmailTemplate).where(
            EmailTemplate.survey_id == survey.id,
            EmailTemplate.kind == str(kind),
            EmailTemplate.language == language,
        )
    )
    if record is None:
        record = EmailTemplate(survey_id=survey.id, kind=str(kind), language=language)
        db.session.add(record)
    record.subject = subject.strip()
    record.body = body.replace("\r\n", "\n").strip() + "\n"
    db.session.flush()
    audit.record(
        "survey.email_template_saved", survey, actor=actor, kind=str(kind), language=language
    )
    return record


def render(
    survey: Survey, case: Case, kind: str, language: str = "nb", *, preview: bool = False
) -> RenderedMessage:
    """The message of ``kind`` for ``case``: subject, plain text and HTML with its links.

    A ``preview`` (for staff) shows stand-ins for the links: staff see a case's working
    link only on its page, where the audit log records it."""
    subject, body = template_for(survey, kind, language)
    if preview:
        link = f"{links.base_url()}/s/{PREVIEW_LINK_TOKEN}"
        decline = f"{links.base_url()}/n/{PREVIEW_LINK_TOKEN}"
    else:
        link = links.personal_url(case)
        decline = decline_url(case)
    values = {
        "navn": case.contact_person or case.name,
        "enhet": case.name,
        "lenke": link,
        "frist": deadline_text(survey, language),
        "kontaktperson": contact_text(survey),
    }
    decline_label, decline_intro = DECLINE.get(language, DECLINE["nb"])
    text = fill(body, values).rstrip() + f"\n\n-- \n{decline_intro}\n{decline_label}: {decline}\n"
    html_values = {k: str(escape(v)) for k, v in values.items()}
    html_values["lenke"] = f'<a href="{escape(link)}">{escape(link)}</a>'
    paragraphs = [
        Markup(fill(str(escape(p)), html_values).replace("\n", "<br>\n"))
        for p in re.split(r"\n\s*\n", body.strip())
    ]
    body_html = Markup(
        render_template(
            "surveys/fieldwork/mail/_body.html",
            paragraphs=paragraphs,
            decline_intro=decline_intro,
            decline_label=decline_label,
            decline_link=decline,
        )
    )
    html = render_template(
        "surveys/fieldwork/mail/message.html",
        subject=fill(subject, values),
        body=body_html,
        language=language,
    )
    return RenderedMessage(fill(subject, values), text, html, body_html, link, decline)
