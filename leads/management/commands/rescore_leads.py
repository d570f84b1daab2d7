from django.core.management.base import BaseCommand
from tqdm import tqdm

from leads.models import Lead
from leads.services import leads_rescore


class Command(BaseCommand):
    help = "Recompute the score and classification of every lead, in batches, with a progress bar."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args: object, batch_size: int, no_progress: bool, **options: object) -> None:
        total = Lead.objects.count()
        with tqdm(total=total, unit="lead", disable=no_progress, file=self.stderr) as bar:
            changed = leads_rescore(batch_size=batch_size, on_batch=bar.update)
        self.stdout.write(self.style.SUCCESS(f"{total} leads rescored, {changed} changed."))
