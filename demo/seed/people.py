"""The people of the demo: logins of every role in two teams, and the contact book (``--contacts``).

The contact book is the shop's database of people who wrote once: contacts with one lead each,
scored by leads' scoring (``lead_apply_score``), spread over new, contacted, qualified and lost (the
quoted and won leads come from the stories, with a real quote or sale behind them). Randomness is
seeded, so every machine gets the same people; keyed on the phone, so a second run adds none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.services import user_create
from demo.seed.context import DEMO_TAG
from leads.models import Contact, CustomerType, Lead, LeadStatus, SourceChannel
from leads.scoring import load_scoring_table
from leads.services import lead_apply_score
from operators.models import Operator, Product


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str
    team: str | None
    phone: str = ""  # the phone click to call rings first


DEMO_USERS = [
    DemoUser("admin", "admin-demo-2026", Role.ADMIN, "Ana", "Administradora", None),
    DemoUser("supervisor", "supervisor-demo-2026", Role.SUPERVISOR, "Sofía", "Ramírez", "Equipo Lima", "+51900100200"),
    DemoUser("backoffice", "backoffice-demo-2026", Role.BACKOFFICE, "Bruno", "Castillo", None),
    DemoUser("agente1", "agente-demo-2026", Role.AGENT, "Lucía", "Quispe", "Equipo Lima", "+51900100201"),
    DemoUser("agente2", "agente-demo-2026", Role.AGENT, "Diego", "Mendoza", "Equipo Lima", "+51900100202"),
    DemoUser("agente3", "agente-demo-2026", Role.AGENT, "Valeria", "Torres", "Equipo Norte", "+51900100203"),
]

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

def users_ensure() -> dict[str, User]:
    """The demo logins (``DEMO_USERS``) and their teams; an existing user is left as it is."""
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in ("Equipo Lima", "Equipo Norte")}
    users: dict[str, User] = {}
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            user = user_create(
                username=demo.username, password=demo.password, role=demo.role, first_name=demo.first_name,
                last_name=demo.last_name, email=f"{demo.username}@demo.crm.pe",
                team=teams[demo.team] if demo.team else None, phone=demo.phone,
            )
        users[demo.username] = user
    for team in teams.values():
        if team.supervisor_id is None:
            team.supervisor = users["supervisor"]
            team.save(update_fields=["supervisor", "updated_at"])
    return users


def contact_book_ensure(
    count: int, users: dict[str, User], operators: dict[str, Operator], *, reserved: set[str]
) -> tuple[int, int]:
    """``count`` contacts with a lead each (phones in ``reserved`` belong to the stories and are skipped)."""
    rng = random.Random(2027)  # one seeded generator per section: a second run draws the same people
    agents = [users["agente1"], users["agente2"], users["agente3"], None]
    products = list(Product.objects.filter(is_active=True).order_by("sku"))
    existing_phones = set(Contact.objects.values_list("phone", flat=True))
    now = timezone.now()
    contacts: list[Contact] = []
    seen: set[str] = set()
    for i in range(count):
        phone = f"+519{rng.randrange(10_000_000, 99_999_999)}"
        while phone in seen or phone in reserved:
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
            tags=[DEMO_TAG],
        )
        if phone not in existing_phones:
            contacts.append(contact)
    Contact.objects.bulk_create(contacts)
    _adopt(seen & existing_phones)

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
            # Quoted and won leads have a quote or a sale behind them: those come from the stories.
            status=rng.choice([LeadStatus.NEW, LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED,
                               LeadStatus.LOST]),
            next_action=rng.choice(["Llamar para confirmar cobertura", "Enviar cotización",
                                    "Confirmar fecha de instalación", ""]),
        )
        if lead.next_action:
            lead.next_action_at = now + timedelta(hours=rng.randrange(-48, 96))
        if lead.status == LeadStatus.LOST:
            lead.closed_at = now - timedelta(days=rng.randrange(0, 30))
            lead.lost_reason = rng.choice(["Eligió otro operador", "No hay cobertura en su zona",
                                           "El precio no le convenció"])
        lead_apply_score(lead=lead, table=table)
        leads.append(lead)
    Lead.objects.bulk_create(leads)
    _date_back(contacts, leads, now)
    return len(contacts), len(leads)


def _adopt(phones: set[str]) -> None:
    """The same people seeded by an older demo (same seed, same phones) without the tag: tag them, so
    ``--reset`` finds them."""
    untagged = [c for c in Contact.objects.filter(phone__in=phones).only("pk", "tags") if DEMO_TAG not in c.tags]
    for contact in untagged:
        contact.tags = [*contact.tags, DEMO_TAG]
    Contact.objects.bulk_update(untagged, ["tags"], batch_size=500)


def _date_back(contacts: list[Contact], leads: list[Lead], now: datetime) -> None:
    """People wrote in over the last two months: each row dated a little before the person was last seen."""
    for contact in contacts:
        contact.created_at = contact.updated_at = contact.last_seen_at - timedelta(days=(contact.pk or 0) % 9)
    Contact.objects.bulk_update(contacts, ["created_at", "updated_at"], batch_size=500)
    first_seen = {contact.pk: contact.created_at for contact in contacts}
    for lead in leads:
        lead.created_at = lead.updated_at = first_seen.get(lead.contact_id, now) + timedelta(minutes=5)
        if lead.closed_at is not None:
            lead.closed_at = max(lead.closed_at, lead.created_at)
    Lead.objects.bulk_update(leads, ["created_at", "updated_at", "closed_at"], batch_size=500)
