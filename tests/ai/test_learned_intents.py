"""The learned intent model: its corpus, the shipped artifact, ``train_intents`` and what the analyzer does with it."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import sklearn
from django.core.management import CommandError, call_command

from ai.decide import Action, Question
from ai.local import analyze, learned
from ai.models import IntentCorrection
from ai.replies import compose_reply
from ai.types import Intent, LeadState
from tests.conversations.conftest import post_twilio, provider_settings  # noqa: F401  (signed webhook fixtures)


@pytest.fixture
def deployment_model(tmp_path, settings):
    """``INTENT_MODEL_PATH`` in a temporary directory; the process forgets any model it loaded, before and after."""
    settings.INTENT_MODEL_PATH = str(tmp_path / "intent_model.joblib")
    learned.reload_model()
    yield Path(settings.INTENT_MODEL_PATH)
    learned.reload_model()


def small_corpus(per_intent: int = 25) -> list[dict[str, str]]:
    taken: Counter[str] = Counter()
    rows = []
    for row in learned.load_corpus():
        if taken[row["intent"]] < per_intent:
            taken[row["intent"]] += 1
            rows.append(row)
    return rows


def test_the_corpus_covers_every_intent_in_five_countries():
    rows = learned.load_corpus()
    per_intent = Counter(r["intent"] for r in rows)
    assert set(per_intent) == {i.value for i in Intent}
    assert min(per_intent.values()) >= 160
    assert {r["country"] for r in rows} == {"PE", "CL", "AR", "MX", "CO"}
    assert len({r["text"].lower() for r in rows}) == len(rows)  # no message twice
    heldout = Path(__file__).parent / "data" / "heldout.jsonl"
    held = {json.loads(line)["text"].lower() for line in heldout.read_text(encoding="utf-8").splitlines() if line}
    assert not held & {r["text"].lower() for r in rows}  # the held-out set stays out of training


def test_the_shipped_model_says_what_it_was_trained_on():
    model = learned.IntentModel.load(learned.SHIPPED_PATH)
    assert model is not None
    assert model.metadata["corpus_sha256"] == learned.corpus_hash(learned.load_corpus())
    assert model.metadata["sklearn"].split(".")[:2] == sklearn.__version__.split(".")[:2]
    assert set(model.labels) == {i.value for i in Intent}
    assert 0 < model.temperature < 5
    assert learned.SHIPPED_PATH.stat().st_size < 2_000_000  # small enough to ship with the code


def test_training_is_deterministic_and_the_fast_reader_matches_scikit_learn():
    rows = small_corpus()
    first, second = learned.train(rows), learned.train(rows)
    assert np.array_equal(first.coef, second.coef) and first.word_vocab == second.word_vocab
    texts = ["hola, cuánto cuesta el internet?", "el wifi no jala desde ayer 😡", "ok", "tienen el a55 en azul?"]
    pipeline = learned._fit([learned.prepare(r["text"]) for r in rows], [r["intent"] for r in rows],
                            [1.0] * len(rows))
    expected = pipeline.decision_function([learned.prepare(t) for t in texts])
    assert np.allclose(np.array([first.logits(t) for t in texts]), expected)
    probabilities = first.probabilities(texts[0])
    assert abs(sum(probabilities.values()) - 1) < 1e-9


@pytest.mark.parametrize(("text", "intent"), [
    ("Hola, quiero saber cuánto cuesta el internet", Intent.PRICE_QUERY),
    ("hola buenas, quisiera saber el precio del plan de 20 gigas 🙏", Intent.PRICE_QUERY),
    ("buenas tardes, quiero contratar fibra para mi casa", Intent.PURCHASE_INTENT),
    ("ya es la tercera semana sin señal y en el 104 nadie contesta, los voy a denunciar", Intent.COMPLAINT),
    ("qué eficientes, 4 días esperando al técnico 🙃", Intent.COMPLAINT),
    ("el módem se apaga solito cada rato, me ayudan a configurarlo?", Intent.SUPPORT_ISSUE),
    ("hola buenas noches", Intent.GREETING),
    ("ya te mandé la foto del voucher", Intent.OTHER),
])
def test_openers_and_complaints_are_read_as_what_they_carry(text, intent, deployment_model):
    result = analyze(text)
    assert result.intent == intent, result.notes
    assert 0 < result.confidence <= 1


def test_an_unreadable_message_gets_a_clarifying_question_with_the_likely_options(deployment_model):
    analysis = analyze("xq wrt")
    assert analysis.confidence < 0.5
    composed = compose_reply(analysis=analysis, text="xq wrt", hits=[], history=[], lead=LeadState())
    assert composed.decision.action == Action.ASK_NEXT_QUESTION
    assert composed.decision.questions == (Question.CLARIFY_INTENT,)
    assert composed.text.startswith("Perdona, quiero entenderte bien") and composed.text.endswith("?")
    assert " o " in composed.text and composed.text.count("¿Quieres") == 1


@pytest.mark.django_db
def test_an_agents_correction_changes_the_next_train_intents_model(deployment_model, capsys):
    text = "necesito algo para mi abuelita que no se entere"
    before = analyze(text).intent
    corrected = Intent.PRODUCT_QUERY if before != Intent.PRODUCT_QUERY else Intent.PURCHASE_INTENT
    IntentCorrection.objects.create(text=text, intent=corrected.value, predicted_intent=before.value)

    call_command("train_intents", folds=0)

    assert "1 corrections" in capsys.readouterr().out
    assert deployment_model.exists()
    assert analyze(text).intent == corrected  # the process picked up the deployment's model
    assert analyze("necesito algo para mi abuelito que no se entere").intent == corrected  # and a close variant
    model = learned.IntentModel.load(deployment_model)
    assert model.metadata["corrections"] == 1
    assert learned.IntentModel.load(learned.SHIPPED_PATH).predict(text) == before.value  # the shipped one untouched


@pytest.mark.django_db
def test_a_retrain_is_picked_up_without_a_restart(deployment_model, monkeypatch):
    assert learned.current_model().metadata["corpus_sha256"] == learned.corpus_hash(learned.load_corpus())
    rows = small_corpus(12)
    learned.train(rows, metadata={"corrections": 0}).dump(deployment_model)
    assert learned.current_model().metadata["rows"] != len(rows)  # checked at most once a minute
    monkeypatch.setattr(learned, "RECHECK_SECONDS", 0.0)
    assert learned.current_model().metadata["rows"] == len(rows)


def test_check_passes_on_the_shipped_model_and_fails_on_a_tampered_corpus(tmp_path, capsys):
    call_command("train_intents", check=True)
    assert "is the model the corpus gives" in capsys.readouterr().out

    corpus = tmp_path / "intents"
    shutil.copytree(learned.CORPUS_DIR, corpus)
    path = corpus / "greeting.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    lines[0] = json.dumps({**row, "intent": "complaint"}, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="another corpus"):
        call_command("train_intents", check=True, corpus=corpus)


def test_check_fails_when_the_shipped_model_reads_differently_from_a_retrain(tmp_path):
    rows = small_corpus(12)
    corpus = tmp_path / "intents"
    corpus.mkdir()
    (corpus / "rows.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                       encoding="utf-8")
    forged = learned.train(rows)
    forged.coef = forged.coef[:, ::-1].copy()  # same metadata, other readings
    forged.dump(tmp_path / "model.joblib")
    with pytest.raises(CommandError, match="differently"):
        call_command("train_intents", check=True, corpus=corpus, output=tmp_path / "model.joblib")


@pytest.fixture
def twilio_say(post_twilio, httpserver, settings, deployment_model):  # noqa: F811  (the imported fixture)
    """Send a customer's line through the signed Twilio webhook and run the queued work; the AI's reply back."""
    import itertools

    from werkzeug import Response

    from conversations.models import Message
    from tests.conversations.conftest import drain, twilio_params

    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    sids = itertools.count(1)
    httpserver.expect_request("/2010-04-01/Accounts/AC" + "1" * 32 + "/Messages.json", method="POST"
                              ).respond_with_handler(lambda _r: Response(
                                  f'{{"sid": "SMf{next(sids):031d}", "status": "queued"}}', status=201,
                                  content_type="application/json"))
    counter = itertools.count(1)

    def _say(text: str, wa_id: str = "51987654321") -> tuple[Message, Message | None]:
        post_twilio(twilio_params(MessageSid=f"SM{next(counter):032d}", Body=text, ProfileName="🌸",
                                  From=f"whatsapp:+{wa_id}", WaId=wa_id))
        drain()
        inbound = Message.objects.filter(direction="in", text=text).latest("pk")
        reply = Message.objects.filter(direction="out", conversation=inbound.conversation).order_by("-pk").first()
        return inbound, reply

    return _say


@pytest.mark.django_db
def test_through_the_webhook_an_opener_is_recorded_as_the_buying_intent_and_a_complaint_goes_to_a_person(
        twilio_say):
    inbound, reply = twilio_say("Hola, quiero saber cuánto cuesta el internet")
    assert inbound.intent == Intent.PRICE_QUERY.value
    assert reply is not None and reply.sender == "ai"

    complaint, _ = twilio_say("oigan, tres semanas sin internet y nadie me pesca, voy a ir al SERNAC",
                              wa_id="56987654321")
    assert complaint.intent == Intent.COMPLAINT.value
    complaint.conversation.refresh_from_db()
    assert complaint.conversation.needs_human


@pytest.mark.django_db
def test_through_the_webhook_an_unreadable_line_gets_the_clarifying_question_then_a_person(twilio_say):
    inbound, reply = twilio_say("xq wrt")
    assert reply is not None and "Perdona, quiero entenderte bien 🙂 ¿Quieres " in reply.text
    inbound.conversation.refresh_from_db()
    assert not inbound.conversation.needs_human
    second, _ = twilio_say("zzk pfff")
    second.conversation.refresh_from_db()
    assert second.conversation.needs_human
