"""``seed_demo`` runs again without adding anything, and ``--reset`` starts over (what the demo holds is in
``test_seed_demo_contents.py``)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from agreements.models import Debt, Installment, Payment, PaymentAgreement
from ai.models import AIRequest
from calls.models import Call, CallScript, CallScriptStep, WatchKeyword
from conversations.models import ChannelAccount, Conversation, FollowUpTask, Message, Note
from demo.seed.conversations import STORIES
from demo.seed.history import EMAIL_DOMAIN as HISTORY_EMAIL_DOMAIN
from leads.models import Contact, Lead
from operators.models import Operator, Product
from sales.models import Commission, Quote, Sale
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db

MODELS = (User, Operator, Product, ChannelAccount, Contact, Lead, Conversation, Message, Note, FollowUpTask,
          AIRequest, Quote, Sale, Commission, Debt, PaymentAgreement, Installment, Payment, Call, CallScript,
          CallScriptStep, WatchKeyword)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def stock() -> dict[str, int | None]:
    return dict(Product.objects.values_list("sku", "stock"))


def test_seed_demo_twice_gives_the_same_counts(capsys):
    call_command("seed_demo", "--contacts", "20")
    first = counts()
    out = capsys.readouterr().out
    call_command("seed_demo", "--contacts", "20")
    assert counts() == first
    # The month's stories and the contact book; the dashboard's weeks of history have contacts of their own.
    history = Contact.objects.filter(email__endswith="@" + HISTORY_EMAIL_DOMAIN)
    assert first["Contact"] - history.count() == 20 + len(STORIES)
    live = Conversation.objects.exclude(contact__in=history)
    assert first["Operator"] == 4 and 40 <= live.count() <= 60 and history.exists()
    assert "Stories: 0 of" in capsys.readouterr().out
    assert "Conversations:" in out and "Outreach profiles:" in out
    assert "supervisor" in out and "supervisor-demo-2026" in out
    assert "two-step verification" in out


def test_seed_demo_reset_deletes_the_demo_and_seeds_it_again(capsys):
    someone = ContactFactory(name="Cliente de verdad")
    call_command("seed_demo", "--contacts", "5")
    first, first_stock = counts(), stock()
    call_command("seed_demo", "--contacts", "5", "--reset")
    assert counts() == first
    assert stock() == first_stock  # the units the demo sold went back to stock before being sold again
    assert Contact.objects.filter(pk=someone.pk).exists()
    assert "Reset: deleted" in capsys.readouterr().out


def test_seed_demo_reset_leaves_nothing_of_the_demo_but_its_catalog_and_logins():
    from demo.seed.reset import demo_reset

    call_command("seed_demo", "--contacts", "5")
    before = stock()
    sold = Sale.objects.filter(status="validated").exists()
    demo_reset()
    assert sold and stock() != before  # validated sales took units; the reset gave them back
    for model in (Contact, Lead, Conversation, Message, Quote, Sale, Commission, Debt, PaymentAgreement, Call):
        assert not model.objects.exists(), model.__name__
    assert not AIRequest.objects.filter(subject__startswith="message:").exists()
    assert not ChannelAccount.objects.filter(name__endswith="Demo").exists()
    assert User.objects.filter(username="agente1").exists() and Product.objects.exists()
