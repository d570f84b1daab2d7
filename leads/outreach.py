"""Opening messages to start a WhatsApp conversation with a contact, fitted to their outreach profile.

The message uses the contact's real history (conversations, favourite product categories, the last
purchase and how long ago). With ``AI_PROVIDER=openai`` the configured provider writes it (logged as
an ``AIRequest``); when it is off, fails, or invents prices, the local template of the profile is used.
Customer-facing text is Spanish by design, like the assistant's prompts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.utils import timezone

from ai.services import write_reply
from leads.models import Contact
from leads.purchases import purchases
from leads.rfm import PROFILE_NAMES, Profile, outreach_profile, purchase_summary, rfm_score

CATEGORY_WORDS = {
    "internet_home": "internet para tu hogar",
    "mobile": "planes móviles",
    "tv": "TV",
    "combo": "combos",
    "device": "equipos",
    "accessory": "accesorios",
    "other": "nuestros productos",
}

TEMPLATES: dict[Profile, str] = {
    Profile.NEW_CUSTOMER: (
        "¡Hola{name}! 👋 Te escribimos de la tienda. {visits}Queremos ayudarte a encontrar lo que "
        "buscas{interest}. ¿Te cuento las opciones que tenemos hoy?"
    ),
    Profile.FIRST_PURCHASE: (
        "¡Hola{name}! 😊 Gracias por tu compra{last_what}{last_when}. ¿Cómo te va con ella? "
        "Si tienes cualquier duda, aquí estamos para ayudarte."
    ),
    Profile.VIP: (
        "¡Hola{name}! 🌟 Eres de nuestros clientes más especiales y queríamos saludarte. "
        "Tenemos novedades en {favourite} que creemos que te van a encantar. ¿Te las muestro?"
    ),
    Profile.AT_RISK: (
        "¡Hola{name}! 👋 Hace tiempo que no sabemos de ti: tu última compra{last_what} fue{last_when}. "
        "Te extrañamos. ¿Hay algo en {favourite} en lo que te podamos ayudar?"
    ),
    Profile.REACTIVATED: (
        "¡Hola{name}! 😊 Qué gusto tenerte de vuelta{last_what_since}. Si necesitas algo más en {favourite}, "
        "cuéntame y te ayudo."
    ),
    Profile.ACTIVE_REPEAT: (
        "¡Hola{name}! 👋 Gracias por seguir confiando en nosotros. Vimos que te gusta {favourite}; "
        "¿quieres que te cuente lo nuevo que llegó?"
    ),
}

INSTRUCTION = (
    "Escribe UN mensaje de WhatsApp para iniciar la conversación con este cliente (la tienda escribe primero). "
    "Cálido, personal y breve (máximo 45 palabras), tuteando, con 1 emoji. Usa su historial real (nombre, "
    "categorías favoritas, última compra y hace cuánto fue, conversaciones previas) sin inventar nada y sin "
    "precios ni montos. Perfil del cliente: {profile}. Termina con una pregunta abierta."
)


@dataclass(frozen=True)
class OutreachFacts:
    first_name: str
    profile: Profile
    segment: str
    conversations: int
    favourite_categories: tuple[str, ...]
    last_purchase_at: datetime | None
    last_purchase_what: str
    purchases: int

    def as_prompt(self) -> dict[str, Any]:
        return {
            "nombre": self.first_name,
            "perfil": str(PROFILE_NAMES[self.profile]),
            "segmento RFM": self.segment,
            "conversaciones previas": self.conversations,
            "categorías favoritas": ", ".join(CATEGORY_WORDS.get(c, c) for c in self.favourite_categories),
            "compras": self.purchases,
            "última compra": self.last_purchase_what,
            "hace cuánto": time_ago(self.last_purchase_at) if self.last_purchase_at else "",
        }


@dataclass(frozen=True)
class OutreachMessage:
    profile: Profile
    profile_name: str
    message: str
    whatsapp_url: str
    source: str  # "ai" or "template"


def time_ago(when: datetime, *, now: datetime | None = None) -> str:
    """How long ago, in plain Spanish ("hace 3 semanas")."""
    days = max(0, ((now or timezone.now()) - when).days)
    if days == 0:
        return "hoy"
    if days == 1:
        return "ayer"
    if days < 14:
        return f"hace {days} días"
    if days < 60:
        return f"hace {days // 7} semanas"
    if days < 365:
        return f"hace {days // 30} meses"
    years = days // 365
    return "hace más de un año" if years == 1 else f"hace más de {years} años"


def first_name(contact: Contact) -> str:
    from leads.services import is_real_name

    return contact.name.split()[0].capitalize() if is_real_name(contact.name) else ""


def outreach_facts(*, contact: Contact, now: datetime | None = None) -> OutreachFacts:
    """Everything the message may mention, in a fixed number of queries."""
    now = now or timezone.now()
    summary = purchase_summary(contact.pk, now=now)
    rfm = rfm_score(summary, now=now)
    favourites: tuple[str, ...] = ()
    last_what = ""
    if summary.count:
        favourites = purchases().favourite_categories(contact.pk, limit=2)
        last_what = purchases().last_purchase_description(contact.pk)
    interest = ""
    if not favourites:
        lead = contact.leads.exclude(service_type="").order_by("-created_at").values_list("service_type", flat=True)
        interest = lead.first() or ""
    return OutreachFacts(
        first_name=first_name(contact),
        profile=outreach_profile(summary, now=now),
        segment=rfm.segment_name if rfm else "",
        conversations=contact.conversations.count(),
        favourite_categories=favourites or ((interest,) if interest else ()),
        last_purchase_at=summary.last_at,
        last_purchase_what=last_what,
        purchases=summary.count,
    )


def template_message(facts: OutreachFacts, *, now: datetime | None = None) -> str:
    """The local message of the profile, filled with the facts (no AI)."""
    favourite = " y ".join(CATEGORY_WORDS.get(c, c) for c in facts.favourite_categories) or "nuestros productos"
    when = f" {time_ago(facts.last_purchase_at, now=now)}" if facts.last_purchase_at else ""
    what = f" de {facts.last_purchase_what}" if facts.last_purchase_what else ""
    visits = ""
    if facts.conversations == 1:
        visits = "Gracias por escribirnos. "
    elif facts.conversations > 1:
        visits = f"Gracias por escribirnos estas {facts.conversations} veces. "
    text = TEMPLATES[facts.profile].format(
        name=f" {facts.first_name}" if facts.first_name else "",
        visits=visits,
        interest=f" en {favourite}" if facts.favourite_categories else "",
        favourite=favourite,
        last_what=what,
        last_when=f" ({when.strip()})" if when and facts.profile == Profile.FIRST_PURCHASE else when,
        last_what_since=f"; tu última compra{what} fue{when}" if when else "",
    )
    return re.sub(r"\s{2,}", " ", text).strip()


def whatsapp_url(contact: Contact, text: str) -> str:
    """``https://wa.me/<digits>?text=<urlencoded>``, or "" when the contact has no phone."""
    digits = "".join(ch for ch in (contact.phone or contact.whatsapp_id) if ch.isdigit())
    if not digits:
        return ""
    return f"https://wa.me/{digits}?text={quote(text, safe='')}"


def outreach_message_build(*, contact: Contact, now: datetime | None = None) -> OutreachMessage:
    """The opening message for ``contact``: the AI's when available, else the profile's template."""
    facts = outreach_facts(contact=contact, now=now)
    fallback = template_message(facts, now=now)
    reply = write_reply(
        instruction=INSTRUCTION.format(profile=PROFILE_NAMES[facts.profile]),
        history=[],
        catalog=[],
        facts=facts.as_prompt(),
        fallback_text=fallback,
        subject=f"outreach:contact:{contact.pk}",
    )
    text = reply.text.strip() or fallback
    source = "ai" if reply.usage is not None and reply.grounded and text != fallback else "template"
    return OutreachMessage(
        profile=facts.profile,
        profile_name=str(PROFILE_NAMES[facts.profile]),
        message=text,
        whatsapp_url=whatsapp_url(contact, text),
        source=source,
    )
