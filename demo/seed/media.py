"""Small pictures the demo's customers and agents send, drawn here (no files to ship, no download).

A customer's photo arrives through the inbound path like any other; its file is then kept the way
``conversations.services.inbound.message_media_fetch`` keeps a downloaded one (the demo's channel
accounts have nothing to download from).
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from conversations.models import Message

DRAWINGS = {
    # name: (background, accent, lines of text)
    "voucher": ("#6A1B9A", "#FFFFFF", ["Yape", "¡Yapeaste!", "S/ 250.00", "Nro. de operación: 04829173"]),
    "cracked_screen": ("#263238", "#B0BEC5", ["(pantalla rota)", "Samsung Galaxy A55"]),
    "router": ("#ECEFF1", "#D32F2F", ["Router", "LOS en rojo"]),
    "product": ("#FFFFFF", "#1565C0", ["iPhone 15", "128 GB · Negro", "Nuevo, sellado"]),
    "coverage": ("#E8F5E9", "#2E7D32", ["Cobertura fibra", "Víctor Larco: sí llega"]),
}


def drawing_jpeg(name: str) -> bytes:
    """A 320×240 JPEG (a few KB) with the drawing's colours and words."""
    background, accent, lines = DRAWINGS[name]
    image = Image.new("RGB", (320, 240), background)
    pen = ImageDraw.Draw(image)
    pen.rectangle((12, 12, 307, 227), outline=accent, width=3)
    for index, line in enumerate(lines):
        pen.text((28, 32 + index * 40), line.encode("latin-1", "replace").decode("latin-1"), fill=accent)
    if name == "cracked_screen":
        pen.line((40, 30, 170, 140, 120, 220), fill=accent, width=2)
        pen.line((170, 140, 290, 90), fill=accent, width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def inbound_photo_keep(*, message: Message, drawing: str) -> None:
    """Keep the drawing as the file of a customer's photo whose download is pending."""
    content = drawing_jpeg(drawing)
    message.media.save(f"{drawing}.jpg", ContentFile(content), save=False)
    message.media_mime = "image/jpeg"
    message.media_size = len(content)
    message.media_state = Message.MediaState.STORED
    message.save(update_fields=["media", "media_mime", "media_size", "media_state", "updated_at"])
