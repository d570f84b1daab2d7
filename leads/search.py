"""Find anyone by what you know: one search over a contact's name, phones, channel ids, username and email.

``contact_search_q`` is the one filter behind every search box that looks for a person: the contacts
and leads lists and the conversations inbox (API ``?q=`` and pages) and the back office's search
(``ContactSearchAdminMixin``). Related models pass the path to the contact as ``prefix``
(``"contact__"``, ``"conversation__contact__"``).

What matches:
- name: every word of the text, accents in the text optional (``"rosa quispe"``, ``"Núñez"``);
- a phone in any format (``+56 9 1234 5678``, ``56912345678``, ``(01) 234-5678``, ``whatsapp:+51…``,
  a national number without country code such as ``912345678``): its digits are looked for in the
  phone, the WhatsApp id and the other phones, with and without the Argentine ``9`` / Mexican ``1``
  (``core.phones.phone_search_forms``);
- the WhatsApp id (also a business-scoped id such as ``US.1349…``) and the Instagram id, exactly;
- the Instagram username, with or without ``@`` or as a profile link, case-insensitively;
- the email (any part of it) and the ID document, exactly.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from core.phones import phone_search_forms
from core.text import fold

SEARCH_MAX_CHARS = 100
_INSTAGRAM_USERNAME = re.compile(
    r"^(?:(?:https?://)?(?:www\.)?instagram\.com/)?@?(?P<username>[A-Za-z0-9._]{1,30})/?$", re.IGNORECASE
)


def _instagram_username(text: str) -> str:
    match = _INSTAGRAM_USERNAME.match(text)
    return match.group("username") if match else ""


def _name_q(text: str, name: str) -> Q:
    """Every word of ``text`` in the name, as typed or without its accents."""
    q = Q()
    for word in text.split():
        word_q = Q(**{f"{name}__icontains": word})
        folded = fold(word)
        if folded != word.lower():
            word_q |= Q(**{f"{name}__icontains": folded})
        q &= word_q
    return q


def contact_search_q(text: str, *, prefix: str = "") -> Q:
    """The filter of contacts (or of rows whose contact is at ``prefix``) that ``text`` identifies.

    An empty ``text`` gives an empty ``Q()`` (no filter). Builds no query itself.
    """
    text = (text or "").strip()[:SEARCH_MAX_CHARS]
    if not text:
        return Q()

    def field(lookup: str) -> str:
        return f"{prefix}{lookup}"

    q = _name_q(text, field("name"))
    q |= Q(**{field("email__icontains"): text})
    q |= Q(**{field("whatsapp_id"): text}) | Q(**{field("instagram_id"): text})
    q |= Q(**{field("document_number__iexact"): text})
    username = _instagram_username(text)
    if username:
        q |= Q(**{field("instagram_username__icontains"): username})
    for digits in phone_search_forms(text):
        q |= (
            Q(**{field("phone__contains"): digits})
            | Q(**{field("whatsapp_id__contains"): digits})
            | Q(**{field("extra_phones__icontains"): digits})
        )
    return q


class ContactSearchAdminMixin:
    """Admin search that also finds the row by its contact, through ``contact_search_q``.

    ``contact_search_prefix`` is the path from the admin's model to the contact (``""`` for Contact
    itself). The admin's own ``search_fields`` still apply; a row matching either is listed.
    """

    contact_search_prefix = ""

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        found, may_have_duplicates = super().get_search_results(  # type: ignore[misc]
            request, queryset, search_term
        )
        search_q = contact_search_q(search_term, prefix=self.contact_search_prefix)
        if search_q:
            found = found | queryset.filter(search_q)
        return found, may_have_duplicates
