"""Surveys made directly, for the reads (the asking and answering have their own tests on the real path)."""

from __future__ import annotations

import itertools
from datetime import datetime

from django.utils import timezone

from accounts.models import Team, User
from conversations.models import ChannelAccount, Conversation
from csat.models import CsatSurvey
from leads.models import Contact
from tests.leads.factories import ContactFactory

_numbers = itertools.count(1)


def make_account(provider: str = "meta_whatsapp") -> ChannelAccount:
    n = next(_numbers)
    return ChannelAccount.objects.create(provider=provider, name=f"Cuenta C{n}", account_ref=f"97800{n:05d}",
                                         access_token="meta-access-token", ai_mode=ChannelAccount.AIMode.OFF)


def make_survey(*, rating: int | None, agent: User | None = None, team: Team | None = None,
                at: datetime | None = None, state: str = "", contact: Contact | None = None,
                provider: str = "meta_whatsapp") -> CsatSurvey:
    """A survey about a resolution at ``at`` (now by default), answered then when it has a rating."""
    at = at or timezone.now()
    conversation = Conversation.objects.create(contact=contact or ContactFactory(), assignee=agent,
                                               channel_account=make_account(provider), status="resolved",
                                               resolved_at=at)
    return CsatSurvey.objects.create(
        conversation=conversation, resolved_at=at, agent=agent,
        team=team if team is not None else getattr(agent, "team", None),
        state=state or ("answered" if rating else "asked"), asked_at=at, rating=rating,
        answered_at=at if rating else None,
    )
