"""``python manage.py events``: every domain event, its payload and its subscribers in the order they run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from core import events


class Command(BaseCommand):
    help = _("List the domain events, their payloads and their subscribers in the order they run.")

    def handle(self, *args: Any, **options: Any) -> None:
        for name, (keys, doc) in events.EVENTS.items():
            self.stdout.write(self.style.MIGRATE_HEADING(name) + f"  ({', '.join(keys)})")
            self.stdout.write(f"  {doc}")
            subscribed = events.subscribers(name)
            if not subscribed:
                self.stdout.write("    " + _("no subscribers"))
            for subscriber in subscribed:
                flag = "  " + _("(skipped when handled)") if subscriber.skip_if_handled else ""
                self.stdout.write(f"    {subscriber.order:>4}  {subscriber.name}{flag}")
