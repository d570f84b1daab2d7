"""``manage.py export_report``: kinds, columns, filters, the monthly workbook, and its refusals."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from leads.models import LeadStatus
from reports.models import ExportLog
from tests.leads.factories import ContactFactory, LeadFactory
from tests.reports.conftest import aware, make_quote, make_sale, read_xlsx

pytestmark = pytest.mark.django_db


def export(*args: str) -> str:
    out = StringIO()
    call_command("export_report", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_command_writes_the_chosen_columns_of_the_filtered_rows(tmp_path):
    LeadFactory(contact__name="Rosa Quispe", status=LeadStatus.WON)
    LeadFactory(contact__name="Luis Flores", status=LeadStatus.NEW)
    target = tmp_path / "leads.xlsx"
    output = export("leads", "--columns", "contact,status", "--filter", "status=won", "--output", str(target))
    assert "1 rows" in output
    rows = read_xlsx(target.read_bytes())["Leads"]
    assert len(rows[0]) == 2 and [r[0] for r in rows[1:]] == ["Rosa Quispe"]
    assert ExportLog.objects.get().source == "command"


def test_command_date_range_on_sales(tmp_path, agent):
    make_sale(contact=ContactFactory(), agent=agent, total="10", sold_at=aware(2026, 10, 3, 9))
    make_sale(contact=ContactFactory(), agent=agent, total="20", sold_at=aware(2026, 10, 4, 9))
    target = tmp_path / "s.xlsx"
    export("sales", "--from", "2026-10-04", "--to", "2026-10-04", "--columns", "total", "--output", str(target))
    assert [r[0] for r in next(iter(read_xlsx(target.read_bytes()).values()))[1:]] == [20]


@pytest.mark.parametrize(
    "args",
    [
        ("nope",),
        ("leads", "--columns", "secret"),
        ("leads", "--filter", "status"),
        ("leads", "--from", "ayer"),
        ("monthly",),
        ("monthly", "--month", "2026-13"),
        ("leads", "--user", "nobody"),
    ],
)
def test_command_refuses_bad_arguments(tmp_path, args):
    target = tmp_path / "x.xlsx"
    with pytest.raises(CommandError):
        export(*args, "--output", str(target))
    assert not target.exists()


def test_command_refuses_to_export_as_an_agent(tmp_path, agent):
    target = tmp_path / "x.xlsx"
    with pytest.raises(CommandError):
        export("leads", "--user", agent.username, "--output", str(target))
    assert not target.exists()


def test_monthly_report_has_a_summary_per_agent_and_a_sheet_per_area(tmp_path, agent, supervisor):
    october = aware(2026, 10, 15, 12)
    won = LeadFactory(assignee=agent, status=LeadStatus.WON)
    lead = LeadFactory(assignee=agent)
    type(lead).objects.filter(pk__in=[won.pk, lead.pk]).update(created_at=october)
    make_sale(contact=ContactFactory(), agent=agent, total="100.00", sold_at=october)
    make_sale(contact=ContactFactory(), agent=agent, total="50.00", sold_at=october)
    make_sale(contact=ContactFactory(), agent=agent, total="70.00", status="cancelled", sold_at=october)
    make_sale(contact=ContactFactory(), agent=supervisor, total="30.00", sold_at=october)
    make_sale(contact=ContactFactory(), agent=agent, total="999.00", sold_at=aware(2026, 11, 1, 12))
    quote = make_quote(contact=ContactFactory(), agent=agent, total="40.00")
    type(quote).objects.filter(pk=quote.pk).update(created_at=october)
    target = tmp_path / "m.xlsx"
    export("monthly", "--month", "2026-10", "--output", str(target))
    book = read_xlsx(target.read_bytes())
    summary = next(iter(book.values()))
    assert len(book) == 1 + 10  # summary + leads, conversations, sales, quotes, agreements, calls, calls per agent,
    # quality audits and their answers, tickets
    header = summary[0]
    by_agent = {row[0]: dict(zip(header, row, strict=True)) for row in summary[1:]}
    mine = by_agent[str(agent)]
    assert list(mine.values())[1:6] == [2, 1, 0, 2, 150]  # leads, won, conversations, sales, sales total
    assert list(mine.values())[6:8] == [1, 40]  # quotes, quotes total
    total = list(summary[-1])
    assert total[4] == 3 and total[5] == 180
    sales_sheet = [sheet for title, sheet in book.items() if len(sheet) == 5]  # header + 4 October sales
    assert sales_sheet
