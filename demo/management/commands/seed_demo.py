"""Idempotent demo data in Spanish: a month in the life of a telecom reseller and phone shop.

The catalog, users of every role, the channel accounts, a contact book of ``--contacts`` people, and
the month's stories (``demo/seed/stories_*.py``): WhatsApp and Instagram conversations played through
the product's own services — each customer line through the inbound path and the AI step (local
provider, no network), agents taking over, notes, quotes and sales, follow-ups — then dated back to
their days (relative to today, in ``TIME_ZONE``). Collections (a payment agreement two months in)
and purchases before the month give the outreach profiles their variety. The collectors' work on the
debts (calls, messages, a visit, promises to pay, next steps), tickets in every state on the stories'
customers (one opened by the AI's complaint hand-over) and the team's internal chat with an announcement
come last, through their apps' services.

Running it twice leaves the same counts: every row is keyed on a natural key (username, SKU, phone,
debt reference) and only missing rows are created; randomness is seeded. ``--reset`` deletes the
demo's rows first (``demo/seed/reset.py``). Layout: ``demo/seed/__init__.py``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.services import roles_create
from demo.seed import report
from demo.seed.agreements import collection_work_ensure, collections_ensure
from demo.seed.calls import calls_ensure, scripts_ensure, watch_list_ensure
from demo.seed.catalog import (
    commission_rules_ensure,
    knowledge_ensure,
    operators_ensure,
    products_ensure,
    quick_replies_ensure,
)
from demo.seed.channels import demo_channel_accounts_ensure
from demo.seed.context import SeedContext
from demo.seed.conversations import STORIES, stories_play, story_phones
from demo.seed.internal_chat import internal_chat_ensure
from demo.seed.issue17 import issue17_seed
from demo.seed.people import DEMO_USERS, DemoUser, contact_book_ensure, users_ensure
from demo.seed.quality import quality_ensure
from demo.seed.reset import demo_reset
from demo.seed.tickets import tickets_ensure
from leads.models import Contact, Lead
from notifications.models import Notification
from operators.models import Operator, Product
from sales.services.quotes import quotes_expire

__all__ = ["DEMO_USERS", "DemoUser", "Command"]  # tests and docs read the logins from here

AGENTS = [user.username for user in DEMO_USERS if user.role == "agent"]


@contextmanager
def _quiet_task_log() -> Iterator[None]:
    """After the commit, the tasks the seeded rows queued (sends, the AI step, receipts) run and find their
    work done; in the embedded mode each would log a success line (and kombu its missing broker host)
    and bury the summary."""
    loggers = {name: logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection",
                                                              "tickets.services.sla")}
    levels = {name: logger.level for name, logger in loggers.items()}
    for logger in loggers.values():
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for name, logger in loggers.items():
            logger.setLevel(levels[name])


class Command(BaseCommand):
    help = ("Load a month of realistic demo data in Spanish (idempotent): catalog, users of every role, contacts, "
            "leads, WhatsApp and Instagram conversations with AI replies, quotes, sales, commissions, collections, "
            "calls with call scripts and the watch list, collection work, tickets and the internal chat.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contacts", type=int, default=300,
                            help="How many people in the contact book, besides the stories' customers (default 300).")
        parser.add_argument("--no-history", action="store_true",
                            help="Leave out the dashboard's eight weeks of history (a lighter, quicker demo).")
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo's contacts and everything hanging on them first, then seed again.")

    def handle(self, *args: object, contacts: int, reset: bool, no_history: bool = False, **options: object) -> None:
        started = time.monotonic()
        if settings.AI_PROVIDER != "local":
            self.say(f"AI provider {settings.AI_PROVIDER!r} configured; the demo uses the local one (no network).")
        # Local AI for the run and for what runs after its commit (the subscribers of its events).
        with override_settings(AI_PROVIDER="local"), _quiet_task_log(), transaction.atomic():
            self._seed(contacts=contacts, reset=reset)
        # After the commit, once the stories' events have run: the routing policies, business hours and rules are
        # there for what happens next, not for a month-old story (demo/seed/issue17.py).
        with override_settings(AI_PROVIDER="local"), _quiet_task_log():
            for line in issue17_seed(write=self.say, history=not no_history):
                self.say(line)
        self.say(f"Done in {time.monotonic() - started:.1f} s.", success=True)
        self.stdout.write("Demo logins (user / password / role):")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<11} {demo.password:<22} {demo.role}")
        if settings.TWO_FACTOR_REQUIRED_ROLES:
            self.stdout.write(f"Roles {', '.join(settings.TWO_FACTOR_REQUIRED_ROLES)}: two-step verification is set up "
                              "at the first login (an authenticator app, then the recovery codes).")

    def say(self, line: str, *, success: bool = False) -> None:
        self.stdout.write(self.style.SUCCESS(line) if success else line)
        self.stdout.flush()

    def _seed(self, *, contacts: int, reset: bool) -> None:
        if reset:
            deleted = demo_reset()
            self.say("Reset: deleted " + (", ".join(f"{n} {what}" for what, n in deleted.items()) or "nothing") + ".")
        roles_create()
        users = users_ensure()
        accounts, from_env = demo_channel_accounts_ensure()
        self.say(f"Users: {len(users)} demo logins; channel accounts: "
                 + ", ".join(f"{a.name} ({a.provider})" for a in accounts.values())
                 + f"; {len(from_env)} from the environment.")
        quick_replies_ensure()
        self.say(f"Knowledge base: {knowledge_ensure()} new answers.")
        operators = operators_ensure()
        new_products = products_ensure(operators, random.Random(2026))
        new_rules = commission_rules_ensure()
        self.say(f"Catalog: {Operator.objects.count()} operators, {Product.objects.count()} products "
                 f"({new_products} new), {new_rules} new commission rules.")
        new_contacts, new_leads = contact_book_ensure(contacts, users, operators, reserved=story_phones())
        self.say(f"Contact book: {new_contacts} new contacts, {new_leads} new leads.")
        ctx = SeedContext(now=timezone.now(), users=users, accounts=accounts, write=self.say)
        played = stories_play(ctx)
        expired = quotes_expire()  # the daily job: quotes past their date expire
        # The month's notices (assignments, sales validated, quotes accepted) were dealt with back then: read.
        Notification.objects.filter(created_at__gte=ctx.now, read_at__isnull=True).update(read_at=timezone.now())
        self.say(f"Stories: {played} of {len(STORIES)} played now ({len(STORIES) - played} already there); "
                 f"quotes expired now: {expired}.")
        self.say(report.conversations_line(AGENTS))
        debts = collections_ensure(ctx)
        self.say(report.collections_line() + f"; new debts: {debts}.")
        actions = collection_work_ensure(ctx)
        self.say(report.collection_work_line() + f"; new actions: {actions}.")
        self.say(report.deals_line())
        scripts, words, calls = scripts_ensure(), watch_list_ensure(), calls_ensure(ctx)
        self.say(report.calls_line() + f"; new: {calls} calls, {scripts} call scripts, {words} watch-list words.")
        self.say(quality_ensure(ctx))  # scorecards and audits of the calls and conversations above
        tickets = tickets_ensure(ctx)
        self.say(report.tickets_line() + f"; new: {tickets}.")
        chat_messages = internal_chat_ensure(ctx)
        self.say(report.internal_chat_line() + f"; new messages: {chat_messages}.")
        self.say(f"Contacts: {Contact.objects.count()}, leads: {Lead.objects.count()}. " + report.leads_line())
        self.say(report.profiles_line())
