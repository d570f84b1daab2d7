"""Fuzzing the REST API with schemathesis: every operation of the OpenAPI schema, a bounded number of cases.

The schema is drf-spectacular's, generated in process; each case goes through Django's WSGI handler (the
whole middleware stack) as an admin with a DRF token, inside the test's transaction, over a small set of
real rows so that detail and action endpoints meet existing ids about half of the time.

A case fails on any 5xx, and on a response that does not match the schema for its (documented) status.
The figures (operations, cases, server errors) are printed at the end by tests/fuzz/conftest.py.

Run alone: ``pytest -m fuzz``. ``FUZZ_EXAMPLES`` sets the cases per operation (25 by default),
``FUZZ_COVERAGE=1`` adds schemathesis' boundary cases (about 110 more per operation), ``FUZZ_RANDOM=1``
draws new cases instead of the same ones each run (CI keeps the same ones, so a red build is reproducible).
Values that broke parsers here before are mixed into the generated strings and integers (``HOSTILE_*``).
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from agreements.services import agreement_create
from conftest import make_user
from conversations.models import ChannelAccount, Conversation, Message, Note
from sales.services.quotes import quote_create
from sales.services.sales import sale_create
from tests.agreements.factories import DebtFactory
from tests.calls.backoffice_data import make_call
from tests.fuzz.conftest import FIGURES
from tests.leads.factories import ContactFactory, LeadFactory
from tests.operators.factories import OperatorFactory, ProductFactory
from tests.quality.factories import make_audit, make_matrix
from tickets.services import ticket_create

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
COVERAGE = os.environ.get("FUZZ_COVERAGE", "0") == "1"
RANDOM = os.environ.get("FUZZ_RANDOM", "0") == "1"

# Values that broke parsers here before (str.isdigit() takes "²", int() does not; ids past 2**63 overflow
# the SQLite driver; impossible dates and months; JSON null as text), mixed into what hypothesis generates.
HOSTILE_STRINGS = ["²", "¹²", "٣", "99999999999999999999999", "9223372036854775808", "-1", "0", "0000-01",
                   "2025-13", "2025-02-30", "2025-02-30T10:00:00Z", "9999-12-31", "0001-01-01", "null", "NaN",
                   "1e999", "me", "none", "team-²", "\x00"]
HOSTILE_INTEGERS = [99999999999999999999999, 9223372036854775808, 9223372036854775807, 2147483648, -1, 0]
CONFIG = SchemathesisConfig.from_dict({
    "dictionaries": {"hostile-strings": {"values": HOSTILE_STRINGS},
                     "hostile-integers": {"values": HOSTILE_INTEGERS}},
    "phases": {"coverage": {"enabled": COVERAGE}},
    "generation": {"dictionaries": {"string": {"dictionary": "hostile-strings", "probability": 0.25},
                                    "integer": {"dictionary": "hostile-integers", "probability": 0.25}}},
})

_raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
schema = schemathesis.openapi.from_dict(_raw, config=CONFIG)
schema.app = WSGIHandler()

# Which rows an ``{id}`` names, by the path's first segment after /api/v1/.
_RESOURCE = re.compile(r"^/api/v1/([a-z-]+)/\{id\}")


@pytest.fixture
def world(admin_user, settings) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A token for an admin and one or two real rows of every resource the API serves."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    operator = OperatorFactory()
    product = ProductFactory(operator=operator, stock=50)
    contact = ContactFactory()
    lead = LeadFactory(contact=contact, assignee=admin_user)
    account = ChannelAccount.objects.create(provider="twilio_whatsapp", name="WhatsApp", account_ref="+14155238886",
                                            ai_mode=ChannelAccount.AIMode.OFF)
    now = timezone.now()
    conversation = Conversation.objects.create(contact=contact, channel_account=account, assignee=admin_user,
                                               lead=lead, last_message_at=now, last_inbound_at=now)
    Message.objects.create(conversation=conversation, channel_account=account, direction="in", sender="customer",
                           status="received", text="Hola, ¿cuánto cuesta el plan?")
    Note.objects.create(conversation=conversation, author=admin_user, text="Llamar mañana")
    quote = quote_create(actor=admin_user, contact=contact, conversation=conversation,
                         lines=[{"product": product, "quantity": 1}])
    sold = quote_create(actor=admin_user, contact=contact, lines=[{"product": product, "quantity": 2}])
    sale = sale_create(actor=admin_user, quote=sold)
    debt = DebtFactory(contact=contact, operator=operator, assignee=admin_user)
    agreement = agreement_create(actor=admin_user, debt=debt, discount_percent=Decimal("10"), installments=3,
                                 first_due_date=timezone.localdate() + timedelta(days=7))
    agent = make_user("fuzz-agent", "agent")
    call = make_call(agent=agent, contact=contact)
    matrix = make_matrix()
    draft = make_audit(matrix=matrix, agent=agent, analyst=admin_user, call=call)
    sent = make_audit(matrix=matrix, agent=agent, analyst=admin_user, status="submitted",
                      answers={c.pk: "yes" if c.answer_type != "scale_1_5" else "4" for c in matrix.criteria.all()})
    ticket = ticket_create(actor=admin_user, subject="Cobro doble en la factura", conversation=conversation)
    return {
        "token": Token.objects.create(user=admin_user).key,
        "ids": {"operators": [operator.pk], "products": [product.pk], "contacts": [contact.pk],
                "leads": [lead.pk], "conversations": [conversation.pk], "quotes": [quote.pk, sold.pk],
                "sales": [sale.pk], "debts": [debt.pk], "agreements": [agreement.pk],
                "calls": [call.pk], "audits": [draft.pk, sent.pk], "tickets": [ticket.pk]},
        "phones": [contact.phone],
    }


@pytest.fixture
def wsgi_in_test_transaction():  # type: ignore[no-untyped-def]
    """Like Django's test client: a request's end must not close the connection holding the test's transaction.
    Exceptions behind a 500 are kept to name them in the failure and in the figures."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    errors: list[BaseException] = []

    def keep(sender: Any, request: Any = None, **kwargs: Any) -> None:
        import sys

        errors.append(sys.exc_info()[1])

    got_request_exception.connect(keep)
    yield errors
    got_request_exception.disconnect(keep)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _point_at_real_rows(case: Any, world: dict[str, Any]) -> None:
    """Every other case names a row that exists, so actions get past the 404."""
    FIGURES.cases += 1
    if FIGURES.cases % 2:
        return
    match = _RESOURCE.match(case.operation.path)
    if match and isinstance(case.path_parameters.get("id"), int) and match.group(1) in world["ids"]:
        ids = world["ids"][match.group(1)]
        case.path_parameters["id"] = ids[FIGURES.cases // 2 % len(ids)]
    if "phone" in (case.path_parameters or {}):
        case.path_parameters["phone"] = world["phones"][0]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None, print_blob=False,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
def test_api_operation_never_answers_5xx_and_matches_its_schema(case, world, wsgi_in_test_transaction):
    FIGURES.operations.add(case.operation.label)
    FIGURES.phases[case.meta.phase.name.value if case.meta else "?"] += 1
    _point_at_real_rows(case, world)
    errors = wsgi_in_test_transaction
    errors.clear()
    response = case.call(headers={"Authorization": f"Token {world['token']}"})
    FIGURES.statuses[f"{response.status_code // 100}xx"] += 1
    if response.status_code >= 500:
        cause = f"{type(errors[-1]).__name__}: {str(errors[-1])[:200]}" if errors else response.text[:200]
        FIGURES.server_errors.append(f"{case.operation.label} {case.path_parameters or ''} "
                                     f"{case.query or ''} -> {response.status_code} {cause}")
        pytest.fail(f"{case.operation.label} answered {response.status_code}: {cause}\n"
                    f"{case.as_curl_command()}")
    case.validate_response(response, checks=[response_schema_conformance])
