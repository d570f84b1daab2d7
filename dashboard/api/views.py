"""``/api/v1/analytics/{conversations,leads,agents,sales}/``: the dashboard's figures as JSON.

Same filters as the dashboard (``from``, ``to``, ``team``, ``agent``, ``channel``, ``operator``); a bad value is a
400 (``invalid_filter``, ``forbidden_filter`` for a team or person the user may not see); agents get a 403 (back
office: only the sales endpoint). The figures are counted in the database and cached for a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from dashboard.analytics import (
    agents_analytics,
    analytics_allowed,
    conversations_analytics,
    filters_from_params,
    leads_analytics,
    sales_analytics,
    sales_analytics_allowed,
)
from dashboard.api.serializers import (
    AnalyticsAgentsSerializer,
    AnalyticsConversationsSerializer,
    AnalyticsLeadsSerializer,
    AnalyticsParamsSerializer,
    AnalyticsSalesSerializer,
)
from dashboard.types import Filters


def _responses(ok: type) -> dict[int, Any]:
    return {
        200: ok,
        400: OpenApiResponse(description="A bad filter: `code` is `invalid_filter`, or `forbidden_filter` for a "
                                         "team or person the user may not see."),
        403: OpenApiResponse(description="Agents (and, but for the sales endpoint, back office) may not read "
                                         "analytics."),
    }


class AnalyticsPermission(BasePermission):
    """Supervisors and admins (the sales endpoint: back office too)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and view.allowed(request.user))


class _AnalyticsApi(APIView):
    permission_classes = [IsAuthenticated, AnalyticsPermission]
    allowed: ClassVar[Callable[[User], bool]] = staticmethod(analytics_allowed)
    figures: ClassVar[Callable[..., dict[str, Any]]]

    def get(self, request: Request) -> Response:
        filters: Filters = filters_from_params(request.query_params, user=request.user)
        return Response(type(self).figures(user=request.user, filters=filters))


class ConversationsAnalyticsApi(_AnalyticsApi):
    """Conversations: counts, AI vs people, escalation reasons, first-response and resolution times (median,
    p90, minutes), messages by sender, peak hours, ticket SLA, CSAT and AI spend."""

    figures = staticmethod(conversations_analytics)

    @extend_schema(parameters=[AnalyticsParamsSerializer], responses=_responses(AnalyticsConversationsSerializer))
    def get(self, request: Request) -> Response:
        return super().get(request)


class LeadsAnalyticsApi(_AnalyticsApi):
    """Leads: by temperature and stage, the funnel (lead, quote, sale), top products and operators."""

    figures = staticmethod(leads_analytics)

    @extend_schema(parameters=[AnalyticsParamsSerializer], responses=_responses(AnalyticsLeadsSerializer))
    def get(self, request: Request) -> Response:
        return super().get(request)


class AgentsAnalyticsApi(_AnalyticsApi):
    """The agents' leaderboard: leads, conversations, sales, revenue, commissions, quality score, calls, CSAT."""

    figures = staticmethod(agents_analytics)

    @extend_schema(parameters=[AnalyticsParamsSerializer], responses=_responses(AnalyticsAgentsSerializer))
    def get(self, request: Request) -> Response:
        return super().get(request)


class SalesAnalyticsApi(_AnalyticsApi):
    """Validated sales, revenue and commissions by day, telecom sale types, installation states and
    collections (promised vs paid)."""

    allowed = staticmethod(sales_analytics_allowed)
    figures = staticmethod(sales_analytics)

    @extend_schema(parameters=[AnalyticsParamsSerializer], responses=_responses(AnalyticsSalesSerializer))
    def get(self, request: Request) -> Response:
        return super().get(request)
