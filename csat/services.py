"""Customer satisfaction: ask for a 1-5 rating when a conversation is resolved, read the answer, expire the rest.

- ``csat_survey_ask`` (``conversation.resolved``): one survey per resolution (the row is unique on the
  conversation and its ``resolved_at``, so a redelivered event finds it and asks nothing). Inside the 24-hour
  window the question goes as a list of five options (a WhatsApp list, Instagram quick replies, numbered text
  where the channel has neither); outside it the template set for the number, else the survey is SKIPPED with
  the reason. Sender SYSTEM: a survey is no reply, it does not stop the first-response clock.
- ``csat_answer_from_message`` (``message.received``, before the AI): a tap on an option (``csat:N``) or a
  typed "4" / "4 estrellas" / "⭐⭐⭐⭐" while the survey is fresh stores the rating, thanks the customer
  once and tells the team's supervisors about a low one. The customer's answer usually opens a new
  conversation (the rated one is resolved), so the survey is found by the contact and the number; that new
  conversation, holding only the rating and the thanks, is resolved again quietly (``conversation_close_system``)
  and ``csat_rating_opened`` tells the routing and the rules not to hand it to anyone.
- ``csat_surveys_expire``: surveys nobody answered within ``answer_hours`` become EXPIRED (a task, and lazily
  when the customer writes).

Option rows run 1 to 5 in that order, so a "1" read by position (``conversations.services.choices``) and
a "1" read as a number are the same rating.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import team_supervisors_list
from conversations.models import Conversation, Message
from conversations.selectors import conversation_team_id
from conversations.services.inbox import (
    conversation_add_system_note,
    conversation_close_system,
    message_mark_handled,
)
from conversations.services.outbound import message_send
from core.errors import ApplicationError
from core.text import tokens
from csat.models import CsatSettings, CsatSurvey
from integrations.base import ListRow
from notifications.services import notifications_notify_many

logger = logging.getLogger(__name__)

LOW_RATING_KIND = "csat.low"
OPTION_PREFIX = "csat:"
LIST_BUTTON = "Calificar"
# Customer-facing, in Spanish like every reply; 1 first so position and number agree. Titles fit Instagram's
# quick replies (20 characters).
OPTIONS = (
    ListRow("csat:1", "1 ⭐ Muy mala"),
    ListRow("csat:2", "2 ⭐ Mala"),
    ListRow("csat:3", "3 ⭐ Regular"),
    ListRow("csat:4", "4 ⭐ Buena"),
    ListRow("csat:5", "5 ⭐ Excelente"),
)
RATING_BY_ID = {row.id: index for index, row in enumerate(OPTIONS, start=1)}
_TITLE_WORDS = {" ".join(tokens(row.title)): index for index, row in enumerate(OPTIONS, start=1)}
# "4", "4.", "4/5", "4 de 5", "4 estrellas", "4⭐", "4 *"; or only stars: "⭐⭐⭐⭐".
_TYPED = re.compile(
    r"^\s*([1-5])\s*(?:/\s*5|de\s+5|estrellas?|⭐+|\*+|puntos?|pts?)?\s*[.!]*\s*$", re.IGNORECASE
)
_STARS = re.compile(r"^\s*(⭐\ufe0f?){1,5}\s*$")


def typed_rating(text: str) -> int | None:
    """The rating a customer's typed line gives ("5", "5 estrellas", "⭐⭐⭐", "5 ⭐ Excelente"), else None.

    Only a line that is nothing but a rating counts: "tengo 2 hijos" or "quiero 3" is no rating."""
    if not text or len(text) > 30:
        return None
    match = _TYPED.match(text)
    if match:
        return int(match.group(1))
    if _STARS.match(text):
        return text.count("⭐")
    return _TITLE_WORDS.get(" ".join(tokens(text)))


def csat_settings_get() -> CsatSettings:
    """The one settings row (the first, if someone made two), or unsaved defaults when there is none."""
    return CsatSettings.objects.order_by("pk").first() or CsatSettings()


# --- asking ------------------------------------------------------------------------------------------------

def _has_customer_words(conversation: Conversation) -> bool:
    """A customer message that is not itself the answer to a survey (a conversation that only holds a rating
    is not rated again when it is closed)."""
    answers = CsatSurvey.objects.filter(answer__conversation=conversation).values("answer_id")
    return (conversation.messages.filter(direction=Message.Direction.IN, is_echo=False)
            .exclude(pk__in=answers).exists())


def _skip(survey: CsatSurvey, reason: str) -> CsatSurvey:
    survey.state = CsatSurvey.State.SKIPPED
    survey.skip_reason = reason[:200]
    survey.save(update_fields=["state", "skip_reason", "updated_at"])
    return survey


def _first_name(conversation: Conversation) -> str:
    name = (conversation.contact.name or "").split()
    return name[0] if name else "cliente"


@transaction.atomic
def csat_survey_ask(*, conversation_id: int, now: datetime | None = None) -> CsatSurvey | None:
    """Ask the customer of a just-resolved conversation for a rating, once for this resolution.

    Returns the survey (ASKED, or SKIPPED with ``skip_reason``; an existing one when the event came twice), or
    None when nobody is asked: surveys are off, the conversation was reopened meanwhile, or the customer never
    wrote in it."""
    now = now or timezone.now()
    config = csat_settings_get()
    if not config.is_active:
        return None
    conversation = (
        Conversation.objects.select_for_update(of=("self",)).select_related("channel_account", "contact")
        .filter(pk=conversation_id).first()
    )
    if conversation is None or conversation.status != Conversation.Status.RESOLVED or conversation.resolved_at is None:
        return None
    if not _has_customer_words(conversation):
        return None
    survey, created = CsatSurvey.objects.get_or_create(
        conversation=conversation, resolved_at=conversation.resolved_at,
        defaults={"agent_id": conversation.assignee_id, "team_id": conversation_team_id(conversation)},
    )
    if not created:
        return survey  # a redelivered event: asked (or skipped) already
    template = None
    if not conversation.window_open(now):
        template = (config.templates.filter(channel_account=conversation.channel_account_id, is_active=True)
                    .order_by("pk").first() if config.pk else None)
        if template is None:
            return _skip(survey, _("The 24-hour window was shut and no survey template is set for this number."))
        if template.variable_count > 1:
            return _skip(survey, _("The survey template %(name)s needs %(n)d values; it may have one at most.")
                         % {"name": template.name, "n": template.variable_count})
    try:
        if template is None:
            question = message_send(conversation=conversation, text=config.question, sender=Message.Sender.SYSTEM,
                                    rows=OPTIONS, list_button=LIST_BUTTON)
        else:
            question = message_send(conversation=conversation, template=template, sender=Message.Sender.SYSTEM,
                                    variables=[_first_name(conversation)] * template.variable_count)
    except ApplicationError as exc:
        return _skip(survey, str(exc.message))
    survey.question = question
    survey.asked_at = now
    survey.save(update_fields=["question", "asked_at", "updated_at"])
    return survey


# --- answering ---------------------------------------------------------------------------------------------

def _said_rating(text: str, interactive_id: str) -> tuple[int | None, bool]:
    """(rating, tapped) read from a message without touching the database."""
    if interactive_id:
        return RATING_BY_ID.get(interactive_id), True
    return typed_rating(text), False


def _open_survey(message: Message, since: datetime) -> CsatSurvey | None:
    """The contact's latest survey on this number still open to an answer, locked."""
    conversation = message.conversation
    return (
        CsatSurvey.objects.select_for_update(of=("self",))
        .filter(conversation__contact_id=conversation.contact_id,
                conversation__channel_account_id=conversation.channel_account_id,
                state__in=[CsatSurvey.State.ASKED, CsatSurvey.State.ANSWERED], asked_at__gte=since)
        .order_by("-asked_at", "-pk").first()
    )


def _moved_on(survey: CsatSurvey, message: Message) -> bool:
    """The customer wrote something else after the question: a bare number now is about something else."""
    return Message.objects.filter(
        conversation__contact_id=message.conversation.contact_id, channel_account_id=message.channel_account_id,
        direction=Message.Direction.IN, is_echo=False, pk__gt=survey.question_id or 0, pk__lt=message.pk,
    ).exists()


def _supervisors(team_id: int | None) -> list[User]:
    """Who hears about a low rating: the team's supervisors (the one who leads it and those in it); the
    administrators when the conversation had no team."""
    if team_id is None:
        return list(User.objects.filter(is_active=True, role=Role.ADMIN).order_by("pk"))
    return team_supervisors_list(team_id=team_id)


def _notify_low(survey: CsatSurvey, contact_name: str) -> int:
    agent = survey.agent.get_full_name() or survey.agent.username if survey.agent_id else _("nobody")
    return notifications_notify_many(
        users=_supervisors(survey.team_id), kind=LOW_RATING_KIND,
        title=_("Low rating (%(rating)d/5) from %(contact)s") % {"rating": survey.rating, "contact": contact_name},
        body=_("Conversation handled by %(agent)s.") % {"agent": agent},
        url=reverse("panel:conversation", args=[survey.conversation_id]),
        dedupe_key=f"csat:{survey.pk}",
    )


def csat_answer_from_message(*, message_id: int, said: tuple[str, str] | None = None) -> CsatSurvey | None:
    """Called for each customer message: store it as the rating of the survey it answers.

    ``said`` is the message's (text, interactive id) when the caller has them: most lines are no rating and stop
    here without a read. A tap (``csat:N``) counts while the survey is fresh, and may change a rating just
    given; a typed rating counts only as the customer's first line after the question. Returns the survey the
    message answered (None: not a rating, and the message is left to the next steps)."""
    if said is None:
        row = Message.objects.filter(pk=message_id).values_list("text", "interactive_id").first()
        if row is None:
            return None
        said = row
    rating, tapped = _said_rating(*said)
    if rating is None:
        return None
    with transaction.atomic():  # only for a line that reads as a rating: the rest opened no savepoint
        return _rating_store(message_id=message_id, rating=rating, tapped=tapped)


def _rating_store(*, message_id: int, rating: int, tapped: bool) -> CsatSurvey | None:
    message = (Message.objects.select_related("conversation__contact")
               .filter(pk=message_id, direction=Message.Direction.IN, is_echo=False).first())
    if message is None:
        return None
    already = CsatSurvey.objects.filter(answer=message).first()
    if already is not None:
        return already  # a redelivered event: stored and thanked already
    config = csat_settings_get()
    since = message.created_at - timedelta(hours=config.answer_hours)
    _expire_for_contact(message, since)
    survey = _open_survey(message, since)
    if survey is None:
        return None
    if survey.state == CsatSurvey.State.ANSWERED and not tapped:
        return None  # a number typed after the rating is about something else
    if survey.state == CsatSurvey.State.ASKED and not tapped and _moved_on(survey, message):
        return None
    first_answer = survey.state == CsatSurvey.State.ASKED
    survey.rating = rating
    survey.state = CsatSurvey.State.ANSWERED
    survey.answered_at = timezone.now()
    survey.answer = message
    survey.save(update_fields=["rating", "state", "answered_at", "answer", "updated_at"])
    message_mark_handled(message=message, by="csat")
    conversation_add_system_note(
        conversation_id=survey.conversation_id,
        text=_("The customer rated the service %(rating)d/5.") % {"rating": rating},
    )
    low = rating <= config.low_rating_max
    opened_by_rating = message.conversation_id != survey.conversation_id and not Message.objects.filter(
        conversation_id=message.conversation_id, direction=Message.Direction.IN, is_echo=False,
    ).exclude(pk=message.pk).exists()
    if first_answer:
        try:
            message_send(conversation=message.conversation, text=config.low_thanks if low else config.thanks,
                         sender=Message.Sender.SYSTEM)
        except ApplicationError as exc:  # the window cannot be shut right after they wrote; a send refused
            logger.warning("csat thanks not sent for survey %s: %s", survey.pk, exc.code)
    if low:
        _notify_low(survey, message.conversation.contact.name)
    if opened_by_rating:
        conversation_close_system(
            conversation_id=message.conversation_id,
            note=_("Only the customer's rating of the previous conversation: resolved by itself."))
    return survey


def csat_rating_opened(*, conversation_id: int) -> bool:
    """Whether a conversation that just started was opened by a rating of the one before it (its only customer
    message reads as a rating and a survey of that customer on that number is waiting for it): then nobody needs
    to be given it."""
    first = list(Message.objects.filter(conversation_id=conversation_id, direction=Message.Direction.IN,
                                        is_echo=False).order_by("pk").values_list("pk", "text", "interactive_id")[:2])
    if len(first) != 1:
        return False
    message_id, text, interactive_id = first[0]
    rating, tapped = _said_rating(text, interactive_id)
    if rating is None:
        return False
    message = Message.objects.select_related("conversation").get(pk=message_id)
    since = message.created_at - timedelta(hours=csat_settings_get().answer_hours)
    survey = (CsatSurvey.objects.filter(conversation__contact_id=message.conversation.contact_id,
                                        conversation__channel_account_id=message.conversation.channel_account_id,
                                        asked_at__gte=since)
              .exclude(conversation_id=conversation_id).order_by("-asked_at", "-pk").first())
    if survey is None:
        return False
    return (survey.state == CsatSurvey.State.ASKED or survey.answer_id == message_id
            or (tapped and survey.state == CsatSurvey.State.ANSWERED))


# --- expiry ------------------------------------------------------------------------------------------------

def _expire_for_contact(message: Message, since: datetime) -> int:
    conversation = message.conversation
    return CsatSurvey.objects.filter(
        conversation__contact_id=conversation.contact_id,
        conversation__channel_account_id=conversation.channel_account_id,
        state=CsatSurvey.State.ASKED, asked_at__lt=since,
    ).update(state=CsatSurvey.State.EXPIRED, updated_at=timezone.now())


def csat_surveys_expire(*, now: datetime | None = None) -> int:
    """Surveys asked more than ``answer_hours`` ago and still unanswered become EXPIRED; how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=csat_settings_get().answer_hours)
    return CsatSurvey.objects.filter(state=CsatSurvey.State.ASKED, asked_at__lt=cutoff).update(
        state=CsatSurvey.State.EXPIRED, updated_at=now)
