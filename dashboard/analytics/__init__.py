"""The dashboard's analytics: figures counted in the database, scoped by role, for the page and the API.

- :func:`filters_from_params` parses and checks the query parameters;
- :func:`dashboard_data` fills every KPI, chart and table of ``dashboard.types`` (SECTIONS, KPI_KEYS, TABLE_KEYS);
- :func:`conversations_analytics`, :func:`leads_analytics`, :func:`agents_analytics`, :func:`sales_analytics`
  answer ``/api/v1/analytics/<name>/``.

What each figure counts: ``dashboard.analytics.figures``; which filter narrows which rows:
``dashboard.analytics.sources``; who may read them: ``dashboard.analytics.filters``.
"""

from dashboard.analytics.build import (
    CACHE_SECONDS,
    agents_analytics,
    conversations_analytics,
    dashboard_data,
    leads_analytics,
    sales_analytics,
)
from dashboard.analytics.filters import (
    analytics_allowed,
    filters_from_params,
    sales_analytics_allowed,
    scope_for,
    visible_people,
    visible_teams,
)

__all__ = [
    "CACHE_SECONDS", "agents_analytics", "analytics_allowed", "conversations_analytics", "dashboard_data",
    "filters_from_params", "leads_analytics", "sales_analytics", "sales_analytics_allowed", "scope_for",
    "visible_people", "visible_teams",
]
