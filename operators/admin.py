from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_tools import badge, excel_response
from core.money import format_money
from core.paginators import EstimatedCountPaginator
from operators.models import Category, Operator, Product, ProductImage
from operators.selectors import product_search
from operators.services import products_active_set

CATEGORY_COLOURS = {
    Category.INTERNET_HOME: "primary",
    Category.MOBILE: "success",
    Category.TV: "info",
    Category.COMBO: "dark",
    Category.DEVICE: "warning",
    Category.ACCESSORY: "secondary",
    Category.OTHER: "secondary",
}
LOW_STOCK = 5


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ("brand", "slug", "product_count", "support_phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Operator]:
        return super().get_queryset(request).annotate(n_products=Count("products"))

    @admin.display(description=_("operator"), ordering="name")
    def brand(self, obj: Operator) -> str:
        return format_html(
            '<span class="crm-swatch" data-colour="{}"></span>{}',
            obj.primary_color,
            obj.name,
        )

    @admin.display(description=_("products"), ordering="n_products")
    def product_count(self, obj: Operator) -> int:
        return obj.n_products


class StockFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "stock_state"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("out", _("Out of stock")), ("low", _("Low stock")), ("ok", _("In stock")), ("na", _("Not tracked"))]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return {
            "out": queryset.filter(stock=0),
            "low": queryset.filter(stock__gt=0, stock__lte=LOW_STOCK),
            "ok": queryset.filter(Q(stock__gt=LOW_STOCK)),
            "na": queryset.filter(stock__isnull=True),
        }.get(self.value(), queryset)


class ProductImageInline(admin.TabularInline):
    """The product's photos; the first (lowest position) is the one the assistant sends on WhatsApp."""

    model = ProductImage
    extra = 1
    fields = ("thumbnail", "image", "caption", "position")
    readonly_fields = ("thumbnail",)

    @admin.display(description=_("preview"))
    def thumbnail(self, obj: ProductImage) -> str:
        if not obj.pk or not obj.image:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" class="crm-thumb" width="80" height="80" style="object-fit:cover">',
            obj.image.url, obj.caption or obj.product.name,
        )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    inlines = (ProductImageInline,)
    list_display = (
        "sku",
        "name",
        "operator",
        "category_badge",
        "price",
        "final_price_display",
        "stock_badge",
        "stock",
        "is_active",
    )
    list_display_links = ("sku", "name")
    list_editable = ("price", "stock", "is_active")
    list_filter = ("category", "operator", "is_active", StockFilter)
    list_select_related = ("operator",)
    list_per_page = 50
    search_fields = ("name", "sku", "brand")
    search_help_text = _("Accents and case do not matter: “cargador”, “iphone 15 pro 256”.")
    autocomplete_fields = ("operator",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    actions = ("activate", "deactivate", "export_excel")
    fieldsets = (
        (None, {"fields": ("operator", "category", "sku", "name", "brand", "description", "is_active")}),
        (_("Attributes"), {"fields": ("speed_mbps", "data_gb", "capacity_gb", "color", "attributes")}),
        (_("Price and stock"), {"fields": ("price", "wholesale_price", "discount_percent", "currency", "stock")}),
        (_("Benefits"), {"fields": ("benefits",)}),
    )

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        if not search_term.strip():
            return queryset, False
        return product_search(query=search_term, queryset=queryset), False

    @admin.display(description=_("category"), ordering="category")
    def category_badge(self, obj: Product) -> str:
        return badge(obj.get_category_display(), CATEGORY_COLOURS.get(obj.category, "secondary"))

    @admin.display(description=_("final price"))
    def final_price_display(self, obj: Product) -> str:
        price = format_money(obj.final_price, obj.currency)
        if obj.discount_percent:
            return format_html("<strong>{}</strong> <small>(−{}%)</small>", price, obj.discount_percent.normalize())
        return price

    @admin.display(description=_("availability"), ordering="stock")
    def stock_badge(self, obj: Product) -> str:
        if obj.stock is None:
            return badge(_("Not tracked"), "secondary")
        if obj.stock == 0:
            return badge(_("Out of stock"), "danger")
        if obj.stock <= LOW_STOCK:
            return badge(_("Low stock"), "warning")
        return badge(_("In stock"), "success")

    @admin.action(description=_("Activate selected products"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        n = products_active_set(products=queryset, active=True)
        self.message_user(request, _("%(n)d products activated.") % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("Deactivate selected products"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        n = products_active_set(products=queryset, active=False)
        self.message_user(request, _("%(n)d products deactivated.") % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("Export selection to Excel"))
    def export_excel(self, request: HttpRequest, queryset: QuerySet[Product]):  # type: ignore[no-untyped-def]
        columns = [
            (_("SKU"), lambda p: p.sku),
            (_("name"), lambda p: p.name),
            (_("operator"), lambda p: p.operator.name if p.operator else ""),
            (_("category"), lambda p: p.get_category_display()),
            (_("price"), lambda p: p.price),
            (_("discount (%)"), lambda p: p.discount_percent),
            (_("final price"), lambda p: p.final_price),
            (_("wholesale price"), lambda p: p.wholesale_price),
            (_("currency"), lambda p: p.currency),
            (_("stock"), lambda p: p.stock),
            (_("active"), lambda p: _("yes") if p.is_active else _("no")),
        ]
        rows = queryset.select_related("operator").order_by("pk").iterator(chunk_size=2000)
        return excel_response(filename="productos.xlsx", sheet=str(_("products")), columns=columns, rows=rows)
