from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        # Imported here, as in every ready(): services load only once the apps registry is ready.
        from core import events
        from leads.purchases import purchase_source_register
        from notifications import kinds
        from sales.purchases import SalesPurchases
        from sales.subscribers import message_received_accept_quote, sale_validated_send_receipt

        events.subscribe("message.received", message_received_accept_quote, order=10)
        events.subscribe("sale.validated", sale_validated_send_receipt, order=10)
        purchase_source_register(SalesPurchases())  # leads' RFM, outreach and pipeline read sales through it

        kinds.register("quote.accepted", label=_("Quote accepted"), icon="quote")
        kinds.register("sale.validated", label=_("Sale validated"), icon="sale")
        kinds.register("sale.rejected", label=_("Sale rejected"), icon="sale")
