"""``manage.py export_quality_matrix --output F --format json|xlsx [--code CODE] [--version N]``.

Writes evaluation matrices (sections, criteria, weights, critical criteria, answer types, evidence and failure
words) to a JSON file (read back by ``quality.services.matrices.matrix_import``) or an Excel workbook. By default
every published matrix; ``--code`` narrows to one scorecard (its published version, or ``--version N``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quality.models import EvaluationMatrix
from quality.services.matrices import EXPORT_FORMATS, matrices_export


class Command(BaseCommand):
    help = "Export the quality evaluation matrices (scorecards) to JSON or Excel."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # ``--version`` is Django's "print Django's version"; here it is the matrix version the issue names.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument("--format", dest="fmt", help="json or xlsx (default: from the output's extension)")
        parser.add_argument("--code", help="only this scorecard (default: every published matrix)")
        parser.add_argument("--version", dest="matrix_version", type=int,
                            help="with --code: this version (default: the published one)")

    def handle(self, *args: object, **opts: object) -> None:
        output = Path(str(opts["output"]))
        fmt = str(opts["fmt"] or output.suffix.lstrip(".")).lower()
        if fmt not in EXPORT_FORMATS:
            raise CommandError(f"unknown format {fmt!r}: use --format json or --format xlsx")
        matrices = self._matrices(opts["code"], opts["matrix_version"])
        if not matrices:
            raise CommandError("there is no published matrix to export")
        content = matrices_export(matrices, fmt)
        self._write(output, content)
        sections = sum(m.sections.count() for m in matrices)
        criteria = sum(m.criteria.count() for m in matrices)
        critical = sum(m.criteria.filter(is_critical=True).count() for m in matrices)
        self.stdout.write(self.style.SUCCESS(
            f"Exported {len(matrices)} matrices ({sections} sections, {criteria} criteria, {critical} critical) "
            f"to {output} ({fmt}, {len(content)} bytes)."))
        for matrix in matrices:
            self.stdout.write(f"  {matrix.code} v{matrix.version} [{matrix.status}] {matrix.name}")

    def _matrices(self, code: object, version: object) -> list[EvaluationMatrix]:
        qs = EvaluationMatrix.objects.select_related("team").order_by("code", "version")
        if version is not None and not code:
            raise CommandError("--version needs --code")
        if not code:
            return list(qs.filter(status=EvaluationMatrix.Status.PUBLISHED))
        versions = qs.filter(code=code)
        if not versions.exists():
            known = ", ".join(EvaluationMatrix.objects.order_by("code").values_list("code", flat=True).distinct())
            raise CommandError(f"no matrix with the code {code!r} (known: {known or 'none'})")
        if version is not None:
            chosen = versions.filter(version=version)
            if not chosen.exists():
                numbers = ", ".join(str(v) for v in versions.values_list("version", flat=True))
                raise CommandError(f"{code!r} has no version {version} (versions: {numbers})")
            return list(chosen)
        published = list(versions.filter(status=EvaluationMatrix.Status.PUBLISHED))
        if not published:
            raise CommandError(f"{code!r} has no published version: pass --version")
        return published

    def _write(self, output: Path, content: bytes) -> None:
        """Write through a temporary file in the same folder, so a failed run leaves no half-written file."""
        folder = output.parent if str(output.parent) else Path(".")
        if output.is_dir():
            raise CommandError(f"{output} is a folder: give a file name")
        try:
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".part")
        except OSError as exc:
            raise CommandError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            Path(temporary).chmod(0o644)
            Path(temporary).replace(output)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from exc
