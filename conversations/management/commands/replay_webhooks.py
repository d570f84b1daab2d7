from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from conversations.models import WebhookEvent
from conversations.services.replay import REPLAYABLE, webhook_events_replay


def _since(value: str):  # type: ignore[no-untyped-def]
    """ISO time (2026-11-20T08:00) or a duration: 30m, 6h, 2d."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if value[-1:] in units and value[:-1].isdigit():
        return timezone.now() - timedelta(**{units[value[-1]]: int(value[:-1])})
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"--since: use an ISO time or a duration like 6h, not {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = "Process stored webhook events again (not yet processed ones; with --failed only the failed)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--failed", action="store_true", help="Only events whose processing failed.")
        parser.add_argument("--since", help="Only events received after this (ISO time, or 30m / 6h / 2d).")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: object, failed: bool, since: str | None, no_progress: bool, **options: object) -> None:
        qs = WebhookEvent.objects.filter(state__in=[WebhookEvent.State.FAILED] if failed else REPLAYABLE)
        if since:
            qs = qs.filter(received_at__gte=_since(since))
        ids = list(qs.order_by("received_at", "pk").values_list("pk", flat=True))
        with tqdm(total=len(ids), unit="event", disable=no_progress, file=self.stderr) as bar:
            counts = webhook_events_replay(event_ids=ids, on_each=lambda _state: bar.update())
        summary = ", ".join(f"{state}={n}" for state, n in sorted(counts.items())) or "nothing to replay"
        self.stdout.write(self.style.SUCCESS(f"{len(ids)} events replayed: {summary}"))
        if counts.get("error"):
            raise CommandError(f"{counts['error']} events failed again; see admin → Webhook events.")
