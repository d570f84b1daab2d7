"""Idempotent demo data in Spanish: operators and plans, phones and accessories, users, contacts, leads.

Running it twice leaves the same counts: every row is keyed on a natural key (username, slug, SKU,
phone) and only missing rows are created. Randomness is seeded, so every machine gets the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.services import roles_create, user_create
from conversations.models import QuickReply
from conversations.services.accounts import channel_accounts_sync_from_env
from leads.models import Contact, CustomerType, Lead, LeadStatus, SourceChannel
from leads.scoring import load_scoring_table
from leads.services import lead_apply_score
from operators.models import Category, Operator, Product


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str
    team: str | None


DEMO_USERS = [
    DemoUser("admin", "admin-demo-2026", Role.ADMIN, "Ana", "Administradora", None),
    DemoUser("supervisor", "supervisor-demo-2026", Role.SUPERVISOR, "Sofía", "Ramírez", "Equipo Lima"),
    DemoUser("backoffice", "backoffice-demo-2026", Role.BACKOFFICE, "Bruno", "Castillo", None),
    DemoUser("agente1", "agente-demo-2026", Role.AGENT, "Lucía", "Quispe", "Equipo Lima"),
    DemoUser("agente2", "agente-demo-2026", Role.AGENT, "Diego", "Mendoza", "Equipo Lima"),
    DemoUser("agente3", "agente-demo-2026", Role.AGENT, "Valeria", "Torres", "Equipo Norte"),
]

OPERATORS = [
    # name, slug, primary, secondary, website, support phone
    ("Claro", "claro", "#DA291C", "#FFFFFF", "https://www.claro.com.pe", "0-800-00-123"),
    ("Movistar", "movistar", "#019DF4", "#5BC500", "https://www.movistar.com.pe", "104"),
    ("Entel", "entel", "#002EFF", "#FF6B00", "https://www.entel.pe", "0-800-11-000"),
    ("Bitel", "bitel", "#00A6A0", "#FFD100", "https://bitel.com.pe", "0-800-79-777"),
]

# Per operator price offsets so the four catalogs differ a little, as in real life.
PRICE_OFFSET = {"claro": 0, "movistar": 5, "entel": -5, "bitel": -15}

FIRST_NAMES = [
    "María", "José", "Rosa", "Luis", "Carmen", "Jorge", "Ana", "Carlos", "Julia", "Miguel", "Lucía", "Pedro",
    "Elena", "Raúl", "Patricia", "Víctor", "Sofía", "Andrés", "Gabriela", "Fernando", "Milagros", "Héctor",
    "Rocío", "Martín", "Daniela", "César", "Yolanda", "Iván", "Ximena", "Óscar",
]
LAST_NAMES = [
    "Quispe", "Flores", "Sánchez", "Rodríguez", "García", "Huamán", "Mamani", "Chávez", "Ramos", "Torres",
    "Vargas", "Castillo", "Rojas", "Gutiérrez", "Mendoza", "Díaz", "Espinoza", "Paredes", "Núñez", "Córdova",
]
ZONES = [
    ("Lima", "Miraflores"), ("Lima", "San Isidro"), ("Lima", "Surco"), ("Lima", "San Juan de Lurigancho"),
    ("Lima", "Los Olivos"), ("Lima", "Comas"), ("Lima", "Ate"), ("Lima", "La Molina"), ("Callao", "Bellavista"),
    ("Arequipa", "Cayma"), ("Trujillo", "Víctor Larco"), ("Chiclayo", "La Victoria"),
]
STREETS = ["Av. Arequipa", "Jr. de la Unión", "Av. Brasil", "Calle Los Pinos", "Av. Javier Prado", "Jr. Huallaga",
           "Av. Universitaria", "Calle Las Begonias", "Av. La Marina", "Jr. Lampa"]
INTERESTS = [
    "internet para la casa", "plan postpago con más gigas", "iPhone 15", "un celular para mi mamá",
    "TV con internet", "portabilidad", "cargador rápido", "plan para mi negocio", "fibra óptica 200 megas",
]
CUSTOMER_PHRASES = [
    "quiero contratar el plan", "cuánto cuesta la instalación", "me interesa, cómo pago", "solo estoy mirando",
    "lo quiero para esta semana", "tienen cobertura en mi zona?", "más tarde te escribo", "precio al por mayor?",
]


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


class Command(BaseCommand):
    help = "Load realistic demo data in Spanish (idempotent): catalog, users of every role, contacts and leads."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--contacts", type=int, default=300, help="How many demo contacts (default 300).")

    @transaction.atomic
    def handle(self, *args: object, contacts: int, **options: object) -> None:
        roles_create()
        accounts = channel_accounts_sync_from_env()
        users = self._users()
        self._quick_replies()
        operators = self._operators()
        # One seeded generator per section, so a second run draws the same contacts.
        created_products = self._products(operators, random.Random(2026))
        new_contacts, new_leads = self._contacts_and_leads(contacts, users, operators, random.Random(2027))
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {Operator.objects.count()} operators, {Product.objects.count()} products "
            f"({created_products} new), {Contact.objects.count()} contacts ({new_contacts} new), "
            f"{Lead.objects.count()} leads ({new_leads} new); {len(accounts)} channel accounts from the environment."
        ))
        self.stdout.write("Demo logins (user / password / role):")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<11} {demo.password:<22} {demo.role}")
        if settings.TWO_FACTOR_REQUIRED_ROLES:
            self.stdout.write(f"Roles {', '.join(settings.TWO_FACTOR_REQUIRED_ROLES)}: two-step verification is set up "
                              "at the first login (an authenticator app, then the recovery codes).")

    def _users(self) -> dict[str, User]:
        teams = {name: Team.objects.get_or_create(name=name)[0] for name in ("Equipo Lima", "Equipo Norte")}
        users: dict[str, User] = {}
        for demo in DEMO_USERS:
            user = User.objects.filter(username=demo.username).first()
            if user is None:
                user = user_create(
                    username=demo.username, password=demo.password, role=demo.role, first_name=demo.first_name,
                    last_name=demo.last_name, email=f"{demo.username}@demo.crm.pe",
                    team=teams[demo.team] if demo.team else None,
                )
            users[demo.username] = user
        for team in teams.values():
            if team.supervisor_id is None:
                team.supervisor = users["supervisor"]
                team.save(update_fields=["supervisor", "updated_at"])
        return users

    def _quick_replies(self) -> None:
        for shortcut, title, text in (
            ("horario", "Horario de atención", "Hola {nombre} 👋 Atendemos de lunes a sábado de 9:00 a 19:00."),
            ("pago", "Medios de pago", "Puedes pagar con Yape, Plin, transferencia o tarjeta 💳."),
            ("cobertura", "Pedir dirección", "Para revisar la cobertura, ¿me compartes tu dirección y distrito? 📍"),
            ("gracias", "Despedida", "¡Gracias por escribirnos, {nombre}! Cualquier duda, aquí estamos 😊"),
        ):
            QuickReply.objects.get_or_create(shortcut=shortcut, team=None, defaults={"title": title, "text": text})

    def _operators(self) -> dict[str, Operator]:
        operators = {}
        for name, slug, primary, secondary, website, phone in OPERATORS:
            operators[slug], _ = Operator.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "primary_color": primary, "secondary_color": secondary, "website": website,
                          "support_phone": phone},
            )
        return operators

    def _products(self, operators: dict[str, Operator], rng: random.Random) -> int:
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
        return len(new)

    def _contacts_and_leads(
        self, count: int, users: dict[str, User], operators: dict[str, Operator], rng: random.Random
    ) -> tuple[int, int]:
        agents = [users["agente1"], users["agente2"], users["agente3"], None]
        products = list(Product.objects.filter(is_active=True).order_by("sku"))
        existing_phones = set(Contact.objects.values_list("phone", flat=True))
        now = timezone.now()
        contacts: list[Contact] = []
        seen: set[str] = set()
        for i in range(count):
            phone = f"+519{rng.randrange(10_000_000, 99_999_999)}"
            while phone in seen:
                phone = f"+519{rng.randrange(10_000_000, 99_999_999)}"
            seen.add(phone)
            city, zone = rng.choice(ZONES)
            is_instagram = i % 5 == 0
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            contact = Contact(
                name=f"{first} {last}",
                phone=phone,
                whatsapp_id=phone.lstrip("+"),
                instagram_id=f"17841{rng.randrange(10**9, 10**10)}" if is_instagram else "",
                instagram_username=f"{first.lower()}.{last.lower()}{i}" if is_instagram else "",
                email=f"cliente{i}@correo.pe" if rng.random() < 0.4 else "",
                city=city,
                zone=zone,
                customer_type=CustomerType.WHOLESALE if rng.random() < 0.1 else CustomerType.RETAIL,
                marketing_consent=rng.random() < 0.6,
                last_seen_at=now - timedelta(hours=rng.randrange(1, 24 * 60)),
            )
            if phone not in existing_phones:
                contacts.append(contact)
        Contact.objects.bulk_create(contacts)

        table = load_scoring_table()
        rng = random.Random(2028)
        leads = []
        without_lead = Contact.objects.filter(phone__in=seen, leads__isnull=True).order_by("phone")
        for contact in without_lead:
            profile = rng.choice(["hot", "warm", "warm", "cold", "cold"])
            product = rng.choice(products) if profile != "cold" or rng.random() < 0.3 else None
            is_instagram = bool(contact.instagram_id)
            lead = Lead(
                contact=contact,
                source=SourceChannel.INSTAGRAM if is_instagram else SourceChannel.WHATSAPP,
                product=product,
                operator=product.operator if product else rng.choice([*operators.values(), None]),
                service_type=product.category if product else "",
                product_interest="" if product else rng.choice(INTERESTS + [""] * 3),
                budget=Decimal(rng.choice([80, 120, 150, 1500, 4000])) if profile != "cold" else None,
                zone=contact.zone if profile == "hot" or rng.random() < 0.4 else "",
                address=f"{rng.choice(STREETS)} {rng.randrange(100, 3000)}" if profile == "hot" else "",
                conversation_count=rng.randrange(1, 4),
                ai_analysis={"customer_text": rng.choice(CUSTOMER_PHRASES)},
                assignee=rng.choice(agents),
                status=rng.choice([LeadStatus.NEW, LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED,
                                   LeadStatus.QUOTED, LeadStatus.WON, LeadStatus.LOST]),
                next_action=rng.choice(["Llamar para confirmar cobertura", "Enviar cotización",
                                        "Confirmar fecha de instalación", ""]),
            )
            if lead.next_action:
                lead.next_action_at = now + timedelta(hours=rng.randrange(-48, 96))
            if lead.status in (LeadStatus.WON, LeadStatus.LOST):
                lead.closed_at = now - timedelta(days=rng.randrange(0, 30))
                lead.lost_reason = "Eligió otro operador" if lead.status == LeadStatus.LOST else ""
            lead_apply_score(lead=lead, table=table)
            leads.append(lead)
        Lead.objects.bulk_create(leads)
        return len(contacts), len(leads)
