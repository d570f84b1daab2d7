"""The Spanish catalog is complete: Django ignores fuzzy entries and shows English for empty ones."""

from pathlib import Path

from django.conf import settings
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


def parse_po(text: str) -> list[tuple[bool, list[str]]]:
    """(is_fuzzy, translations) per entry, header excluded."""
    entries = []
    for block in text.split("\n\n"):
        translations: list[list[str]] = []
        current: list[str] | None = None
        for line in block.splitlines():
            if line.startswith("msgstr"):
                current = [line.split(" ", 1)[1].strip('"')]
                translations.append(current)
            elif line.startswith("msgid"):
                current = None
            elif line.startswith('"') and current is not None:
                current.append(line.strip('"'))
        if translations:
            entries.append(("#, fuzzy" in block, ["".join(t) for t in translations]))
    return entries[1:]


def test_parser_sees_fuzzy_and_empty_entries():
    sample = 'msgid ""\nmsgstr "h"\n\n#, fuzzy\nmsgid "a"\nmsgstr "b"\n\nmsgid "c"\nmsgstr ""\n'
    assert parse_po(sample) == [(True, ["b"]), (False, [""])]


def test_spanish_catalog_has_no_fuzzy_or_empty_entries():
    entries = parse_po(PO_FILE.read_text(encoding="utf-8"))
    assert len(entries) > 200
    assert [e for e in entries if e[0]] == []
    assert [e for e in entries if not all(e[1])] == []


def test_compiled_catalog_is_in_use():
    with translation.override("es"):
        assert translation.gettext("Log in") == "Iniciar sesión"
        assert translation.gettext("My leads") == "Mis leads"
