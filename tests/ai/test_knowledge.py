"""The knowledge base: which of the shop's answers a customer's message asks for (``ai.knowledge``), how
``compose_reply`` answers with it word for word, and what an LLM is given of it. No database."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from ai.decide import Action
from ai.knowledge import THRESHOLD, KnowledgeItem, answers, best_answer, policy_topic, rank, relevant, split_keywords
from ai.local.analyzer import analyze
from ai.openai_provider import OpenAIProvider
from ai.replies import KNOWLEDGE_FOLLOW_UP, compose_reply, handoff, policy_unknown
from ai.types import CatalogItem, LeadState
from demo.seed.catalog import KNOWLEDGE, STORE_LOCATION
from tests.ai.test_openai_provider import MODEL, expect_chat, sent_body


def shop_items() -> list[KnowledgeItem]:
    """The demo shop's entries, as the conversations loader hands them over."""
    return [
        KnowledgeItem(id=str(n), topic=topic, question=question, answer=answer, keywords=split_keywords(keywords),
                      latitude=STORE_LOCATION[0] if topic == "hours" else None,
                      longitude=STORE_LOCATION[1] if topic == "hours" else None)
        for n, (topic, question, answer, keywords) in enumerate(KNOWLEDGE, start=1)
    ]


ITEMS = shop_items()
BY_TOPIC = {item.topic: item for item in ITEMS}

# How customers ask, in Peruvian, Chilean, Argentine, Mexican and Colombian Spanish, typos and all.
PARAPHRASES = [
    ("¿tienen delivery a Arequipa?", "delivery"),
    ("hacen envios a provincia?", "delivery"),
    ("despachan a Valparaíso?", "delivery"),  # CL
    ("¿Me lo mandan a Córdoba? cuánto sale el envío", "delivery"),  # AR
    ("hacen domicilios a Chapinero?", "delivery"),  # CO
    ("¿cuánto tarda en llegar a Monterrey?", "delivery"),  # MX
    ("tienen deliveri??", "delivery"),
    ("cuánta garantía tiene el samsung", "warranty"),
    ("y si se malogra el cel?", "warranty"),  # PE
    ("q garatia tienen los celus", "warranty"),
    ("el equipo viene con garantía de fábrica?", "warranty"),
    ("a que hora abren?", "hours"),
    ("donde estan ubicados", "hours"),
    ("atienden los domingos?", "hours"),
    ("¿Tienen tienda física o solo venden online?", "hours"),
    ("dnd qdan?", "hours"),
    ("cual es la dirección del local", "hours"),
    ("aceptan yape?", "payment"),  # PE
    ("se puede pagar en cuotas con tarjeta", "payment"),
    ("puedo pagar con nequi?", "payment"),  # CO
    ("aceptan mercado pago?", "payment"),  # AR
    ("se puede pagar en efectivo en oxxo?", "payment"),  # MX
    ("qué formas de pago tienen", "payment"),
    ("puedo devolver el celular si no me gusta?", "returns"),
    ("hacen devoluciones?", "returns"),
    ("si me arrepiento me devuelven la plata?", "returns"),
    ("cual es la politica de cambios", "returns"),
    ("cuanto demora la instalacion del internet?", "installation"),
    ("en cuanto tiempo me instalan la fibra?", "installation"),
    ("cuándo vienen a instalar?", "installation"),
]

UNRELATED = [
    "quiero un iphone 15",
    "hola buenas tardes",
    "cuanto cuesta el plan de 200 mbps",
    "gracias, chau",
    "tienen el samsung a54 en negro?",
    "quiero cambiar de plan",
    "el celular que me vendieron no prende, estoy harto",
    "quiero hablar con una persona",
    "me interesa el plan movistar de 50 soles",
    "tienen cobertura en Surco?",
    "soy Ana, mi presupuesto es 1500",
    "cual es mas barato, el xiaomi o el motorola?",
    "hay stock del cargador tipo c?",
    "vivo en Miraflores",
    "dale, lo quiero",
    "necesito internet para mi casa",
    "ya te yapeé, te mando el voucher",  # says what they did, does not ask the policy
    "te envío mi DNI por aquí",
    "quiero un chip con tarjeta sim",
    "mi domicilio es Av. Arequipa 123",
]


@pytest.mark.parametrize(("text", "topic"), PARAPHRASES)
def test_a_paraphrase_gets_the_entry_of_its_topic(text, topic):
    match = best_answer(text, ITEMS)
    assert match is not None, text
    assert match.item.topic == topic
    assert match.score >= THRESHOLD


@pytest.mark.parametrize("text", UNRELATED)
def test_a_message_that_asks_no_policy_gets_no_entry(text):
    assert best_answer(text, ITEMS) is None, rank(text, ITEMS)[0]


def test_the_threshold_separates_the_examples_with_a_margin():
    """Measured: the weakest paraphrase and the strongest unrelated message, both away from the threshold."""
    weakest = min(rank(text, ITEMS)[0].score for text, _ in PARAPHRASES)
    strongest = max(rank(text, ITEMS)[0].score for text in UNRELATED)
    assert weakest >= THRESHOLD + 0.05 and strongest <= THRESHOLD - 0.1, (weakest, strongest)


def test_a_supervisors_keywords_and_question_find_an_entry_of_another_topic():
    unlocked = KnowledgeItem(id="9", topic="other", question="¿Los celulares vienen liberados?",
                             answer="Sí, todos nuestros equipos vienen liberados para cualquier operador.",
                             keywords=("liberado", "libre para cualquier operador"))
    items = [*ITEMS, unlocked]
    assert best_answer("los cels vienen liberados?", items).item == unlocked
    assert best_answer("¿el equipo es libre para cualquier operador?", items).item == unlocked
    assert best_answer("quiero un samsung", items) is None


def test_two_questions_in_one_message_get_both_answers_once_each():
    found = answers("¿tienen delivery a Piura? y aceptan Yape?", ITEMS)
    assert [m.item.topic for m in found] == ["delivery", "payment"]


def test_relevant_gives_at_most_k_entries_the_nearest_first():
    near = relevant("hacen envío a provincia y cuánto cuesta el envío?", ITEMS, k=2)
    assert near[0] == BY_TOPIC["delivery"] and len(near) <= 2
    assert relevant("hola", ITEMS) == []
    assert relevant("garantía", []) == []


def test_policy_topic_tells_a_policy_question_without_any_entry():
    assert policy_topic("tiene garantía?") == "warranty"
    assert policy_topic("hacen delivery a Surco?") == "delivery"
    assert policy_topic("a qué hora cierran?") == "hours"
    assert policy_topic("aceptan Plin?") == "payment"
    assert policy_topic("quiero el iphone 15") is None
    assert policy_topic("te envío mi DNI") is None


def test_retrieval_takes_well_under_a_millisecond_or_two_per_message():
    texts = [t for t, _ in PARAPHRASES] + UNRELATED
    for text in texts:  # warm the entries' profiles, as a running process has them
        rank(text, ITEMS)
    started = time.perf_counter()
    for n in range(3):
        for text in texts:
            rank(f"{text} {n}", ITEMS)
    per_message_ms = (time.perf_counter() - started) * 1000 / (3 * len(texts))
    assert per_message_ms < 5, per_message_ms


# ---------------------------------------------------------------------------------------------
# compose_reply answers from the knowledge base, never inventing policy
# ---------------------------------------------------------------------------------------------
IPHONE = CatalogItem(id="3", name="iPhone 15 128 GB", price=Decimal("3799.00"), currency="PEN", stock=2,
                     category="device", attributes={"capacity_gb": 128})
ANA = LeadState(name="Ana Torres", has_lead=True)
NOBODY = LeadState()


def compose(text: str, *, knowledge=ITEMS, hits=(), lead=NOBODY, catalog=None):
    return compose_reply(analysis=analyze(text, catalog=catalog), text=text, hits=list(hits), history=[], lead=lead,
                         knowledge=knowledge)


def test_a_delivery_question_gets_the_entry_word_for_word_and_a_follow_up():
    composed = compose("¿tienen delivery a Arequipa?")
    assert composed.decision.action == Action.ANSWER
    assert composed.decision.reason == "knowledge_delivery"
    assert composed.text == f"{BY_TOPIC['delivery'].answer}\n\n{KNOWLEDGE_FOLLOW_UP}"
    assert composed.knowledge == BY_TOPIC["delivery"]


def test_the_store_address_answer_carries_its_location_for_the_pin():
    composed = compose("¿dónde están ubicados?")
    assert composed.knowledge is not None and composed.knowledge.has_location
    assert (composed.knowledge.latitude, composed.knowledge.longitude) == STORE_LOCATION
    assert BY_TOPIC["hours"].answer in composed.text


def test_a_policy_question_nobody_answered_goes_to_a_person_without_a_guess():
    for text in ("¿tienen garantía?", "¿hacen delivery a Cusco?", "aceptan yape?"):
        composed = compose(text, knowledge=[BY_TOPIC["hours"]])
        assert composed.decision.action == Action.ESCALATE_TO_HUMAN, text
        assert composed.decision.reason == "policy_unknown"
        assert composed.text == policy_unknown(None)
        assert composed.is_handover and composed.knowledge is None
    assert compose("¿tienen garantía?", knowledge=(), lead=ANA).text == policy_unknown("Ana")


def test_a_named_product_price_with_a_delivery_question_gets_the_price_then_the_policy():
    catalog = [IPHONE]
    composed = compose("cuánto cuesta el iPhone 15 128 GB y tienen delivery?", hits=catalog, catalog=catalog)
    price, policy = composed.text.split("\n\n", 1)
    assert "iPhone 15 128 GB está a S/ 3,799.00" in price
    assert policy == BY_TOPIC["delivery"].answer


def test_a_complaint_that_names_the_warranty_stays_a_hand_over():
    composed = compose("Es el colmo, el celular se malogró a la semana y nadie me responde por la garantía!!!")
    assert composed.is_handover and composed.decision.reason in ("complaint", "negative_sentiment")
    assert composed.text == handoff(None) and composed.knowledge is None


def test_a_sales_message_is_answered_as_before_with_or_without_a_knowledge_base():
    with_kb, without = compose("hola, quiero un plan de internet"), compose("hola, quiero un plan de internet",
                                                                               knowledge=())
    assert (with_kb.text, with_kb.decision) == (without.text, without.decision)
    assert with_kb.knowledge is None and "knowledge" not in without.facts


def test_the_entries_near_the_message_go_to_a_generating_provider_as_facts():
    composed = compose("¿hacen envíos a Trujillo y aceptan Plin?")
    given = {entry["topic"]: entry["answer"] for entry in composed.facts["knowledge"][:2]}
    assert given == {"delivery": BY_TOPIC["delivery"].answer, "payment": BY_TOPIC["payment"].answer}
    assert composed.text == "\n\n".join([given[composed.knowledge.topic],
                                          *(a for t, a in given.items() if t != composed.knowledge.topic),
                                          KNOWLEDGE_FOLLOW_UP])
    assert "Respuestas de la tienda" in composed.instruction


# ---------------------------------------------------------------------------------------------
# The OpenAI provider gets the entries as its only source of policy (a local fake server)
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def provider(httpserver):
    return OpenAIProvider("sk-test", base_url=httpserver.url_for("/v1"), model=MODEL, timeout=2.0)


def test_the_openai_request_carries_the_shops_answers_and_the_rule_to_answer_policy_only_from_them(
        httpserver, provider):
    composed = compose("¿tienen delivery a Arequipa?")
    expect_chat(httpserver, "¡Sí! 🚚 A Arequipa enviamos por Olva o Shalom en 2 a 5 días hábiles.")
    reply = provider.reply(instruction=composed.instruction, history=list(composed.history), catalog=[],
                           facts=composed.facts, fallback_text=composed.text)
    system = sent_body(httpserver)["messages"][0]["content"]
    answers_block = system.split("Respuestas de la tienda", 1)[1].split("Instrucción de la tienda", 1)[0]
    assert f"{BY_TOPIC['delivery'].question} → {BY_TOPIC['delivery'].answer}" in answers_block
    assert "responde SOLO con" in system and "di que un asesor se lo confirma" in system
    assert "- knowledge:" not in system  # not dumped among the customer's facts
    assert reply.grounded and reply.text.startswith("¡Sí! 🚚")


def test_a_fee_the_shops_answer_states_is_not_taken_for_an_invented_price(httpserver, provider):
    fee = KnowledgeItem(id="1", topic="delivery", question="¿Cuánto cuesta el delivery?",
                        answer="El delivery en Lima cuesta S/ 10.00 y es gratis desde S/ 300.00.",
                        keywords=("delivery",))
    composed = compose("cuánto cuesta el delivery?", knowledge=[fee])
    expect_chat(httpserver, "El delivery en Lima te sale S/ 10.00 😊")
    reply = provider.reply(instruction=composed.instruction, history=list(composed.history), catalog=[],
                           facts=composed.facts, fallback_text=composed.text)
    assert (reply.text, reply.grounded) == ("El delivery en Lima te sale S/ 10.00 😊", True)
    expect_chat(httpserver, "El delivery te sale S/ 5.00 😊")
    invented = provider.reply(instruction=composed.instruction, history=list(composed.history), catalog=[],
                              facts=composed.facts, fallback_text=composed.text)
    assert (invented.text, invented.grounded) == (composed.text, False)


# ---------------------------------------------------------------------------------------------
# Admin: supervisors keep the answers and try a question
# ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_supervisor_adds_an_answer_in_admin_and_the_try_box_picks_it(client, supervisor):
    from ai.models import KnowledgeEntry

    client.force_login(supervisor)
    assert client.get("/admin/ai/knowledgeentry/").status_code == 200
    added = client.post("/admin/ai/knowledgeentry/add/", {
        "topic": "delivery", "question": "¿Hacen delivery a provincias?", "answer": "Sí, por Olva y Shalom 🚚.",
        "keywords": "delivery, envío", "is_active": "on", "latitude": "", "longitude": ""})
    assert added.status_code == 302, added.content[:2000]
    entry = KnowledgeEntry.objects.get()
    assert (entry.topic, entry.keywords, entry.is_active) == ("delivery", "delivery, envío", True)

    listed = client.get("/admin/ai/knowledgeentry/?topic__exact=delivery").content.decode()
    assert "¿Hacen delivery a provincias?" in listed and "crm-badge" in listed
    tried = client.post("/admin/ai/knowledgeentry/try/", {"text": "despachan a Piura?"}).content.decode()
    assert "Sí, por Olva y Shalom 🚚." in tried and "✔" in tried
    unrelated = client.post("/admin/ai/knowledgeentry/try/", {"text": "quiero un iphone"}).content.decode()
    assert "✔" not in unrelated


@pytest.mark.django_db
def test_an_agent_cannot_edit_the_answers(client, agent):
    client.force_login(agent)
    response = client.get("/admin/ai/knowledgeentry/")
    assert response.status_code == 302 and "/login/" in response["Location"]
