"""The local analyzer: entity parsers, intent rules, lexicon overrides, catalog matching, dev-set quality."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ai.local import DEFAULT_LEXICON, analyze
from ai.local.evaluation import evaluate, load_rows
from ai.local.money import parse_budget
from ai.types import CatalogItem, Intent, Money, Sentiment, Turn

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("tengo $2000", "2000", ""),
        ("mi presupuesto es S/ 80", "80", "PEN"),
        ("tengo s/.80 nomas", "80", "PEN"),
        ("hasta 80 soles", "80", "PEN"),
        ("unos 2 mil soles", "2000", "PEN"),
        ("presupuesto 2k", "2000", ""),
        ("hasta 100 lucas po, cachai", "100000", "CLP"),
        ("tengo hasta 100 lucas che", "100000", "ARS"),
        ("mil quinientos soles", "1500", "PEN"),
        ("hasta 1.500 soles", "1500", "PEN"),
        ("hasta 1,500 soles", "1500", "PEN"),
        ("USD 300", "300", "USD"),
        ("tengo 300 dólares", "300", "USD"),
        ("$ 1.200.000", "1200000", "CLP"),
        ("20 mil pesos wey", "20000", "MXN"),
        ("20 mil pesos", "20000", ""),
        ("el plan de 39.90 soles", "39.90", "PEN"),
    ],
)
def test_budget_parses_when_written_in_common_forms(text: str, amount: str, currency: str) -> None:
    budget = analyze(text).entities.budget
    assert budget == Money(Decimal(amount), currency)


def test_budget_is_none_when_numbers_are_sizes_or_phones() -> None:
    assert analyze("iphone 15 de 256 gb y plan de 20 gigas, mi cel 987654321").entities.budget is None
    assert parse_budget("internet de 200 megas") is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hola, soy María", "María"),
        ("me llamo Juan Pérez y quiero un plan", "Juan Pérez"),
        ("mi nombre es Ana", "Ana"),
        ("habla Carlos, buenas", "Carlos"),
        ("me llamo juan perez", "Juan Perez"),
    ],
)
def test_name_is_found_when_introduced(text: str, name: str) -> None:
    assert analyze(text).entities.name == name


@pytest.mark.parametrize("text", ["soy de Surco", "soy cliente de claro", "soy nuevo aca", "soy del Callao"])
def test_name_is_empty_when_soy_is_not_a_name(text: str) -> None:
    assert analyze(text).entities.name == ""


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("vivo en Miraflores", "Miraflores"),
        ("soy de Surco, llega la fibra?", "Surco"),
        ("hay cobertura en sjl?", "San Juan de Lurigancho"),
        ("estoy en Manchay", "Manchay"),
        ("distrito de san isidro", "San Isidro"),
        ("zona Pachacamac", "Pachacámac"),
        ("instalan en Puente Alto?", "Puente Alto"),
        ("llega a Av. Arequipa 1234, Lince?", "Lince"),
    ],
)
def test_zone_is_found_when_named_or_introduced(text: str, zone: str) -> None:
    assert analyze(text).entities.zone == zone


def test_zone_is_not_a_surname_when_no_cue() -> None:
    assert analyze("me llamo Ana Flores").entities.zone == ""


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("mi direccion es Av. Arequipa 1234, Miraflores", "Av. Arequipa 1234"),
        ("Jr. Lampa 540 dpto 3", "Jr. Lampa 540 dpto 3"),
        ("calle los pinos 123", "calle los pinos 123"),
        ("Mz B Lote 14, Villa El Salvador", "Mz B Lote 14"),
        ("en la Calle 45 # 12-30, Bogotá", "Calle 45 # 12-30"),
        ("Carrera 7 # 45-10", "Carrera 7 # 45-10"),
        ("Psje. Las Flores 230", "Psje. Las Flores 230"),
    ],
)
def test_address_is_found_when_street_and_number(text: str, address: str) -> None:
    assert analyze(text).entities.address == address


def test_address_is_empty_when_no_number() -> None:
    assert analyze("vivo por la avenida principal").entities.address == ""


@pytest.mark.parametrize(
    ("text", "capacity", "data"),
    [
        ("iphone 15 de 256gb", 256, None),
        ("el de 256 gigas", 256, None),
        ("iphone 15 pro de 512", 512, None),
        ("samsung a55 128 GB", 128, None),
        ("plan de 20 gb", None, 20),
        ("el plan de 30 gigas", None, 30),
        ("celular 5g", None, None),
    ],
)
def test_capacity_and_data_are_told_apart(text: str, capacity: int | None, data: int | None) -> None:
    entities = analyze(text).entities
    assert (entities.capacity_gb, entities.data_gb) == (capacity, data)


@pytest.mark.parametrize(("text", "speed"), [("200 megas", 200), ("fibra de 300mb", 300), ("100 mbps", 100),
                                             ("internet de 200", 200)])
def test_speed_is_read_when_megas_or_mbps(text: str, speed: int) -> None:
    assert analyze(text).entities.speed_mbps == speed


@pytest.mark.parametrize(
    ("text", "color"),
    [("iphone 15 en negro", "negro"), ("el rosa", "rosado"), ("titanio natural", "titanio natural"),
     ("15 pro titanio negro", "titanio negro"), ("en azul porfa", "azul")],
)
def test_colour_is_canonical(text: str, color: str) -> None:
    assert analyze(text).entities.color == color


def test_colour_is_empty_when_it_is_a_name_or_a_led() -> None:
    assert analyze("Hola, soy Rosa").entities.color == ""
    assert analyze("el router tiene la luz roja").entities.color == ""


@pytest.mark.parametrize(("text", "quantity"), [("2 cargadores", 2), ("dos iphones", 2), ("un par de fundas", 2),
                                                ("quiero 3 lineas", 3), ("una docena de micas", 12)])
def test_quantity_when_counting_products(text: str, quantity: int) -> None:
    assert analyze(text).entities.quantity == quantity


def test_quantity_is_none_when_counting_days() -> None:
    assert analyze("llevo 3 dias sin internet").entities.quantity is None


def test_contacts_are_found_when_written() -> None:
    entities = analyze("mi correo es Ana.Q@Gmail.com y mi cel 987 654 321").entities
    assert entities.email == "ana.q@gmail.com"
    assert entities.phone == "+51987654321"
    assert analyze("llamame al +56 9 8765 4321").entities.phone == "+56987654321"


@pytest.mark.parametrize(("text", "service"), [
    ("quiero fibra", "internet_home"), ("un chip prepago", "mobile"), ("cuantos canales", "tv"),
    ("el trio", "combo"), ("internet y cable", "combo"), ("el iphone 15", "device"),
    ("cargador para iphone", "accessory"), ("plan para mi celular", "mobile"),
])
def test_service_type_from_synonyms(text: str, service: str) -> None:
    assert analyze(text).entities.service_type == service


@pytest.mark.parametrize(("text", "operator"), [("plan de claro", "claro"), ("mobistar", "movistar"),
                                                ("me paso de movistar a entel", "entel"), ("bitel", "bitel"),
                                                ("claro que si, gracias", "")])
def test_operator_when_named_but_not_when_claro_means_of_course(text: str, operator: str) -> None:
    assert analyze(text).entities.operator == operator


def test_urgency_when_asked_for_now() -> None:
    assert analyze("lo necesito urgente").entities.urgency
    assert analyze("quiero el iphone hoy mismo").entities.urgency
    assert not analyze("ya tengo el chip").entities.urgency


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("holaaa", Intent.GREETING),
        ("hola, cuanto cuesta el iphone 15?", Intent.PRICE_QUERY),
        ("cuanto cuesta? esta muy caro", Intent.PRICE_OBJECTION),
        ("tienen algo mas barato?", Intent.PRICE_OBJECTION),
        ("tienen stock del a55?", Intent.STOCK_QUERY),
        ("les queda el iphone en azul?", Intent.STOCK_QUERY),
        ("llega a Comas la fibra?", Intent.COVERAGE_QUERY),
        ("instalan en Surco?", Intent.COVERAGE_QUERY),
        ("me lo llevo", Intent.PURCHASE_INTENT),
        ("quiero contratar el plan", Intent.PURCHASE_INTENT),
        ("cual es mejor, el a55 o el redmi?", Intent.COMPARISON),
        ("iphone 15 vs s24", Intent.COMPARISON),
        ("tiene garantia?", Intent.WARRANTY_QUERY),
        ("mi internet esta lento", Intent.SUPPORT_ISSUE),
        ("se cayo el wifi", Intent.SUPPORT_ISSUE),
        ("pesimo, nadie me responde", Intent.COMPLAINT),
        ("no funciona y nadie me responde, es una estafa", Intent.COMPLAINT),
        ("quiero hablar con un asesor sobre el precio del iphone", Intent.HUMAN_REQUEST),
        ("gracias, chau", Intent.THANKS_GOODBYE),
        ("ok", Intent.OTHER),
    ],
)
def test_intent_priority_rules(text: str, intent: Intent) -> None:
    assert analyze(text).intent == intent


def test_voseo_reads_like_tu() -> None:
    assert analyze("¿tenés el iphone 15 en stock?").intent == Intent.STOCK_QUERY
    assert analyze("¿querés que te pase mis datos para contratar?").intent == Intent.PURCHASE_INTENT
    assert analyze("¿podés pasarme info del plan?").intent == Intent.PRODUCT_QUERY


def test_chat_spellings_are_expanded() -> None:
    assert analyze("q precio tiene xfa").intent == Intent.PRICE_QUERY
    assert analyze("kiero contratar el internet").intent == Intent.PURCHASE_INTENT


def test_emojis_move_sentiment() -> None:
    angry = analyze("el pedido no llega 😡😡")
    happy = analyze("genial, gracias 👍🙏")
    assert angry.sentiment == Sentiment.NEGATIVE and angry.sentiment_score < 0
    assert happy.sentiment == Sentiment.POSITIVE and happy.sentiment_score > 0
    assert -1.0 <= angry.sentiment_score <= 1.0


def test_negation_flips_sentiment() -> None:
    assert analyze("no me gusta nada").sentiment_score < 0


def test_several_questions_give_secondary_intents() -> None:
    result = analyze("cuanto cuesta el iphone 15? tienen stock? y tiene garantia?")
    assert result.intent == Intent.PRICE_QUERY  # the first question asked
    assert set(result.secondary_intents) >= {Intent.STOCK_QUERY, Intent.WARRANTY_QUERY}
    assert result.provider == "local"
    assert 0 < result.confidence <= 1


def test_confidence_is_higher_when_one_intent_clearly_wins() -> None:
    clear = analyze("cuanto cuesta el plan?")
    mixed = analyze("cuanto cuesta? tienen stock?")
    assert clear.confidence > mixed.confidence


def test_merged_lexicon_adds_phrases_synonyms_and_zones() -> None:
    lexicon = DEFAULT_LEXICON.merged({
        "intent_phrases": {"price_query": {"a como lo das": 3.0}, "greeting": {"hola": 0}},
        "synonyms": {"service_type": {"gpon": "internet_home"}, "operator": {"klaro hogar": "claro"}},
        "zones": ["Chosica", {"name": "San Juan de Miraflores", "alias": "sjmiraflores", "country": "PE"}],
        "urgency": ["para ahorita"],
    })
    assert analyze("a como lo das", lexicon=lexicon).intent == Intent.PRICE_QUERY
    assert analyze("hola", lexicon=lexicon).intent == Intent.OTHER
    assert analyze("hola").intent == Intent.GREETING  # the default is untouched
    assert analyze("tienen gpon?", lexicon=lexicon).entities.service_type == "internet_home"
    assert analyze("llegan a chosica?", lexicon=lexicon).entities.zone == "Chosica"
    assert analyze("vivo en sjmiraflores", lexicon=lexicon).entities.zone == "San Juan de Miraflores"
    assert analyze("lo quiero para ahorita", lexicon=lexicon).entities.urgency
    assert DEFAULT_LEXICON.merged({}) is DEFAULT_LEXICON


def _catalog() -> list[CatalogItem]:
    items = []
    for model, colours in (("iPhone 15", ["Negro", "Azul"]), ("iPhone 15 Pro", ["Titanio Natural", "Titanio Negro"])):
        for capacity in (128, 256):
            for colour in colours:
                items.append(CatalogItem(f"{model}-{capacity}-{colour}", f"{model} {capacity} GB {colour}",
                                         Decimal(4000), "PEN", 3, "device",
                                         attributes={"capacity_gb": capacity, "color": colour}))
    items.append(CatalogItem("case-15p", "Case de silicona iPhone 15 Pro", Decimal(59), "PEN", 9, "accessory"))
    items.append(CatalogItem("cargador", "Cargador USB-C 20W", Decimal(89), "PEN", 9, "accessory"))
    items.append(CatalogItem("hog-200-claro", "Internet Hogar 200 Mbps Claro", Decimal(119), "PEN", None,
                             "internet_home", "claro", attributes={"speed_mbps": 200}))
    items.append(CatalogItem("hog-200-movistar", "Internet Hogar 200 Mbps Movistar", Decimal(124), "PEN", None,
                             "internet_home", "movistar", attributes={"speed_mbps": 200}))
    return items


def test_catalog_picks_the_variant_when_capacity_and_colour_given() -> None:
    result = analyze("iphone 15 pro de 256 en negro", catalog=_catalog())
    assert result.entities.products == ("iPhone 15 Pro-256-Titanio Negro",)
    assert result.entities.product_terms == "iphone 15 pro"


def test_catalog_prefers_the_plain_model_and_accessories_when_asked() -> None:
    catalog = _catalog()
    plain = analyze("el iphone 15 de 128", catalog=catalog).entities.products
    assert set(plain) == {"iPhone 15-128-Negro", "iPhone 15-128-Azul"}
    assert analyze("case para iphone 15 pro", catalog=catalog).entities.products == ("case-15p",)
    assert analyze("internet de 200 megas con claro", catalog=catalog).entities.products == ("hog-200-claro",)
    assert analyze("hola buenas", catalog=catalog).entities.products == ()


def test_history_gives_the_country_for_pesos() -> None:
    history = [Turn(role="customer", text="hola po, cachai si tienen fibra")]
    assert analyze("tengo 20 mil pesos", history=history).entities.budget == Money(Decimal(20000), "CLP")


def test_long_message_reads_like_its_sentence_when_repeated_against_a_big_catalog() -> None:
    # Its speed is measured by bench/analyzer.py, not asserted here: wall-clock time depends on the machine.
    catalog = _catalog() * 10
    sentence = "hola soy Rocío de Surco, cuanto cuesta el iphone 15 pro de 256 en negro y el cargador?"
    once, long = analyze(sentence, catalog=catalog), analyze(" ".join([sentence] * 12), catalog=catalog)
    assert long.intent == once.intent == Intent.PRICE_QUERY
    read = [(r.entities.name, r.entities.zone, r.entities.capacity_gb, r.entities.color) for r in (once, long)]
    assert read == [("Rocío", "Surco", 256, "negro")] * 2


def test_dev_set_macro_f1_is_at_least_085() -> None:
    rows = load_rows(DATA / "dev.jsonl")
    assert len(rows) >= 300
    assert {r["intent"] for r in rows} == {i.value for i in Intent}
    assert {r["country"] for r in rows} == {"PE", "CL", "AR", "MX", "CO"}
    report = evaluate(rows, analyze)
    assert report.macro_f1 >= 0.85, report.errors[:10]


def test_heldout_set_is_there_and_scored() -> None:
    rows = load_rows(DATA / "heldout.jsonl")
    assert len(rows) >= 80
    assert evaluate(rows, analyze).macro_f1 > 0.7  # a floor against collapse, not a tuning target
