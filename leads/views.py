from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import assignable_users_list
from core.errors import ApplicationError
from leads.models import Classification, LeadStatus
from leads.pipeline import PipelineFilters, pipeline_board, pipeline_lead_move
from leads.selectors import LeadFilters, lead_counts_by_classification, lead_get_for_user, lead_list
from operators.models import Operator


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


# ---------------------------------------------------------------------------------------------
# Pipeline (kanban)
# ---------------------------------------------------------------------------------------------
def _pipeline_filters(request: HttpRequest) -> PipelineFilters:
    return PipelineFilters(
        assignee=request.GET.get("assignee", "")[:10],
        operator=request.GET.get("operator", "")[:10],
        classification=request.GET.get("classification", "")[:4],
    )


@login_required
@require_GET
def pipeline(request: HttpRequest) -> HttpResponse:
    """The kanban of leads by status; cards are dragged between columns (see ``pipeline_move``)."""
    user = request.user
    filters = _pipeline_filters(request)
    columns = pipeline_board(user=user, filters=filters)
    return render(
        request,
        "leads/pipeline.html",
        {
            "columns": columns,
            "filters": filters,
            "can_move": user.has_perm("leads.change_lead"),
            "agents": [] if user.is_agent else list(assignable_users_list(user=user)),
            "operators": list(Operator.objects.order_by("name").only("pk", "name")),
            "classifications": Classification.choices,
            "lost_status": LeadStatus.LOST,
        },
    )


@login_required
@require_POST
def pipeline_move(request: HttpRequest, pk: int) -> JsonResponse:
    """Move one card: ``status`` (and ``lost_reason`` for lost). JSON answer with the new column totals."""
    lead = lead_get_for_user(user=request.user, lead_id=pk)
    try:
        lead = pipeline_lead_move(
            actor=request.user,
            lead=lead,
            status=request.POST.get("status", ""),
            lost_reason=request.POST.get("lost_reason", ""),
        )
    except ApplicationError as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    columns = pipeline_board(user=request.user, filters=_pipeline_filters(request), per_column=0)
    return JsonResponse(
        {
            "id": lead.pk,
            "status": lead.status,
            "status_label": lead.get_status_display(),
            "columns": [column.as_dict() for column in columns],
        }
    )
