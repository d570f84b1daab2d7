"""Two back-office people validate two sales of the last unit at the same moment: one wins."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import ApplicationError
from operators.models import Category, Product
from sales.models import Sale
from sales.services.sales import sale_cancel, sale_create, sale_validate
from tests.leads.factories import ContactFactory
from tests.operators.factories import ProductFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_validations_of_the_last_unit_leave_stock_at_zero(agent, backoffice, supervisor):
    product = ProductFactory(category=Category.DEVICE, price=Decimal("999.00"), stock=1)
    sales = [sale_create(actor=agent, contact=ContactFactory(), lines=[{"product": product, "quantity": 1}])
             for _ in range(2)]
    validators = [backoffice, supervisor]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def validate(index: int) -> None:
        try:
            barrier.wait(timeout=5)
            sale_validate(actor=validators[index], sale=sales[index])
            result = "validated"
        except ApplicationError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=validate, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["out_of_stock", "validated"]
    assert Product.objects.get(pk=product.pk).stock == 0
    statuses = sorted(Sale.objects.filter(pk__in=[s.pk for s in sales]).values_list("status", flat=True))
    assert statuses == ["pending_validation", "validated"]

    # Cancelling the winner gives the unit back, and the other sale can then be validated.
    winner = Sale.objects.get(status="validated")
    sale_cancel(actor=backoffice, sale=winner)
    assert Product.objects.get(pk=product.pk).stock == 1
    loser = Sale.objects.get(status="pending_validation")
    sale_validate(actor=backoffice, sale=loser)
    assert Product.objects.get(pk=product.pk).stock == 0
