"""A chat message's text as HTML: escaped first, then mentions, ticket and conversation references marked up."""

from __future__ import annotations

import re

from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_BODY_CHARS = 4000
# @username: Django's username characters; a trailing dot ends a sentence rather than a name.
MENTION_RE = re.compile(r"(?<![\w@.+-])@([\w.@+-]*[\w+-])")
# #T123 (a ticket) and #C45 (a conversation of the panel); not inside an escaped entity such as &#x27;.
REFERENCE_RE = re.compile(r"(?<![\w&])#([TC])(\d{1,18})\b")


def mentioned_usernames(body: str) -> list[str]:
    """The usernames ``@named`` in ``body``, each once, in order."""
    return list(dict.fromkeys(MENTION_RE.findall(body)))


def _url(name: str, pk: int, fallback: str) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the page's app has not published its URL name yet
        return fallback


def _reference(match: re.Match[str]) -> str:
    kind, number = match.group(1), int(match.group(2))
    if kind == "T":
        url = _url("tickets:detail", number, f"/tickets/{number}/")
        css = "chat-ref-ticket"
    else:
        url = _url("panel:conversation", number, f"/panel/c/{number}/")
        css = "chat-ref-conversation"
    return f'<a class="chat-ref {css}" href="{escape(url)}">{match.group(0)}</a>'


def chat_html(body: str) -> SafeString:
    """``body`` escaped, with ``@user`` highlighted, ``#T123`` / ``#C45`` as links and line breaks kept."""
    text = escape(body)
    text = REFERENCE_RE.sub(_reference, text)
    text = MENTION_RE.sub(lambda m: f'<span class="chat-mention">{m.group(0)}</span>', text)
    return mark_safe(text.replace("\r\n", "\n").replace("\n", "<br>"))  # noqa: S308 - escaped above
