"""Product photos in admin: a JPEG or PNG up to 5 MB is stored and previewed; anything else is refused."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from operators.models import PRODUCT_IMAGE_MAX_BYTES, ProductImage
from tests.operators.factories import ProductFactory

pytestmark = pytest.mark.django_db


def picture(fmt: str = "PNG", size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def staff_client(client, admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    return client


def change_form(product, upload) -> dict[str, object]:
    """The product's change form as admin posts it, with one new photo in the inline."""
    return {
        "operator": product.operator_id or "", "category": product.category, "sku": product.sku,
        "name": product.name, "brand": product.brand, "description": "", "is_active": "on",
        "speed_mbps": "", "data_gb": "", "capacity_gb": "", "color": "", "attributes": "{}",
        "price": str(product.price), "wholesale_price": "", "discount_percent": "0", "currency": product.currency,
        "stock": "", "benefits": "",
        "images-TOTAL_FORMS": "1", "images-INITIAL_FORMS": "0", "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-image": upload, "images-0-caption": "Vista frontal", "images-0-position": "0",
        "_continue": "Guardar",
    }


def test_admin_stores_a_png_photo_and_shows_its_preview(staff_client):
    product = ProductFactory()
    url = reverse("admin:operators_product_change", args=[product.pk])

    response = staff_client.post(url, change_form(product, SimpleUploadedFile("frente.png", picture(), "image/png")))

    assert response.status_code == 302, response.content[:2000]
    photo = ProductImage.objects.get(product=product)
    assert photo.image.name.startswith("operators/products/") and photo.caption == "Vista frontal"
    page = staff_client.get(url).content.decode()
    assert f'src="{photo.image.url}"' in page and 'class="crm-thumb"' in page


def test_admin_refuses_a_file_that_is_not_a_photo_even_named_jpg(staff_client):
    product = ProductFactory()
    url = reverse("admin:operators_product_change", args=[product.pk])
    fake = SimpleUploadedFile("foto.jpg", b"%PDF-1.4 not an image at all", "image/jpeg")

    response = staff_client.post(url, change_form(product, fake))

    assert response.status_code == 200  # the form again, with the error
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["image"]
    assert not ProductImage.objects.exists()


def test_admin_refuses_a_gif_because_whatsapp_sends_only_jpeg_or_png(staff_client):
    product = ProductFactory()
    url = reverse("admin:operators_product_change", args=[product.pk])

    response = staff_client.post(url, change_form(product, SimpleUploadedFile("anim.gif", picture("GIF"), "image/gif")))

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors[0]["image"]
    assert any("JPEG" in str(e) for e in errors)
    assert not ProductImage.objects.exists()


def test_admin_refuses_a_photo_over_five_megabytes(staff_client):
    product = ProductFactory()
    url = reverse("admin:operators_product_change", args=[product.pk])
    big = picture("PNG") + b"\0" * PRODUCT_IMAGE_MAX_BYTES  # a valid PNG with trailing bytes: over the limit

    response = staff_client.post(url, change_form(product, SimpleUploadedFile("grande.png", big, "image/png")))

    assert response.status_code == 200
    assert not ProductImage.objects.exists()
