from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from leads.models import Classification, LeadStatus
from leads.selectors import LeadFilters, lead_counts_by_classification, lead_list


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: my open leads by temperature and what is due next."""
    user = request.user
    filters = LeadFilters(
        classification=request.GET.get("classification", ""),
        q=request.GET.get("q", "").strip(),
        assignee="me" if user.is_agent else request.GET.get("assignee", ""),
    )
    leads = lead_list(user=user, filters=filters).exclude(status__in=[LeadStatus.WON, LeadStatus.LOST])
    page = Paginator(leads.order_by("-score", "-pk"), 20).get_page(request.GET.get("page"))
    due = (
        lead_list(user=user, filters=LeadFilters(assignee="me"))
        .filter(next_action_at__isnull=False, next_action_at__lte=timezone.now() + timedelta(days=1))
        .exclude(status__in=[LeadStatus.WON, LeadStatus.LOST])
        .order_by("next_action_at")[:10]
    )
    counts = lead_counts_by_classification(user=user)
    return render(
        request,
        "leads/home.html",
        {
            "page": page,
            "due": due,
            "counts": [(c, counts.get(c.value, 0)) for c in Classification],
            "total_open": sum(counts.values()),
            "filters": filters,
            "now": timezone.now(),
        },
    )
