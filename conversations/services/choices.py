"""The customer's answer to options we offered (reply buttons, a list), whatever way it came back.

WhatsApp (Meta) sends a tap as an ``interactive`` reply with the option's id; Twilio without a Content
template, the sandbox and a customer who simply types show only words: "1", "2." or the option's title.
``reply_match`` reads those against the options of our last messages, so every channel's answer becomes
the same structured event: ``type`` interactive, ``interactive_id`` the option's id, ``text`` its title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from conversations.models import Conversation, Message, options_offered
from core.prepared import PreparedQuery
from core.text import tokens

# Options are answered soon; an old menu must not turn a later "1" (one phone, one unit) into a choice.
OPTIONS_FRESH_FOR = timedelta(hours=24)
_LOOK_BACK = 3  # our last messages searched for the options being answered
TITLE_MAX_CHARS = 24  # the longest option title a channel takes (a WhatsApp list row)
_NUMBER = re.compile(r"^\s*(?:opci[oó]n\s*)?#?(\d{1,2})\s*[.)!]?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Choice:
    id: str
    title: str
    typed: str = ""  # what the customer wrote, when the choice was read from words


def message_options(message: Message) -> list[dict[str, str]]:
    """The options an outbound message offered (its buttons, or its list's rows), in order; [] for none."""
    return message.offered_options


# The payloads of our last messages since a moment: read for a customer's short lines.
_RECENT_PAYLOADS: PreparedQuery[dict] = PreparedQuery(
    lambda conversation_id, since: Message.objects.filter(
        conversation_id=conversation_id, direction=Message.Direction.OUT, created_at__gte=since)
    .order_by("-pk").values_list("payload", flat=True)[:_LOOK_BACK])


def _offered(conversation: Conversation) -> list[dict[str, str]]:
    """The options of our most recent message that offered some (among our last few), while fresh."""
    since = timezone.now() - OPTIONS_FRESH_FOR
    for payload in _RECENT_PAYLOADS.all(conversation_id=conversation.pk, since=since):
        options = options_offered(payload)
        if options:
            return options
    return []


def _words(text: str) -> str:
    return " ".join(tokens(text))


def reply_match(*, conversation: Conversation, text: str, interactive_id: str = "") -> Choice | None:
    """The option a customer's message chose: by id (a tap), by number or by its title; None otherwise.

    A tap carries its id and title (no query); words are compared with the options we offered only when they
    could be one (an option's title is at most 24 characters), so a customer's ordinary line costs no read."""
    if interactive_id:
        return Choice(id=interactive_id, title=text or interactive_id)
    if not text.strip() or len(text.strip()) > TITLE_MAX_CHARS or not conversation.pk:
        return None
    options = _offered(conversation)
    if not options:
        return None
    number = _NUMBER.match(text)
    if number:
        index = int(number.group(1)) - 1
        if 0 <= index < len(options):
            return Choice(id=str(options[index]["id"]), title=str(options[index]["title"]), typed=text.strip())
        return None
    said = _words(text)
    for option in options:
        if said and said == _words(str(option["title"])):
            return Choice(id=str(option["id"]), title=str(option["title"]), typed=text.strip())
    return None
