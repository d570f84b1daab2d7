"""``cleanup_local_media [--dry-run]``: remove local media files whose copy in the bucket verifies.

For the files a ``migrate_media_to_s3 --keep-local`` run left behind (or copied by other means): a local file is
removed only when the bucket has an object under the same name with the same size and checksum; every other file
stays, and the command says why.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.storage_sync import MediaBucketNotConfigured, media_bucket, media_cleanup, media_inventory


class Command(BaseCommand):
    help = _("Remove local media files that are already safely in the S3/MinIO bucket (same size and checksum).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help=_("Say what would be removed; remove nothing."))

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        try:
            bucket = media_bucket()
        except MediaBucketNotConfigured as exc:
            raise CommandError(exc.message) from exc
        inventory = media_inventory()
        report = media_cleanup(inventory, bucket, dry_run=dry_run)
        verb = _("would remove") if dry_run else _("removed")
        for name in report.removed:
            self.stdout.write(f"{verb}: {name}")
        for name, reason in report.kept:
            self.stdout.write(_("kept: %(name)s: %(reason)s") % {"name": name, "reason": reason})
        if inventory.orphans:
            self.stdout.write(_("%(count)d files on disk are named by no record: left where they are.")
                              % {"count": len(inventory.orphans)})
        summary = (_("Would remove %(removed)d local files (%(size)s); kept %(kept)d.") if dry_run
                   else _("Removed %(removed)d local files (%(size)s); kept %(kept)d."))
        self.stdout.write(summary % {"removed": len(report.removed), "size": filesizeformat(report.bytes_freed),
                                     "kept": len(report.kept)})
        if report.interrupted:
            raise CommandError(_("Stopped: the bucket stopped answering. Nothing unverified was removed."))
