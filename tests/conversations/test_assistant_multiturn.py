"""Multi-turn conversations through the signed Twilio webhook that failed when tried from outside: what the
customer receives (the fake Twilio's log) and what the lead records."""

import itertools
from decimal import Decimal

import pytest
from werkzeug import Response

from leads.models import Lead
from tests.conversations.conftest import drain, twilio_params
from tests.operators.factories import OperatorFactory, ProductFactory

pytestmark = pytest.mark.django_db
_sids = itertools.count(1)
OPERATORS = {"claro": ("Claro", 0), "movistar": ("Movistar", 5), "entel": ("Entel", -5), "bitel": ("Bitel", -15)}


@pytest.fixture
def twilio_api(httpserver, settings):
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")

    def accept(_request):
        return Response(f'{{"sid": "SMm{next(_sids):031d}", "status": "queued"}}', status=201,
                        content_type="application/json")

    httpserver.expect_request("/2010-04-01/Accounts/AC" + "1" * 32 + "/Messages.json",
                              method="POST").respond_with_handler(accept)
    return httpserver


@pytest.fixture
def demo_catalog(db):
    """The demo's shape: home internet at three speeds and mobile plans per operator, phones, accessories."""
    for slug, (name, offset) in OPERATORS.items():
        operator = OperatorFactory(name=name, slug=slug)
        for mbps, price in ((50, 69), (100, 89), (200, 119)):
            ProductFactory(operator=operator, category="internet_home", name=f"Internet Hogar {mbps} Mbps {name}",
                           speed_mbps=mbps, price=Decimal(price + offset))
        for gb, price in ((10, "29.90"), (20, "39.90")):
            ProductFactory(operator=operator, category="mobile", name=f"Plan Móvil {gb} GB {name}", data_gb=Decimal(gb),
                           price=Decimal(price) + offset)
    apple = OperatorFactory(name="Tienda", slug="tienda")
    for capacity, price in ((128, 3799), (256, 4399)):
        ProductFactory(operator=apple, category="device", name=f"iPhone 15 {capacity} GB Negro", capacity_gb=capacity,
                       color="Negro", price=Decimal(price), stock=5)
    for name, price in (("Cargador USB-C 20W", 89), ("Cargador Súper Rápido 45W", 129),
                        ("Case de silicona iPhone 15", 59), ("Protector de pantalla iPhone 15", 29)):
        ProductFactory(operator=apple, category="accessory", name=name, price=Decimal(price), stock=20)


class Customer:
    def __init__(self, post_twilio, server, phone: str, profile: str):
        self.post, self.server, self.phone, self.profile = post_twilio, server, phone, profile
        self.count = itertools.count(1)

    def say(self, text: str) -> str:
        """Send ``text`` as the customer; the text the customer receives back ("" when none)."""
        before = len(self.server.log)
        self.post(twilio_params(MessageSid=f"SM{self.phone[-6:]}{next(self.count):026d}", Body=text,
                                From=f"whatsapp:{self.phone}", WaId=self.phone.lstrip("+"), ProfileName=self.profile))
        drain()
        bodies = [request.form["Body"] for request, _response in self.server.log[before:]]
        return "\n".join(bodies)

    @property
    def lead(self) -> Lead:
        return Lead.objects.get(contact__phone=self.phone)


@pytest.fixture
def customer(post_twilio, twilio_api, demo_catalog):
    def _customer(phone: str = "+51987654321", profile: str = "🌸") -> Customer:
        return Customer(post_twilio, twilio_api, phone, profile)

    return _customer


def test_a_charger_question_is_answered_with_chargers_not_an_iphone_accessory(customer):
    rosa = customer()
    rosa.say("Hola buenas")
    reply = rosa.say("cuánto cuesta el cargador para iphone 15?")
    assert "Cargador USB-C 20W" in reply and "Cargador Súper Rápido 45W" in reply  # both wattages offered
    assert "S/ 89" in reply and "S/ 129" in reply
    assert "Protector" not in reply and "Case" not in reply and "iPhone 15 128" not in reply
    assert rosa.lead.service_type == "accessory"


def test_the_final_confirmation_of_a_qualification_calls_the_customer_by_name(customer):
    maria = customer()
    maria.say("Hola, quiero internet para mi casa")
    maria.say("me llamo María Quispe")
    maria.say("mi presupuesto es de 150 soles")
    reply = maria.say("vivo en Miraflores")
    assert "María" in reply and "asesor" in reply
    lead = maria.lead
    assert (lead.contact.name, lead.service_type, lead.budget, lead.zone) == (
        "María Quispe", "internet_home", Decimal("150"), "Miraflores")


@pytest.mark.parametrize(("budget_line", "amount"), [
    ("mi presupuesto es 1.800.000", Decimal("1800000")),
    ("tengo 1,8 palos", Decimal("1800000")),
    ("un palo y medio, no más", Decimal("1500000")),
])
def test_an_argentine_budget_is_read_in_pesos(customer, budget_line, amount):
    lucas = customer(phone="+5491155550000", profile="Lucas")
    lucas.say("Hola che, ¿cómo andás? Soy de Buenos Aires")
    lucas.say("quiero el iphone 15 de 256")
    lucas.say(budget_line)
    lead = lucas.lead
    assert (lead.budget, lead.currency) == (amount, "ARS")
    assert lead.service_type == "device"


@pytest.mark.parametrize("interest", [
    "wena, quiero un plan po",
    "quiero cambiarme a WOM, qué planes tienen?",
    "hola, necesito internet pal celu, con hartos gigas",
    "me interesa la portabilidad a Entel",
    "un chip con minutos ilimitados cachai",
])
def test_a_chilean_mobile_plan_interest_is_recorded_as_mobile(customer, interest):
    camila = customer(phone="+56912345678", profile="Camila")
    camila.say("Hola")
    reply = camila.say(interest)
    assert reply
    assert camila.lead.service_type == "mobile"


def test_a_mobile_plan_after_a_phone_question_records_the_plan(customer):
    camila = customer(phone="+56912345678", profile="Camila")
    camila.say("hola, cuánto cuesta el iphone 15?")
    assert camila.lead.service_type == "device"
    camila.say("mejor no, quiero solo un plan con gigas, portabilidad desde entel")
    assert camila.lead.service_type == "mobile"


@pytest.mark.parametrize("budget_line", ["mi presupuesto es 90 soles", "solo tengo 90", "90 soles máximo"])
def test_a_budget_below_the_catalog_gets_the_closest_fits_and_the_difference(customer, budget_line):
    ana = customer(profile="Ana")
    ana.say("Hola, quiero internet de 200 Mbps en Surco")
    ana.say("me llamo Ana Torres")
    reply = ana.say(budget_line)
    assert "asesor" not in reply  # not handed to a person: sold to the budget
    assert "Internet Hogar 200 Mbps Bitel" in reply and "te faltan S/ 14" in reply  # the cheapest 200 is S/ 104
    assert "Internet Hogar 100 Mbps Claro: S/ 89" in reply  # a lower speed within the budget
    assert "Internet Hogar 100 Mbps Entel: S/ 84" in reply  # another operator
    offer = reply.split("te faltan")[1].split("cotización")[0]
    assert "Movistar" not in offer  # its 100 Mbps (S/ 94) is over the budget
    assert "cotización" in reply
    lead = ana.lead
    assert (lead.service_type, lead.budget, lead.currency) == ("internet_home", Decimal("90"), "PEN")


def test_a_budget_that_covers_the_plan_gets_the_quote(customer):
    ana = customer(profile="Ana")
    ana.say("Hola, me llamo Ana Torres y quiero internet de 200 Mbps de Claro")
    reply = ana.say("tengo 120 soles")
    assert "Internet Hogar 200 Mbps Claro" in reply and "S/ 119" in reply and "cotización" in reply
    assert "Ana" in reply
    assert ana.lead.budget == Decimal("120")


def test_a_budget_without_currency_words_takes_the_currency_of_the_customers_phone(customer):
    sofia = customer(phone="+5491155550001", profile="Sofía")
    sofia.say("Hola, quiero el iphone 15 de 128")
    sofia.say("mi presupuesto es 1.800.000")
    assert (sofia.lead.budget, sofia.lead.currency) == (Decimal("1800000"), "ARS")


def test_a_kind_of_service_and_a_budget_in_one_line_gets_the_most_it_buys(customer):
    luis = customer(profile="Luis")
    reply = luis.say("Hola, soy Luis, quiero internet para mi casa, mi presupuesto es 90 soles")
    assert "Internet Hogar 100 Mbps Claro: S/ 89" in reply and "cotización" in reply
    assert "Movistar: S/ 94" not in reply


def test_several_variants_in_stock_are_offered_with_their_prices(customer):
    rosa = customer()
    reply = rosa.say("hola, tienen el iphone 15?")
    assert "128 GB (S/ 3,799.00)" in reply and "256 GB (S/ 4,399.00)" in reply
    assert "¿Qué capacidad prefieres?" in reply
