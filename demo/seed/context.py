"""What every section of the demo shares: the run's clock, the demo users, the channel accounts, the
catalog by SKU, and the progress printer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from accounts.models import User
from conversations.models import ChannelAccount
from operators.models import Category, Product

DEMO_TAG = "demo"  # on every contact the demo creates: ``seed_demo --reset`` deletes what hangs on them


@dataclass
class SeedContext:
    now: datetime
    users: dict[str, User]
    accounts: dict[str, ChannelAccount]  # "whatsapp" / "instagram"
    write: Callable[[str], None]
    counts: Counter = field(default_factory=Counter)
    _products: dict[str, Product] = field(default_factory=dict)

    def product(self, sku: str) -> Product:
        if not self._products:
            self._products = {p.sku: p for p in Product.objects.select_related("operator")}
        return self._products[sku]

    def in_stock(self, *skus: str, quantity: int = 1) -> Product:
        """The first of ``skus`` that can be sold now (plans keep no stock), else the first one."""
        for sku in skus:
            product = Product.objects.get(sku=sku)
            if product.category not in (Category.DEVICE, Category.ACCESSORY) or (product.stock or 0) >= quantity:
                return product
        return Product.objects.get(sku=skus[0])

    def clamp(self, moment: datetime) -> datetime:
        """Nothing in the demo happens later than a minute ago."""
        return min(moment, self.now - timedelta(minutes=1))
