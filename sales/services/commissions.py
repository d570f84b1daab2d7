"""Commissions: the most specific active rule per sale line, counted in the month of the sale."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.utils import timezone

from operators.models import Product
from sales.models import Commission, CommissionRule, Sale, SaleLine
from sales.services.pricing import HUNDRED, money


def month_start(moment: date) -> date:
    return moment.replace(day=1)


def commission_rule_match(
    *, product: Product | None, sale_type: str, rules: Sequence[CommissionRule]
) -> CommissionRule | None:
    """The matching rule with the most criteria (operator > category > sale type); oldest on a tie."""
    operator_id = product.operator_id if product else None
    category = product.category if product else ""
    matching = [
        rule for rule in rules
        if rule.is_active
        and (rule.operator_id is None or rule.operator_id == operator_id)
        and (not rule.category or rule.category == category)
        and (not rule.sale_type or rule.sale_type == sale_type)
    ]
    if not matching:
        return None
    return max(matching, key=lambda rule: (rule.specificity, -rule.pk))


def commission_amount(*, rule: CommissionRule, line: SaleLine) -> Decimal:
    if rule.kind == CommissionRule.Kind.FIXED:
        return money(rule.value * line.quantity)
    return money(line.line_total * rule.value / HUNDRED)


def sale_commissions_compute(*, sale: Sale) -> list[Commission]:
    """Replace the commissions of ``sale`` (call inside the validating transaction)."""
    Commission.objects.filter(sale=sale).delete()
    rules = list(CommissionRule.objects.filter(is_active=True))
    month = month_start(timezone.localdate(sale.sold_at))
    created = []
    for line in sale.lines.select_related("product"):
        rule = commission_rule_match(product=line.product, sale_type=sale.sale_type, rules=rules)
        if rule is None:
            continue
        created.append(Commission(sale=sale, line=line, agent_id=sale.agent_id, rule=rule,
                                  amount=commission_amount(rule=rule, line=line), currency=sale.currency,
                                  month=month))
    return Commission.objects.bulk_create(created)
