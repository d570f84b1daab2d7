"""Pages of the chat panel for quotes, sales and commissions. Thin: selectors and services only."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from conversations.selectors import conversation_get_for_user
from core.errors import ApplicationError
from core.money import format_money
from core.params import parse_date, parse_id, parse_int
from operators.selectors import product_search
from sales.models import Quote, Sale, SaleType
from sales.selectors import (
    QuoteFilters,
    SaleFilters,
    commission_monthly_totals,
    quote_get_for_user,
    quote_list,
    sale_get_for_user,
    sale_list,
)
from sales.services.pricing import discount_limit_for, lines_price, lines_totals
from sales.services.quotes import quote_create, quote_reject, quote_send
from sales.services.roles import can_sell, can_validate
from sales.services.sales import sale_cancel, sale_create, sale_reject, sale_validate

PAGE_SIZE = 25
MAX_LINES = 20


def _posted_lines(request: HttpRequest) -> list[dict[str, Any]]:
    """``product``, ``quantity`` and ``discount`` come as parallel lists, one entry per row."""
    products = request.POST.getlist("product")
    quantities = request.POST.getlist("quantity")
    discounts = request.POST.getlist("discount")
    lines = []
    for index, product in enumerate(products[:MAX_LINES]):
        product_id = parse_id(product)
        if product_id is None:
            continue
        lines.append({
            "product": product_id,
            "quantity": quantities[index] if index < len(quantities) else 1,
            "discount_percent": (discounts[index] if index < len(discounts) else "") or 0,
        })
    return lines


@login_required
@require_http_methods(["GET", "POST"])
def quote_new(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    context: dict[str, Any] = {
        "conversation": conversation, "limit": discount_limit_for(user), "sale_types": SaleType.choices,
        "error": "", "can_sell": can_sell(user),
    }
    if request.method == "POST":
        try:
            raw_days = request.POST.get("valid_days") or "7"
            quote = quote_create(
                actor=user, contact=conversation.contact, conversation=conversation, lines=_posted_lines(request),
                valid_days=parse_int(raw_days, minimum=0, maximum=10_000) or 0,
                notes=request.POST.get("notes", ""), sale_type=request.POST.get("sale_type", ""),
            )
            if request.POST.get("send"):
                quote_send(actor=user, quote=quote)
                messages.success(request, _("Quote %(number)s sent to the customer.") % {"number": quote.number})
            else:
                messages.success(request, _("Quote %(number)s created.") % {"number": quote.number})
            return redirect("sales:quote", pk=quote.pk)
        except ApplicationError as exc:
            context["error"] = exc.message
    return render(request, "sales/quote_new.html", context, status=400 if context["error"] else 200)


@login_required
@require_POST
def quote_preview(request: HttpRequest, conversation_id: int) -> JsonResponse:
    """The live total of the quote form: priced exactly as the quote will be."""
    user: User = request.user  # type: ignore[assignment]
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    try:
        priced = lines_price(actor=user, contact=conversation.contact, lines=_posted_lines(request))
        totals = lines_totals(priced)
    except ApplicationError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=400)
    currency = totals.currency
    return JsonResponse({
        "currency": currency, "subtotal": str(totals.subtotal), "discount_total": str(totals.discount_total),
        "total": str(totals.total),
        # the same amounts as the page writes them ("S/ 4,000.00"), for the form to show as they are
        "subtotal_display": format_money(totals.subtotal, currency),
        "discount_total_display": format_money(totals.discount_total, currency),
        "total_display": format_money(totals.total, currency),
        "lines": [{"product": line.product.pk if line.product else None, "unit_price": str(line.unit_price),
                   "line_total": str(line.line_total), "line_total_display": format_money(line.line_total, currency)}
                  for line in priced],
    })


@login_required
@require_GET
def product_lookup(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "").strip()[:100]
    products = list(product_search(query=query)[:15]) if query else []
    return JsonResponse({"results": [
        {"id": p.pk, "name": p.name, "sku": p.sku, "price": str(p.final_price), "currency": p.currency,
         "price_display": format_money(p.final_price, p.currency),
         "stock": p.stock, "operator": p.operator.name if p.operator_id else ""}
        for p in products
    ]})


@login_required
@require_GET
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    quote = quote_get_for_user(user=user, quote_id=pk)
    return render(request, "sales/quote_detail.html", {
        "quote": quote, "can_sell": can_sell(user), "payment_methods": Sale.PaymentMethod.choices,
        "sale": getattr(quote, "sale", None),
    })


def _quote_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    quote = quote_get_for_user(user=user, quote_id=pk)
    try:
        if action == "send":
            quote_send(actor=user, quote=quote)
            messages.success(request, _("Quote %(number)s sent to the customer.") % {"number": quote.number})
        elif action == "accept":
            sale = sale_create(
                actor=user, quote=quote, payment_method=request.POST.get("payment_method", ""),
                delivery_address=request.POST.get("delivery_address", ""),
                delivery_date=parse_date(request.POST.get("delivery_date") or ""),
            )
            messages.success(request, _("Sale %(number)s created; back office will validate it.")
                             % {"number": sale.number})
            return redirect("sales:sale", pk=sale.pk)
        elif action == "reject":
            quote_reject(quote=quote, actor=user, reason=request.POST.get("reason", ""))
            messages.info(request, _("Quote %(number)s rejected.") % {"number": quote.number})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("sales:quote", pk=pk)


@login_required
@require_POST
def quote_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _quote_action(request, pk, "send")


@login_required
@require_POST
def quote_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _quote_action(request, pk, "accept")


@login_required
@require_POST
def quote_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _quote_action(request, pk, "reject")


@login_required
@require_GET
def sales_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    status = request.GET.get("status", "")
    status = status if status in Sale.Status.values else ""
    page = Paginator(sale_list(user=user, filters=SaleFilters(status=status)), PAGE_SIZE).get_page(
        request.GET.get("page"))
    quotes = quote_list(user=user, filters=QuoteFilters(status=Quote.Status.PENDING))[:10]
    return render(request, "sales/sales_list.html", {
        "page": page, "status": status, "statuses": Sale.Status.choices, "quotes": quotes,
    })


@login_required
@require_GET
def sale_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    sale = sale_get_for_user(user=user, sale_id=pk)
    return render(request, "sales/sale_detail.html", {"sale": sale, "can_validate": can_validate(user)})


@login_required
@require_POST
def sale_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    sale = sale_get_for_user(user=user, sale_id=pk)
    try:
        if action == "validate":
            sale_validate(actor=user, sale=sale)
            messages.success(request, _("Sale %(number)s validated.") % {"number": sale.number})
        elif action == "reject":
            sale_reject(actor=user, sale=sale, reason=request.POST.get("reason", ""))
            messages.info(request, _("Sale %(number)s rejected.") % {"number": sale.number})
        elif action == "cancel":
            sale_cancel(actor=user, sale=sale, reason=request.POST.get("reason", ""))
            messages.info(request, _("Sale %(number)s cancelled.") % {"number": sale.number})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("sales:sale", pk=pk)


@login_required
@require_GET
def commissions(request: HttpRequest) -> HttpResponse:
    """Monthly commission per agent: the agent's own, a supervisor's team, everyone for back office."""
    user: User = request.user  # type: ignore[assignment]
    totals = commission_monthly_totals(user=user, months=6)
    by_month: dict[Any, list[Any]] = defaultdict(list)
    for row in totals:
        by_month[row.month].append(row)
    month_sums = [(month, sum((r.amount for r in rows), Decimal("0"))) for month, rows in by_month.items()]
    peak = max((amount for _, amount in month_sums), default=Decimal("0"))
    bars = [
        {"month": month, "amount": amount, "rows": by_month[month],
         "width": int(100 * amount / peak) if peak else 0}
        for month, amount in sorted(month_sums, key=lambda item: item[0])
    ]
    agent_peak = max((row.amount for row in totals), default=Decimal("0"))
    rows = [{"row": row, "width": int(100 * row.amount / agent_peak) if agent_peak else 0} for row in totals]
    return render(request, "sales/commissions.html", {"bars": bars, "rows": rows})
