"""``export_quality_matrix``: the published scorecards to JSON or Excel, one code or version, clear errors."""

from __future__ import annotations

import json
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from quality.services.matrices import matrix_import, matrix_new_version
from tests.quality.factories import make_matrix

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("export_quality_matrix", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def matrices():  # type: ignore[no-untyped-def]
    sales = make_matrix(code="ventas", channel="call")
    chat = make_matrix(code="chat", channel="chat", criteria=[
        {"section": "Atención", "text": "Responde a tiempo", "weight": 2},
        {"section": "Atención", "text": "No comparte datos de otro cliente", "is_critical": True},
    ])
    make_matrix(code="borrador", status="draft")
    draft_v2 = matrix_new_version(sales)
    draft_v2.criteria.filter(text="Saluda y se presenta").update(weight=4)
    return sales, chat, draft_v2


def test_json_of_every_published_matrix_parses_and_reads_back(tmp_path, matrices):
    output = tmp_path / "matrices.json"

    printed = run("--output", str(output), "--format", "json")

    assert "Exported 2 matrices (4 sections, 8 criteria, 2 critical)" in printed
    document = json.loads(output.read_text(encoding="utf-8"))
    assert [(m["code"], m["version"]) for m in document["matrices"]] == [("chat", 1), ("ventas", 1)]
    chat = document["matrices"][0]
    assert chat["sections"][0]["criteria"][1] == {
        "text": "No comparte datos de otro cliente", "guidance": "", "position": 1, "weight": 1,
        "is_critical": True, "answer_type": "yes_no", "allow_na": False, "keywords": [], "negative_keywords": [],
        "speaker": ""}
    copy = matrix_import(chat, code="chat-copia")
    assert [c.text for c in copy.criteria.order_by("position")] == ["Responde a tiempo",
                                                                     "No comparte datos de otro cliente"]


def test_xlsx_opens_with_a_row_per_criterion(tmp_path, matrices):
    output = tmp_path / "matrices.xlsx"

    printed = run("--output", str(output), "--format", "xlsx")

    assert "Exported 2 matrices" in printed
    book = load_workbook(output)
    summary, criteria = book.worksheets
    assert summary.max_row == 3 and criteria.max_row == 1 + 8
    rows = list(criteria.iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[4]) for r in rows if r[7] in ("Yes", "Sí")} == {
        ("ventas", "Informa que la llamada es grabada"), ("chat", "No comparte datos de otro cliente")}


def test_one_code_and_version_and_format_from_the_extension(tmp_path, matrices):
    output = tmp_path / "ventas-v2.json"

    printed = run("--output", str(output), "--code", "ventas", "--version", "2")

    assert "Exported 1 matrices" in printed and "ventas v2 [draft]" in printed
    (only,) = json.loads(output.read_text(encoding="utf-8"))["matrices"]
    assert only["version"] == 2 and only["sections"][0]["criteria"][0]["weight"] == 4


def test_a_code_alone_exports_its_published_version(tmp_path, matrices):
    output = tmp_path / "ventas.json"
    run("--output", str(output), "--code", "ventas")
    assert [m["version"] for m in json.loads(output.read_text())["matrices"]] == [1]


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "csv"], "unknown format 'csv'"),
    (["--code", "nada"], "no matrix with the code 'nada' (known: borrador, chat, ventas)"),
    (["--code", "ventas", "--version", "7"], "'ventas' has no version 7 (versions: 1, 2)"),
    (["--code", "borrador"], "'borrador' has no published version: pass --version"),
    (["--version", "1"], "--version needs --code"),
])
def test_bad_arguments_are_refused_clearly_and_nothing_is_written(tmp_path, matrices, args, message):
    output = tmp_path / "out.json"

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("--output", str(output), *args)
    assert not output.exists()


def test_an_unwritable_path_is_a_clear_error(tmp_path, matrices):
    with pytest.raises(CommandError, match="cannot write to .*missing"):
        run("--output", str(tmp_path / "missing" / "out.json"))
    with pytest.raises(CommandError, match="is a folder"):
        run("--output", str(tmp_path), "--format", "json")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_clear_error(tmp_path, matrices):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(CommandError, match="cannot write to"):
            run("--output", str(folder / "out.json"))
    finally:
        folder.chmod(0o700)


def test_nothing_published_is_an_error(tmp_path):
    make_matrix(code="borrador", status="draft")
    with pytest.raises(CommandError, match="no published matrix"):
        run("--output", str(tmp_path / "x.json"))
