"""The collector's screen: the work list, a debt's page (its log and the forms to log an action, make an agreement
and record a payment) and the calendar of follow-ups, promises and instalments. Thin: selectors, forms, services.

Every page scopes through the debt selectors (an agent their debts, a supervisor their teams' and the
unassigned, back office and admins all): another person's debt is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.policy import Reach, role_reach
from agreements.forms import ActionForm, AgreementForm, PaymentForm, apply_error
from agreements.models import ContactStatus, Debt, PaymentAgreement
from agreements.selectors import (
    FOLLOWUP,
    INSTALLMENT,
    PROMISE,
    CalendarEntry,
    WorkFilters,
    calendar_agents,
    calendar_teams,
    collection_calendar,
    collection_campaigns,
    collection_debt_get_for_user,
    collection_timeline,
    collection_work_list,
    debt_contact_conversation,
    debt_current_agreement,
)
from agreements.services import collection_action_log, collection_agreement_create, payment_record
from agreements.services.collection import may_log_actions
from core.errors import ApplicationError
from core.params import parse_date, parse_id

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the work list -------------------------------------------------------------------------------------------
@login_required
@require_GET
def work_list(request: HttpRequest) -> HttpResponse:
    """``/collections/?status=&campaign=&q=&due=today&agent=&settled=1``: the debts to work, most urgent first."""
    user = _user(request)
    supervises = role_reach(user) >= Reach.TEAMS
    filters = WorkFilters(
        status=request.GET.get("status", ""), campaign=request.GET.get("campaign", "")[:100],
        q=request.GET.get("q", "").strip()[:100], due_today=request.GET.get("due") == "today",
        agent=request.GET.get("agent", "") if supervises else "", settled=request.GET.get("settled") == "1",
    )
    page = Paginator(collection_work_list(user=user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return render(request, "agreements/work_list.html", {
        "page": page, "filters": filters, "query": query, "statuses": ContactStatus.choices,
        "campaigns": collection_campaigns(user=user), "supervises": supervises,
        "agents": calendar_agents(user=user) if supervises else [],
        "now": timezone.now(), "today": timezone.localdate(),
    })


# --- a debt's page -------------------------------------------------------------------------------------------
def _may_negotiate(user: User, debt: Debt) -> bool:
    if user.is_backoffice or not user.has_perm("agreements.add_paymentagreement"):
        return False
    return not user.is_agent or debt.assignee_id == user.pk


def _debt_page(request: HttpRequest, debt_id: int, *, action_form: ActionForm | None = None,
               agreement_form: AgreementForm | None = None, payment_form: PaymentForm | None = None,
               status: int = 200) -> HttpResponse:
    user = _user(request)
    debt = collection_debt_get_for_user(user=user, debt_id=debt_id)
    current = debt_current_agreement(debt)
    has_open = current is not None and current.state in PaymentAgreement.OPEN_STATES
    may_pay = (current is not None and current.state in PaymentAgreement.PAYABLE_STATES
               and user.has_perm("agreements.add_payment"))
    may_log = may_log_actions(user, debt)
    may_negotiate = _may_negotiate(user, debt) and not has_open and debt.outstanding > 0  # type: ignore[attr-defined]
    for form, shown in ((action_form, may_log), (agreement_form, may_negotiate), (payment_form, may_pay)):
        if form is not None and not shown:  # refused, and the page no longer offers that form: say why on top
            for error in form.non_field_errors():
                messages.error(request, error)
    context: dict[str, Any] = {
        "debt": debt, "agreement": current, "timeline": collection_timeline(debt=debt),
        "conversation": debt_contact_conversation(user=user, debt=debt),
        "paid_percent": _percent(debt.paid, debt.original_amount),  # type: ignore[attr-defined]
        "may_log": may_log, "may_negotiate": may_negotiate,
        "may_pay": may_pay,
        "action_form": action_form or ActionForm(),
        "agreement_form": agreement_form or AgreementForm(initial={
            "first_due_date": timezone.localdate() + timedelta(days=7)}),
        "payment_form": payment_form or PaymentForm(),
        "today": timezone.localdate(),
    }
    return render(request, "agreements/debt_detail.html", context, status=status)


def _percent(part: Any, whole: Any) -> int:
    if not whole:
        return 0
    return max(0, min(100, int(100 * part / whole)))


@login_required
@require_GET
def debt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _debt_page(request, pk)


def _submit(request: HttpRequest, pk: int, form: forms.Form, form_key: str, run: Any, done: str) -> HttpResponse:
    """Validate ``form``; run the service; on success back to the debt's page with ``done``, else the page with
    the form's errors (400)."""
    if form.is_valid():
        try:
            run(form)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("collections:debt", pk=pk)
    return _debt_page(request, pk, status=400, **{form_key: form})


@login_required
@require_POST
def action_log(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    debt = collection_debt_get_for_user(user=user, debt_id=pk)

    def run(form: ActionForm) -> None:
        data = form.cleaned_data
        collection_action_log(
            actor=user, debt=debt, kind=data["kind"], result=data["result"], notes=data["notes"],
            promised_amount=data["promised_amount"], promised_date=data["promised_date"],
            next_step=data["next_step"], next_step_at=data["next_step_at"],
        )

    return _submit(request, pk, ActionForm(request.POST), "action_form", run, _("Action logged."))


@login_required
@require_POST
def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    debt = collection_debt_get_for_user(user=user, debt_id=pk)

    def run(form: AgreementForm) -> None:
        data = form.cleaned_data
        collection_agreement_create(
            actor=user, debt=debt, discount_percent=data["discount_percent"], installments=data["installments"],
            first_due_date=data["first_due_date"], interval_days=data["interval_days"], notes=data["notes"],
        )

    return _submit(request, pk, AgreementForm(request.POST), "agreement_form", run, _("Agreement created."))


@login_required
@require_POST
def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    debt = collection_debt_get_for_user(user=user, debt_id=pk)

    def run(form: PaymentForm) -> None:
        agreement = debt_current_agreement(debt)
        if agreement is None:
            raise ApplicationError(_("This debt has no agreement to pay into."), code="no_agreement")
        data = form.cleaned_data
        payment_record(actor=user, agreement=agreement, amount=data["amount"], paid_at=form.paid_at(),
                       method=data["method"], reference=data["reference"])

    return _submit(request, pk, PaymentForm(request.POST), "payment_form", run, _("Payment recorded."))


# --- the calendar --------------------------------------------------------------------------------------------
@dataclass
class Day:
    day: date
    entries: list[CalendarEntry] = field(default_factory=list)
    is_today: bool = False
    url: str = ""  # this day in the day view


@dataclass
class Hour:
    hour: int
    entries: list[CalendarEntry] = field(default_factory=list)


FIRST_HOUR, LAST_HOUR = 8, 20  # the day view always shows these hours; others only when something is due


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """``/collections/calendar/?view=day|week&date=YYYY-MM-DD&team=&agent=``: follow-ups, promised payments and
    instalments due; a week is Monday to Sunday."""
    user = _user(request)
    view = "day" if request.GET.get("view") == "day" else "week"
    today = timezone.localdate()
    anchor = parse_date(request.GET.get("date")) or today
    supervises = role_reach(user) >= Reach.TEAMS
    teams = calendar_teams(user=user)
    team_id = parse_id(request.GET.get("team")) if supervises else None
    if team_id is not None and not teams.filter(pk=team_id).exists():
        team_id = None
    agents = calendar_agents(user=user, team_id=team_id)
    agent_id = parse_id(request.GET.get("agent")) if supervises else None
    if agent_id is not None and not agents.filter(pk=agent_id).exists():
        agent_id = None
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        end, step = start + timedelta(days=6), 7
    else:
        start = end = anchor
        step = 1

    def link(**changes: Any) -> str:
        params = {"view": view, "date": anchor.isoformat(), "team": team_id or "", "agent": agent_id or ""}
        params.update(changes)
        return "?" + urlencode({k: v for k, v in params.items() if v})

    entries = collection_calendar(user=user, start=start, end=end, team_id=team_id, agent_id=agent_id)
    days = []
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        days.append(Day(day=day, is_today=day == today, url=link(view="day", date=day.isoformat())))
    for entry in entries:
        days[(entry.day - start).days].entries.append(entry)
    all_day = [e for e in entries if e.is_all_day]
    hours = {h: Hour(hour=h) for h in range(FIRST_HOUR, LAST_HOUR + 1)}
    for entry in entries:
        if entry.hour is not None:
            hours.setdefault(entry.hour, Hour(hour=entry.hour)).entries.append(entry)

    return render(request, "agreements/calendar.html", {
        "view": view, "start": start, "end": end, "anchor": anchor, "today": today, "days": days,
        "all_day": all_day, "hours": [hours[h] for h in sorted(hours)], "entries": entries,
        "counts": {kind: sum(e.kind == kind for e in entries) for kind in (FOLLOWUP, PROMISE, INSTALLMENT)},
        "supervises": supervises, "teams": teams, "agents": agents, "team_id": team_id, "agent_id": agent_id,
        "prev_url": link(date=(anchor - timedelta(days=step)).isoformat()),
        "next_url": link(date=(anchor + timedelta(days=step)).isoformat()),
        "today_url": link(date=today.isoformat()),
        "week_url": link(view="week"), "day_url": link(view="day"),
        "now": timezone.localtime(),
    })
