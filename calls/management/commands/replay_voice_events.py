from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from calls.models import VoiceWebhookEvent
from calls.services.replay import REPLAYABLE, voice_events_replay


def _since(value: str) -> datetime:
    """ISO time (2026-11-20T08:00) or a duration: 30m, 6h, 2d."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if value[-1:] in units and value[:-1].isdigit():
        return timezone.now() - timedelta(**{units[value[-1]]: int(value[:-1])})
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"--since: use an ISO time or a duration like 6h, not {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = "Process stored Twilio Voice callbacks again (not yet processed ones; with --failed only the failed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--failed", action="store_true", help="Only events whose processing failed.")
        parser.add_argument("--since", help="Only events received after this (ISO time, or 30m / 6h / 2d).")

    def handle(self, *args: object, failed: bool, since: str | None, **options: object) -> None:
        states = [VoiceWebhookEvent.State.FAILED] if failed else list(REPLAYABLE)
        qs = VoiceWebhookEvent.objects.filter(state__in=states)
        if since:
            qs = qs.filter(received_at__gte=_since(since))
        ids = list(qs.order_by("received_at", "pk").values_list("pk", flat=True))
        counts = voice_events_replay(ids)
        summary = ", ".join(f"{state}={n}" for state, n in sorted(counts.items())) or "nothing to replay"
        self.stdout.write(self.style.SUCCESS(f"{len(ids)} voice events replayed: {summary}"))
        if counts.get("error"):
            raise CommandError(f"{counts['error']} voice events failed again; see admin → Voice webhook events.")
