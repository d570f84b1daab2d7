from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from core.models import BaseModel
from core.text import tokens

hex_colour = RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("Use a colour such as #E30613."))


class Operator(BaseModel):
    """A carrier or brand whose plans and devices the business sells (Claro, Movistar, ...)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    logo = models.ImageField(_("logo"), upload_to="operators/", blank=True)
    primary_color = models.CharField(_("primary colour"), max_length=7, default="#0D6EFD", validators=[hex_colour])
    secondary_color = models.CharField(
        _("secondary colour"), max_length=7, default="#FFFFFF", validators=[hex_colour]
    )
    website = models.URLField(_("website"), blank=True)
    support_phone = models.CharField(_("support phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    INTERNET_HOME = "internet_home", _("Home internet")
    MOBILE = "mobile", _("Mobile")
    TV = "tv", _("TV")
    COMBO = "combo", _("Combo")
    DEVICE = "device", _("Device")
    ACCESSORY = "accessory", _("Accessory")
    OTHER = "other", _("Other")


class Product(BaseModel):
    """A plan, a device or an accessory, with its price and stock."""

    operator = models.ForeignKey(
        Operator,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, db_index=True)
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    brand = models.CharField(_("brand"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    speed_mbps = models.PositiveIntegerField(_("speed (Mbps)"), null=True, blank=True)
    data_gb = models.DecimalField(_("data (GB)"), max_digits=7, decimal_places=1, null=True, blank=True)
    capacity_gb = models.PositiveIntegerField(_("capacity (GB)"), null=True, blank=True)
    color = models.CharField(_("colour"), max_length=40, blank=True)
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    wholesale_price = models.DecimalField(
        _("wholesale price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Empty for plans and services without stock.")
    )
    benefits = models.TextField(_("benefits"), blank=True, help_text=_("One benefit per line."))
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["category", "name"]
        indexes = [
            models.Index(fields=["operator", "category", "is_active"], name="product_catalog_idx"),
            # The default ordering: keeps the catalog list an index scan at 100k products.
            models.Index(fields=["category", "name", "id"], name="product_ordering_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="product_discount_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def final_price(self) -> Decimal:
        return (self.price * (Decimal("100") - self.discount_percent) / Decimal("100")).quantize(Decimal("0.01"))

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0

    @property
    def benefit_list(self) -> list[str]:
        return [line.strip() for line in self.benefits.splitlines() if line.strip()]

    def build_search_text(self) -> str:
        """Accent-free words a customer might type for this product, padded for word-prefix matches."""
        parts: list[str] = [self.name, self.sku, self.brand, self.color, self.get_category_display()]
        if self.operator_id and self.operator:
            parts.append(self.operator.name)
        if self.capacity_gb:
            parts += [f"{self.capacity_gb}gb", f"{self.capacity_gb} gb"]
        if self.speed_mbps:
            parts += [f"{self.speed_mbps}mbps", f"{self.speed_mbps} mbps"]
        if self.data_gb is not None:
            data = f"{self.data_gb.normalize():f}"
            parts += [f"{data}gb", f"{data} gb"]
        parts += [str(v) for v in (self.attributes or {}).values()]
        words = list(dict.fromkeys(tokens(" ".join(str(p) for p in parts if p))))
        return " " + " ".join(words) + " "

    def save(self, *args: object, **kwargs: object) -> None:
        # Derived data only; no side effects.
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


# What WhatsApp accepts as an image message (JPEG or PNG, at most 5 MB); a photo outside that would fail at send.
PRODUCT_IMAGE_MAX_BYTES = 5 * 1024 * 1024
PRODUCT_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def validate_product_image(value: UploadedFile) -> None:
    """A JPEG or PNG of at most 5 MB, read from the file's content (its name and declared type are not trusted)."""
    size = getattr(value, "size", None)
    if size is not None and size > PRODUCT_IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (at most 5 MB, as WhatsApp accepts)."), code="image_too_large"
        )
    image = getattr(value, "image", None)  # set by ImageField's form field after Pillow read the upload
    image_format = getattr(image, "format", None)
    if image_format is None:
        try:
            value.seek(0)
            with Image.open(value) as opened:
                image_format = opened.format
        except (UnidentifiedImageError, OSError, ValueError):
            image_format = None
        finally:
            value.seek(0)
    if image_format not in PRODUCT_IMAGE_FORMATS:
        raise ValidationError(_("Upload a JPEG or PNG photo."), code="image_format")


class ProductImage(BaseModel):
    """A photo of a product; the first (by position) is the one the assistant sends with the product."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        _("photo"), upload_to="operators/products/%Y/%m/", validators=[validate_product_image],
        help_text=_("JPEG or PNG, at most 5 MB."),
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")
        ordering = ["product", "position", "pk"]
        indexes = [models.Index(fields=["product", "position"], name="product_image_order_idx")]

    def __str__(self) -> str:
        return self.caption or self.image.name
