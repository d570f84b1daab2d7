"""The catalog of a telecom reseller and phone shop: four operators with their plans, phones and
accessories with stock, the canned replies, and the commission rules agents earn by.

Keyed on natural keys (slug, SKU, shortcut, rule name): running it again adds only what is missing.
"""

from __future__ import annotations

import random
from decimal import Decimal

from ai.models import KnowledgeEntry
from conversations.models import QuickReply
from core.config_cache import config_invalidate
from operators.models import Category, Operator, Product
from operators.selectors import CATALOG_KEY
from sales.models import CommissionRule, SaleType

OPERATORS = [
    # name, slug, primary, secondary, website, support phone
    ("Claro", "claro", "#DA291C", "#FFFFFF", "https://www.claro.com.pe", "0-800-00-123"),
    ("Movistar", "movistar", "#019DF4", "#5BC500", "https://www.movistar.com.pe", "104"),
    ("Entel", "entel", "#002EFF", "#FF6B00", "https://www.entel.pe", "0-800-11-000"),
    ("Bitel", "bitel", "#00A6A0", "#FFD100", "https://bitel.com.pe", "0-800-79-777"),
]

# Per operator price offsets so the four catalogs differ a little, as in real life.
PRICE_OFFSET = {"claro": 0, "movistar": 5, "entel": -5, "bitel": -15}


def _plans(operator: Operator) -> list[dict]:
    off = Decimal(PRICE_OFFSET[operator.slug])
    code = operator.slug[:3].upper()
    name = operator.name
    plans = []
    for mbps, price in ((50, 69), (100, 89), (200, 119)):
        plans.append({
            "sku": f"{code}-HOG-{mbps}", "category": Category.INTERNET_HOME, "speed_mbps": mbps,
            "name": f"Internet Hogar {mbps} Mbps {name}", "price": Decimal(price) + off,
            "description": f"Fibra óptica simétrica de {mbps} Mbps, router wifi 6 incluido.",
            "benefits": "Instalación gratis\nRouter wifi 6 en comodato\nSin plazo forzoso",
        })
    for gb, price in ((10, 29.9), (20, 39.9)):
        plans.append({
            "sku": f"{code}-MOV-{gb}GB", "category": Category.MOBILE, "data_gb": Decimal(gb),
            "name": f"Plan Móvil {gb} GB {name}", "price": Decimal(str(price)) + off,
            "description": f"{gb} GB en alta velocidad, llamadas y SMS ilimitados.",
            "benefits": "WhatsApp ilimitado\nRoaming en Sudamérica\nPortabilidad sin costo",
        })
    plans.append({
        "sku": f"{code}-TV-CABLE", "category": Category.TV, "name": f"TV Cable Digital {name}",
        "price": Decimal(59) + off, "description": "Más de 120 canales, 40 en HD.",
        "benefits": "Decodificador HD incluido\nCanales de deportes",
    })
    plans.append({
        "sku": f"{code}-COMBO-100-TV", "category": Category.COMBO, "speed_mbps": 100,
        "name": f"Combo Internet 100 Mbps + TV {name}", "price": Decimal(129) + off,
        "description": "Internet de 100 Mbps y TV cable digital en una sola factura.",
        "benefits": "Instalación gratis\n3 meses de canales premium",
    })
    return plans


def _devices() -> list[dict]:
    items: list[dict] = []
    for model, base, colours, code in (
        ("iPhone 15", 3799, ["Negro", "Azul", "Rosado"], "IP15"),
        ("iPhone 15 Pro", 4999, ["Titanio Natural", "Titanio Negro"], "IP15P"),
    ):
        for capacity, extra in ((128, 0), (256, 600), (512, 1600)):
            for colour in colours:
                items.append({
                    "sku": f"{code}-{capacity}-{colour[:3].upper()}{len(colour)}", "category": Category.DEVICE,
                    "brand": "Apple", "capacity_gb": capacity, "color": colour,
                    "name": f"{model} {capacity} GB {colour}", "price": Decimal(base + extra),
                    "wholesale_price": Decimal(base + extra) * Decimal("0.9"),
                })
    for name, capacity, price, brand in (
        ("Samsung Galaxy A55", 128, 1499, "Samsung"), ("Samsung Galaxy A55", 256, 1699, "Samsung"),
        ("Samsung Galaxy S24", 256, 3599, "Samsung"), ("Xiaomi Redmi Note 13", 256, 899, "Xiaomi"),
        ("Motorola Moto G84", 256, 999, "Motorola"),
    ):
        items.append({
            "sku": f"{brand[:3].upper()}-{name.split()[-1].upper()}-{capacity}", "category": Category.DEVICE,
            "brand": brand, "capacity_gb": capacity, "color": "Negro", "name": f"{name} {capacity} GB",
            "price": Decimal(price), "wholesale_price": Decimal(price) * Decimal("0.88"),
        })
    for sku, name, price, brand in (
        ("ACC-CARG-20W", "Cargador USB-C 20W", 89, "Apple"),
        ("ACC-CARG-45W", "Cargador Súper Rápido 45W", 129, "Samsung"),
        ("ACC-CABLE-USBC", "Cable USB-C a USB-C 1 m", 39, "Genérico"),
        ("ACC-CASE-IP15", "Case de silicona iPhone 15", 59, "Apple"),
        ("ACC-CASE-IP15P", "Case de silicona iPhone 15 Pro", 59, "Apple"),
        ("ACC-MICA-IP15", "Protector de pantalla iPhone 15", 29, "Genérico"),
        ("ACC-AUD-BT", "Audífonos inalámbricos Bluetooth", 149, "Xiaomi"),
    ):
        items.append({"sku": sku, "category": Category.ACCESSORY, "brand": brand, "name": name,
                      "price": Decimal(price), "wholesale_price": Decimal(price) * Decimal("0.7")})
    return items


def quick_replies_ensure() -> None:
    for shortcut, title, text in (
        ("horario", "Horario de atención", "Hola {nombre} 👋 Atendemos de lunes a sábado de 9:00 a 19:00."),
        ("pago", "Medios de pago", "Puedes pagar con Yape, Plin, transferencia o tarjeta 💳."),
        ("cobertura", "Pedir dirección", "Para revisar la cobertura, ¿me compartes tu dirección y distrito? 📍"),
        ("gracias", "Despedida", "¡Gracias por escribirnos, {nombre}! Cualquier duda, aquí estamos 😊"),
    ):
        QuickReply.objects.get_or_create(shortcut=shortcut, team=None, defaults={"title": title, "text": text})

# The shop's knowledge base: what the assistant answers word for word (topic, question, answer, keywords,
# and the store's coordinates for the location pin). Keyed on the question.
KNOWLEDGE = [
    ("warranty", "¿Los equipos tienen garantía?",
     "Todos nuestros celulares y equipos tienen 12 meses de garantía de fábrica 🛡️ contra fallas de fabricación "
     "(no cubre golpes, pantalla rota ni humedad). Si algo falla, tráelo a la tienda con tu boleta y lo "
     "gestionamos con la marca.", "garantía, falla de fábrica"),
    ("delivery", "¿Hacen delivery a Lima y provincias?",
     "¡Sí! 🚚 En Lima Metropolitana el delivery llega en 24 a 48 horas hábiles. A provincias enviamos por Olva "
     "Courier o Shalom, en 2 a 5 días hábiles según la ciudad; el costo del envío se calcula con tu dirección.",
     "delivery, envío, despacho, provincia, olva, shalom, courier"),
    ("hours", "¿Cuál es el horario y dónde queda la tienda?",
     "Estamos en Av. José Larco 345, Miraflores (a media cuadra del Parque Kennedy) 📍. Atendemos de lunes a "
     "sábado de 10:00 a 20:00 y domingos de 11:00 a 17:00.",
     "horario, dirección, tienda, ubicación, local, abren"),
    ("payment", "¿Qué medios de pago aceptan?",
     "Puedes pagar con Yape, Plin, tarjetas de crédito o débito (Visa, Mastercard, American Express), "
     "transferencia bancaria o en efectivo en la tienda 💳. Con tarjeta de crédito hay cuotas sin intereses "
     "en equipos seleccionados.", "yape, plin, tarjeta, efectivo, transferencia, cuotas, medios de pago"),
    ("returns", "¿Puedo devolver o cambiar un producto?",
     "Tienes 7 días calendario desde la compra para cambios o devoluciones 🔄, con el equipo sin uso, en su "
     "caja sellada y con la boleta. Si el equipo tiene una falla de fábrica, aplica la garantía.",
     "devolución, devolver, reembolso, cambio de producto"),
    ("installation", "¿Cuánto demora la instalación del internet o la TV?",
     "La instalación de internet hogar o TV se agenda entre 24 y 72 horas después de aprobada tu solicitud 🛠️; "
     "el técnico te llama antes de ir para confirmar el horario.", "instalación, instalar, técnico"),
]
STORE_LOCATION = (Decimal("-12.121400"), Decimal("-77.029700"))  # Av. José Larco 345, Miraflores


def knowledge_ensure() -> int:
    """The shop's knowledge-base answers; returns how many were added."""
    added = 0
    for topic, question, answer, keywords in KNOWLEDGE:
        location = STORE_LOCATION if topic == "hours" else (None, None)
        _, created = KnowledgeEntry.objects.get_or_create(
            question=question,
            defaults={"topic": topic, "answer": answer, "keywords": keywords,
                      "latitude": location[0], "longitude": location[1]},
        )
        added += int(created)
    return added


def operators_ensure() -> dict[str, Operator]:
    operators = {}
    for name, slug, primary, secondary, website, phone in OPERATORS:
        operators[slug], _ = Operator.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "primary_color": primary, "secondary_color": secondary, "website": website,
                      "support_phone": phone},
        )
    return operators

def products_ensure(operators: dict[str, Operator], rng: random.Random) -> int:
    wanted: list[tuple[Operator | None, dict]] = []
    for operator in operators.values():
        wanted += [(operator, plan) for plan in _plans(operator)]
    wanted += [(None, item) for item in _devices()]
    existing = set(Product.objects.values_list("sku", flat=True))
    new = []
    for operator, data in wanted:
        if data["sku"] in existing:
            continue
        product = Product(operator=operator, **data)
        if product.category in (Category.DEVICE, Category.ACCESSORY):
            product.stock = rng.choice([0, 2, 4, 8, 12, 25, 40])
            if rng.random() < 0.2:
                product.discount_percent = Decimal(rng.choice([5, 10, 15]))
        if product.wholesale_price is not None:
            product.wholesale_price = product.wholesale_price.quantize(Decimal("0.01"))
        product.search_text = product.build_search_text()
        new.append(product)
    Product.objects.bulk_create(new)
    if new:
        config_invalidate(CATALOG_KEY)  # bulk_create sends no signal; running servers read the new catalog
    return len(new)


COMMISSION_RULES = [
    # name, category, sale type, kind, value
    ("Internet hogar: S/ 25 por alta", Category.INTERNET_HOME, "", CommissionRule.Kind.FIXED, 25),
    ("Planes móviles: S/ 15 por línea", Category.MOBILE, "", CommissionRule.Kind.FIXED, 15),
    ("Portabilidad: S/ 20 por línea", Category.MOBILE, SaleType.PORTABILITY, CommissionRule.Kind.FIXED, 20),
    ("TV cable: S/ 15 por alta", Category.TV, "", CommissionRule.Kind.FIXED, 15),
    ("Combos: S/ 35 por alta", Category.COMBO, "", CommissionRule.Kind.FIXED, 35),
    ("Equipos: 3 % de la venta", Category.DEVICE, "", CommissionRule.Kind.PERCENT, 3),
    ("Accesorios: 8 % de la venta", Category.ACCESSORY, "", CommissionRule.Kind.PERCENT, 8),
]


def commission_rules_ensure() -> int:
    """The rules a validated sale's commissions are computed with (``sales.services.commissions``)."""
    created = 0
    for name, category, sale_type, kind, value in COMMISSION_RULES:
        created += CommissionRule.objects.get_or_create(
            name=name, defaults={"category": category, "sale_type": sale_type, "kind": kind, "value": Decimal(value)},
        )[1]
    return created
