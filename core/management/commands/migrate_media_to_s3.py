"""``migrate_media_to_s3 [--dry-run] [--force] [--keep-local]``: move local media into the S3/MinIO bucket.

Each file named by a row (recordings, message attachments, quote PDFs, receipts, logos, product photos) is
uploaded under the same name, verified (size and checksum), and only then removed from ``MEDIA_ROOT``. Run it
again after an interruption: verified copies are skipped and the rest are sent.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from tqdm import tqdm

from core.storage_sync import MediaBucketNotConfigured, MediaFile, media_bucket, media_inventory, media_migrate


class Command(BaseCommand):
    help = _("Move local media files (recordings, uploads, attachments) into the S3/MinIO bucket, verifying "
             "size and checksum before deleting each local copy. Resumable: run it again after an interruption.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help=_("List what would move, with sizes and totals; change nothing."))
        parser.add_argument("--force", action="store_true",
                            help=_("Upload again even when a verified copy is already in the bucket."))
        parser.add_argument("--keep-local", action="store_true",
                            help=_("Keep the local files after uploading (remove them later with "
                                   "cleanup_local_media)."))

    def handle(self, *args: Any, dry_run: bool, force: bool, keep_local: bool, **options: Any) -> None:
        try:
            bucket = media_bucket()
        except MediaBucketNotConfigured as exc:
            raise CommandError(exc.message) from exc
        verbosity = int(options.get("verbosity", 1))
        inventory = media_inventory()
        total = filesizeformat(inventory.total_bytes)
        if dry_run:
            for media in inventory.files:
                self.stdout.write(_("would move %(name)s (%(size)s)") % {"name": media.name,
                                                                        "size": filesizeformat(media.size)})
        self._report_inventory(inventory, verbosity)
        if dry_run:
            self.stdout.write(_("Dry run: %(count)d files, %(size)s would move to bucket %(bucket)s; nothing "
                                "was changed.") % {"count": len(inventory.files), "size": total,
                                                   "bucket": bucket.name})
            return
        self.stdout.write(_("Moving %(count)d files (%(size)s) to bucket %(bucket)s at %(endpoint)s.")
                          % {"count": len(inventory.files), "size": total, "bucket": bucket.name,
                             "endpoint": bucket.endpoint})
        bar = tqdm(total=inventory.total_bytes, unit="B", unit_scale=True, unit_divisor=1024, file=self.stderr._out,
                   disable=verbosity == 0 or not inventory.files, desc=bucket.name, leave=True)

        def progress(media: MediaFile, outcome: str) -> None:
            bar.update(media.size)
            if verbosity >= 2:
                bar.write(f"{outcome}: {media.name}", file=self.stderr._out)

        try:
            report = media_migrate(inventory, bucket, force=force, keep_local=keep_local, progress=progress)
        except KeyboardInterrupt as exc:
            bar.close()
            raise CommandError(_("Interrupted. Files already verified in the bucket stay there; run the command "
                                 "again to resume.")) from exc
        bar.close()
        for name, reason in report.failed:
            self.stderr.write(self.style.ERROR(_("failed: %(name)s: %(reason)s (local file kept)")
                                               % {"name": name, "reason": reason}))
        self.stdout.write(_("Moved %(moved)d, already in the bucket %(already)d, failed %(failed)d, not attempted "
                            "%(left)d; %(bytes)s uploaded; %(removed)d local files removed.")
                          % {"moved": len(report.moved), "already": len(report.already),
                             "failed": len(report.failed), "left": len(report.not_attempted),
                             "bytes": filesizeformat(report.bytes_uploaded), "removed": report.removed_local})
        if report.interrupted:
            raise CommandError(_("Stopped: the bucket stopped answering. Run the command again to resume."))
        if report.failed:
            raise CommandError(_("%(count)d files could not be moved; their local copies were kept.")
                               % {"count": len(report.failed)})

    def _report_inventory(self, inventory: Any, verbosity: int) -> None:
        if inventory.orphans:
            self.stdout.write(_("%(count)d files on disk (%(size)s) are named by no record: left where they are.")
                              % {"count": len(inventory.orphans), "size": filesizeformat(inventory.orphan_bytes)})
            if verbosity >= 2:
                for media in inventory.orphans:
                    self.stdout.write(f"  orphan: {media.name} ({filesizeformat(media.size)})")
        if inventory.not_on_disk:
            self.stdout.write(_("%(count)d files named by records are not on the local disk (already moved, or "
                                "missing).") % {"count": len(inventory.not_on_disk)})
        for name in inventory.unsafe:
            self.stderr.write(self.style.WARNING(_("refused: %(name)s points outside MEDIA_ROOT") % {"name": name}))
