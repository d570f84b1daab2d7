import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paginators import EstimatedCountPaginator
from leads.models import Lead
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_small_or_filtered_lists_get_an_exact_count():
    LeadFactory.create_batch(3)
    assert EstimatedCountPaginator(Lead.objects.all(), 2).count == 3
    assert EstimatedCountPaginator(Lead.objects.filter(score__gte=0), 2).count == 3


@pytest.mark.postgres
def test_big_unfiltered_table_uses_the_planner_estimate_without_count(monkeypatch):
    LeadFactory.create_batch(12)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 10)
    with CaptureQueriesContext(connection) as ctx:
        count = EstimatedCountPaginator(Lead.objects.all(), 5).count
    assert count == 12
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    filtered = EstimatedCountPaginator(Lead.objects.filter(score__gt=0), 5)
    assert filtered.count == 0
