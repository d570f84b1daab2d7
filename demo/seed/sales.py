"""Purchases made before the demo's month (in the shop), as sales' services record them, dated back.

They give the contacts their purchase history, so the outreach profiles (``leads.rfm``) differ: a
first purchase this month, repeat buyers, a VIP, customers silent for half a year, one who came back.
Each sale is created by its agent, dated to its day (so its commissions fall in that month), validated
by the back office, and its receipt is rendered and counted as handed over in the shop.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from demo.seed.context import SeedContext
from demo.seed.script import Purchase
from leads.models import Contact
from sales.models import Commission, Sale
from sales.services.sales import sale_create, sale_receipt_store, sale_validate


def purchase_in_shop(ctx: SeedContext, contact: Contact, purchase: Purchase) -> datetime:
    """Record ``purchase`` for ``contact``; returns when it was sold."""
    skus, _, quantity = purchase.sku.partition("*")
    units = int(quantity or 1)
    product = ctx.in_stock(*skus.split("|"), quantity=units)
    local = timezone.localtime(ctx.now) - timedelta(days=purchase.days_ago)
    sold_at = ctx.clamp(local.replace(hour=11 + purchase.days_ago % 7, minute=(purchase.days_ago * 7) % 60,
                                      second=0, microsecond=0))
    sale = sale_create(actor=ctx.users[purchase.agent], contact=contact,
                       lines=[{"product": product, "quantity": units}], payment_method=purchase.payment,
                       notes="Venta en tienda")
    Sale.objects.filter(pk=sale.pk).update(sold_at=sold_at, created_at=sold_at)  # before validation: its month
    sale = sale_validate(actor=ctx.users["backoffice"], sale=Sale.objects.get(pk=sale.pk))
    sale_receipt_store(sale=sale)
    validated_at = ctx.clamp(sold_at + timedelta(hours=2))
    Sale.objects.filter(pk=sale.pk).update(validated_at=validated_at, receipt_sent_at=validated_at,
                                           updated_at=validated_at)
    Commission.objects.filter(sale=sale).update(created_at=validated_at, updated_at=validated_at)
    return sold_at
