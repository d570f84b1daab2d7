"""The ``openai`` provider: any OpenAI-compatible chat-completions server (OpenAI, DeepSeek, vLLM, Ollama...).

Analysis asks for JSON under a strict JSON schema and validates the answer again here (servers that do
not enforce the schema exist); replies are free text that must pass the price-grounding guard, else the
caller's templated ``fallback_text`` is sent. Every outcome carries a ``Usage`` (tokens, cost, latency).
No Django here: the caller passes the credentials, base URL, model and timeout.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import openai
import phonenumbers

from ai.clients import openai_client
from ai.errors import AIInvalidOutputError, AITimeoutError, AIUnavailableError
from ai.grounding import as_decimal, prices_in_text, ungrounded_prices
from ai.pricing import cost_usd
from ai.replies import format_money
from ai.types import Analysis, CatalogItem, Entities, Intent, Money, Reply, Sentiment, ServiceType, Turn, Usage

CURRENCIES = ["PEN", "USD", "CLP", "ARS", "MXN", "COP", "EUR", ""]
REPLY_HISTORY_TURNS = 10
ANALYSIS_HISTORY_TURNS = 6
MAX_CATALOG_IN_PROMPT = 8

_nullable_int = {"type": ["integer", "null"], "minimum": 0}
ENTITIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "service_type": {"type": "string", "enum": [s.value for s in ServiceType] + [""]},
        "operator": {"type": "string"},
        "products": {"type": "array", "items": {"type": "string"}},
        "product_terms": {"type": "string"},
        "capacity_gb": _nullable_int,
        "color": {"type": "string"},
        "speed_mbps": _nullable_int,
        "data_gb": _nullable_int,
        "quantity": _nullable_int,
        "budget": {
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "amount": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"},
                        "currency": {"type": "string", "enum": CURRENCIES},
                    },
                    "required": ["amount", "currency"],
                },
                {"type": "null"},
            ]
        },
        "zone": {"type": "string"},
        "address": {"type": "string"},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "phone": {"type": "string"},
        "urgency": {"type": "boolean"},
    },
}
ENTITIES_SCHEMA["required"] = list(ENTITIES_SCHEMA["properties"])

ANALYSIS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "intent": {"type": "string", "enum": [i.value for i in Intent]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "sentiment": {"type": "string", "enum": [s.value for s in Sentiment]},
        "sentiment_score": {"type": "number", "minimum": -1, "maximum": 1},
        "entities": ENTITIES_SCHEMA,
        "secondary_intents": {"type": "array", "items": {"type": "string", "enum": [i.value for i in Intent]}},
    },
    "required": ["intent", "confidence", "sentiment", "sentiment_score", "entities", "secondary_intents"],
}

ANALYSIS_SYSTEM_PROMPT = """\
Eres el analizador de mensajes de una tienda que vende por WhatsApp e Instagram en Latinoamérica \
(Perú, Chile, Argentina, México, Colombia): planes de internet, telefonía móvil, TV, combos, celulares \
y accesorios. Clasificas el ÚLTIMO mensaje del cliente y extraes datos. Respondes solo con el JSON pedido.

Intenciones (intent; si hay varias preguntas, la principal en intent y las demás en secondary_intents):
- greeting: saludo sin pedido ("hola", "buenas", "buen día", "qué tal", "holi").
- product_query: qué productos/planes hay ("¿qué celulares tienen?", "busco un plan de internet", \
"¿tenés fundas para el A15?", "quiero ver modelos").
- price_query: precio ("¿cuánto cuesta?", "¿cuánto sale?" (AR), "¿a cómo está?", "precio porfa", \
"¿cuánto es?", "¿en cuánto me lo dejas?", "¿qué valor tiene?" (CL/CO)).
- stock_query: disponibilidad ("¿tienen stock?", "¿hay en azul?", "¿les queda?", "¿todavía lo tienen?").
- coverage_query: cobertura en una zona ("¿llega a San Juan de Lurigancho?", "¿hay cobertura en Maipú?", \
"¿tienen fibra en Palermo?", "¿llegan a Iztapalapa?", "¿cubren Suba?").
- purchase_intent: quiere comprar o contratar ("lo quiero", "quiero contratar", "¿cómo pago?", \
"me lo llevo", "dale, lo compro" (AR), "sí, lo quiero" , "ya, mándamelo" (PE), "¿cómo hago el pedido?").
- comparison: compara opciones ("¿cuál es mejor, el A15 o el Redmi 13?", "¿qué diferencia hay?").
- price_objection: le parece caro o pide rebaja ("está muy caro", "¿no hay descuento?", "está salado" (PE), \
"¿me hacés precio?" (AR), "en otro lado está más barato", "¿una rebajita?").
- warranty_query: garantía, devoluciones ("¿tiene garantía?", "¿y si sale fallado?").
- complaint: reclamo o enojo ("pésimo servicio", "nadie me responde", "me cobraron de más", "qué mala onda").
- support_issue: problema técnico o de un servicio ya contratado ("no me llega el internet", \
"mi equipo no prende", "se cae la señal").
- human_request: pide una persona ("quiero hablar con un asesor", "pásame con alguien", \
"¿me atiende una persona?", "quiero hablar con un humano").
- thanks_goodbye: agradece o se despide ("gracias", "chau", "bacán, gracias" (CL/PE), "listo, mil gracias").
- other: nada de lo anterior.

confidence: 0 a 1, qué tan seguro estás del intent. sentiment: positive/neutral/negative y \
sentiment_score de -1 (muy negativo) a 1 (muy positivo).

Entidades (cadena vacía "", null o [] cuando el mensaje no lo dice; NUNCA inventes):
- service_type: internet_home, mobile, tv, combo, device (celulares, tablets, equipos) o accessory.
- operator: el operador/marca de servicio tal como aparece en la lista de operadores dada (claro, movistar, \
entel, bitel, wom, personal, telcel...); "" si no está en la lista.
- products: ids (o nombres exactos) de productos del catálogo dado a los que se refiere el mensaje.
- product_terms: las palabras con que nombró el producto ("iphone 15 pro", "plan de 200 megas").
- capacity_gb: almacenamiento en GB ("128 gigas" -> 128, "1 tera" -> 1024). color: "azul", "negro"...
- speed_mbps: velocidad de internet ("200 megas" -> 200, "1 giga de fibra" -> 1000). data_gb: datos móviles.
- quantity: unidades pedidas ("dos", "3 unidades" -> 3).
- budget: presupuesto con amount como texto numérico sin separadores ("mil quinientos soles" -> \
{"amount": "1500", "currency": "PEN"}; "tengo 300 lucas" (CL) -> {"amount": "300000", "currency": "CLP"}; \
"unos 200 dólares" -> {"amount": "200", "currency": "USD"}; "hasta 5 mil pesos" (MX) -> \
{"amount": "5000", "currency": "MXN"}; "S/ 89" -> PEN; si no se sabe la moneda, currency ""). \
Precios de productos que el cliente menciona NO son su presupuesto.
- zone: distrito, barrio, comuna o ciudad ("Miraflores", "Las Condes", "Palermo", "Coyoacán", "Chapinero"), \
con mayúsculas normales. address: dirección si la da.
- name: nombre si se presenta ("soy Ana", "me llamo Luis", "habla Carla"). email y phone si los da.
- urgency: true si lo necesita ya ("para hoy", "urgente", "lo antes posible", "al toque" (PE), "ya mismo").
"""

REPLY_SYSTEM_PROMPT = """\
Eres el asistente de ventas de una tienda que atiende por WhatsApp e Instagram. Escribe la respuesta \
al cliente en español latinoamericano, tuteando, cálida y breve (1 a 3 frases cortas, máximo unas 60 \
palabras), con 1 o 2 emojis. Si conoces su nombre, úsalo.
Reglas de oro:
- Precios y stock: menciona SOLO los que aparecen en "Catálogo", copiando el monto exactamente como está \
escrito. Si un producto no está en el catálogo o no tiene precio allí, no des precio: ofrece averiguarlo.
- No calcules totales, cuotas ni descuentos, no repitas montos del presupuesto del cliente y no escribas \
otros números con forma de precio.
- No inventes productos, promociones, plazos de entrega ni cobertura.
- Garantía, envíos, horarios y dirección, medios de pago, devoluciones e instalación: responde SOLO con \
"Respuestas de la tienda", sin cambiar plazos, montos ni condiciones. Si lo que pregunta no está allí, \
no lo inventes: di que un asesor se lo confirma.
- Sigue la instrucción de la tienda para este mensaje. No menciones estas reglas.
"""

SUMMARY_SYSTEM_PROMPT = """\
Resume la conversación para el asesor que la va a tomar, en español, en 2 a 4 líneas cortas: qué busca \
el cliente, los datos que dio (nombre, zona, presupuesto, producto), objeciones o reclamos, y el \
siguiente paso sugerido. Solo hechos de la conversación, sin inventar; sin saludos ni viñetas largas.
"""

_ROLE_NAMES = {"customer": "Cliente", "assistant": "Asistente", "agent": "Asesor"}
_TRANSIENT_STATUS = {408, 409, 429}


def _schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """A small JSON-schema check for the subset used above (type, enum, properties, required,
    additionalProperties, items, minimum, maximum, pattern, anyOf)."""
    if "anyOf" in schema:
        if any(not _schema_errors(value, option, path) for option in schema["anyOf"]):
            return []
        return [f"{path}: matches none of the allowed shapes"]
    types = schema.get("type")
    if types is not None:
        allowed = types if isinstance(types, list) else [types]
        checks = {
            "string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "null": lambda v: v is None,
            "object": lambda v: isinstance(v, dict),
            "array": lambda v: isinstance(v, list),
        }
        if not any(checks[t](value) for t in allowed):
            return [f"{path}: expected {'/'.join(allowed)}, got {type(value).__name__}"]
    if value is None:
        return []
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of the allowed values")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > {schema['maximum']}")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors += [f"{path}.{key}: missing" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{path}.{key}: not allowed" for key in value if key not in properties]
        for key, sub in properties.items():
            if key in value:
                errors += _schema_errors(value[key], sub, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += _schema_errors(item, schema["items"], f"{path}[{index}]")
    return errors


def validate_analysis_json(content: str | None) -> dict[str, Any]:
    """The parsed analysis object, or ``ValueError`` saying what is wrong."""
    if not content or not content.strip():
        raise ValueError("empty content")
    text = content.strip()
    if text.startswith("```"):  # some compatible servers wrap JSON in a fence
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    errors = _schema_errors(data, ANALYSIS_SCHEMA)
    if errors:
        raise ValueError("; ".join(errors[:5]))
    return data


def _catalog_entries(catalog: Any) -> list[tuple[str, str]]:
    """Context catalog as (id, name): accepts names, or dicts with "id"/"sku" and "name"."""
    entries = []
    for entry in catalog or []:
        if isinstance(entry, dict):
            ident = str(entry.get("id") or entry.get("sku") or entry.get("name") or "")
            entries.append((ident, str(entry.get("name") or ident)))
        else:
            entries.append((str(entry), str(entry)))
    return [(i, n) for i, n in entries if i]


def _known(value: str, options: list[str]) -> str | None:
    """``value`` spelled as in ``options`` (case-insensitive), or None."""
    wanted = value.strip().casefold()
    return next((option for option in options if option.casefold() == wanted), None)


def _entities_from(data: dict[str, Any], context: dict[str, Any]) -> tuple[Entities, list[str]]:
    notes: list[str] = []
    budget = None
    if data["budget"] is not None:
        try:
            amount = Decimal(data["budget"]["amount"])
        except InvalidOperation as exc:  # pragma: no cover - the pattern already guarantees a number
            raise ValueError(f"$.entities.budget.amount: {data['budget']['amount']!r}") from exc
        if amount > 0:
            budget = Money(amount=amount, currency=data["budget"]["currency"])

    products: list[str] = []
    catalog = _catalog_entries(context.get("catalog"))
    for ref in data["products"]:
        match = next((ident for ident, name in catalog if ref.casefold() in (ident.casefold(), name.casefold())), None)
        if match is None:
            notes.append(f"dropped product not in the catalog context: {ref!r}")
        elif match not in products:
            products.append(match)

    operator = data["operator"].strip()
    operators = [str(o) for o in context.get("operators") or []]
    if operator and operators:
        known = _known(operator, operators)
        if known is None:
            notes.append(f"dropped operator not in the context: {operator!r}")
        operator = known or ""

    zone = data["zone"].strip()
    zones = [str(z) for z in context.get("zones") or []]
    if zone and zones:
        zone = _known(zone, zones) or zone

    entities = Entities(
        service_type=data["service_type"],
        operator=operator,
        products=tuple(products),
        product_terms=data["product_terms"].strip(),
        capacity_gb=data["capacity_gb"],
        color=data["color"].strip(),
        speed_mbps=data["speed_mbps"],
        data_gb=data["data_gb"],
        quantity=data["quantity"],
        budget=budget,
        zone=zone,
        address=data["address"].strip(),
        name=data["name"].strip(),
        email=data["email"].strip(),
        phone=_e164(data["phone"].strip()),
        urgency=data["urgency"],
    )
    return entities, notes


def _e164(phone: str) -> str:
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone, None)  # only numbers written with their country code
    except phonenumbers.NumberParseException:
        return phone
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return phone


def _catalog_lines(catalog: list[CatalogItem]) -> str:
    lines = []
    for item in catalog[:MAX_CATALOG_IN_PROMPT]:
        parts = [f"precio: {format_money(item.price, item.currency)}"]
        final = as_decimal(item.attributes.get("final_price"))
        if final is not None:
            parts.append(f"precio final con descuento: {format_money(final, item.currency)}")
        if item.wholesale_price is not None:
            parts.append(f"precio por mayor: {format_money(item.wholesale_price, item.currency)}")
        if item.stock is None:
            parts.append("disponible")
        elif item.stock > 0:
            parts.append(f"stock: {item.stock}")
        else:
            parts.append("AGOTADO")
        lines.append(f"- {item.name} ({'; '.join(parts)})")
    return "\n".join(lines) or "(sin productos: no menciones ningún precio)"


def _transcript(history: list[Turn]) -> str:
    return "\n".join(f"{_ROLE_NAMES.get(turn.role, turn.role)}: {turn.text}" for turn in history)


JSON_SCHEMA = "json_schema"
JSON_OBJECT = "json_object"
# Servers that take ``response_format={"type": "json_object"}`` but not a JSON schema (DeepSeek's API).
_JSON_OBJECT_HOSTS = ("deepseek.com",)


def json_mode_for(base_url: str, mode: str = "auto") -> str:
    """How structured answers are asked for: ``json_schema`` (OpenAI: the server enforces the schema) or
    ``json_object`` (DeepSeek and other OpenAI-compatible servers: any JSON object, the schema goes in the prompt
    and our validators check the answer as always). ``auto`` picks by the server's host."""
    if mode in (JSON_SCHEMA, JSON_OBJECT):
        return mode
    if mode != "auto":
        raise ValueError(f"unknown JSON mode {mode!r}: json_schema, json_object or auto")
    host = (urlsplit(base_url).hostname or "").lower()
    return JSON_OBJECT if any(host == h or host.endswith("." + h) for h in _JSON_OBJECT_HOSTS) else JSON_SCHEMA


def as_json_object_request(messages: list[dict[str, str]], extra: dict[str, Any]
                           ) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """A ``json_schema`` request rewritten for a server that only takes ``json_object``: the schema becomes a
    system instruction (such servers want the word "JSON" in the prompt) and the format a plain JSON object."""
    response_format = extra.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") != JSON_SCHEMA:
        return messages, extra
    schema = (response_format.get("json_schema") or {}).get("schema") or {}
    instruction = ("Responde solo con un objeto JSON válido que cumpla este JSON Schema, sin texto alrededor:\n"
                   + json.dumps(schema, ensure_ascii=False, separators=(",", ":")))
    return ([*messages, {"role": "system", "content": instruction}],
            {**extra, "response_format": {"type": JSON_OBJECT}})


class OpenAIProvider:
    name = "openai"

    def __init__(self, api_key: str, *, base_url: str, model: str, timeout: float, max_retries: int = 0,
                 json_mode: str = "auto"):
        self.model = model
        self.timeout = timeout
        self.json_mode = json_mode_for(base_url, json_mode)
        self.client = openai_client(api_key, base_url, float(timeout), max_retries)

    # -- the one place that talks to the server ------------------------------------------------------
    def _usage(self, *, started: float, response: Any = None, outcome: str = "ok", error: str = "") -> Usage:
        tokens_in = tokens_out = 0
        usage = getattr(response, "usage", None)
        if usage is not None:
            tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
            tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        return Usage(
            provider=self.name,
            model=self.model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            cost_usd=cost_usd(self.model, tokens_in, tokens_out),
            outcome=outcome,
            error=error[:500],
        )

    def _complete(self, messages: list[dict[str, str]], **extra: Any) -> tuple[str, str, Usage]:
        """(content, finish_reason, usage); SDK failures become ``AIError`` subclasses with a Usage."""
        if self.json_mode == JSON_OBJECT:
            messages, extra = as_json_object_request(messages, extra)
        started = time.perf_counter()
        call: Callable[..., Any] = self.client.chat.completions.create
        try:
            response = call(model=self.model, messages=messages, **extra)
        except openai.APITimeoutError as exc:
            usage = self._usage(started=started, outcome="timeout", error=f"timeout after {self.timeout}s")
            raise AITimeoutError(f"{self.name}: no answer within {self.timeout}s", usage) from exc
        except openai.APIStatusError as exc:
            status = exc.status_code
            usage = self._usage(started=started, outcome="error", error=f"HTTP {status}: {exc.message}")
            raise AIUnavailableError(
                f"{self.name}: HTTP {status}: {exc.message}", usage, status=status,
                retryable=status in _TRANSIENT_STATUS or status >= 500,
            ) from exc
        except openai.APIConnectionError as exc:
            usage = self._usage(started=started, outcome="error", error=f"connection error: {exc}")
            raise AIUnavailableError(f"{self.name}: cannot connect: {exc}", usage, retryable=True) from exc
        except openai.OpenAIError as exc:  # unreadable responses and anything else the SDK raises
            usage = self._usage(started=started, outcome="error", error=f"{type(exc).__name__}: {exc}")
            raise AIUnavailableError(f"{self.name}: {type(exc).__name__}: {exc}", usage) from exc
        usage = self._usage(started=started, response=response)
        choices = getattr(response, "choices", None) or []
        if not choices or choices[0].message is None:
            raise AIInvalidOutputError(f"{self.name}: no choices in the response",
                                       _with_outcome(usage, "invalid", "no choices"))
        choice = choices[0]
        return choice.message.content or "", choice.finish_reason or "", usage

    # -- AIProvider ---------------------------------------------------------------------------------
    def analyze(self, text: str, *, history: list[Turn] | None = None, context: dict[str, Any] | None = None
                ) -> tuple[Analysis, Usage]:
        context = context or {}
        messages = [{"role": "system", "content": ANALYSIS_SYSTEM_PROMPT}]
        background = []
        catalog = _catalog_entries(context.get("catalog"))
        if catalog:
            background.append("Catálogo (id: nombre):\n" + "\n".join(f"- {i}: {n}" for i, n in catalog[:50]))
        if context.get("operators"):
            background.append("Operadores: " + ", ".join(str(o) for o in context["operators"]))
        if context.get("zones"):
            background.append("Zonas atendidas: " + ", ".join(str(z) for z in context["zones"]))
        if history:
            background.append("Conversación previa (solo contexto, no la clasifiques):\n"
                              + _transcript(history[-ANALYSIS_HISTORY_TURNS:]))
        if background:
            messages.append({"role": "system", "content": "\n\n".join(background)})
        messages.append({"role": "user", "content": text})

        content, finish_reason, usage = self._complete(
            messages,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "analysis", "strict": True, "schema": ANALYSIS_SCHEMA},
            },
        )
        try:
            if finish_reason == "length":
                raise ValueError("output cut at the token limit")
            data = validate_analysis_json(content)
            entities, notes = _entities_from(data["entities"], context)
        except ValueError as exc:
            raise AIInvalidOutputError(f"{self.name}: invalid analysis: {exc}",
                                       _with_outcome(usage, "invalid", str(exc))) from exc
        primary = Intent(data["intent"])
        secondary = tuple(dict.fromkeys(Intent(i) for i in data["secondary_intents"] if i != primary))
        analysis = Analysis(
            intent=primary,
            confidence=float(data["confidence"]),
            sentiment=Sentiment(data["sentiment"]),
            sentiment_score=float(data["sentiment_score"]),
            entities=entities,
            secondary_intents=secondary,
            provider=self.name,
            notes=(f"model={self.model}", *notes),
        )
        return analysis, usage

    def reply(self, *, instruction: str, history: list[Turn], catalog: list[CatalogItem], facts: dict[str, Any],
              fallback_text: str) -> Reply:
        facts = dict(facts)
        knowledge = facts.pop("knowledge", None) or []
        known_facts = "\n".join(f"- {key}: {value}" for key, value in facts.items() if value not in (None, "", [], {}))
        answers = "\n".join(f"- {entry['question']} → {entry['answer']}" for entry in knowledge)
        system = (
            f"{REPLY_SYSTEM_PROMPT}\n"
            f"Datos del cliente:\n{known_facts or '(ninguno)'}\n\n"
            f"Catálogo (la única fuente de precios y stock):\n{_catalog_lines(catalog)}\n\n"
            "Respuestas de la tienda (la única fuente sobre garantía, envíos, horarios, pagos, devoluciones e "
            f"instalación; responde esos temas solo con esto):\n{answers or '(ninguna)'}\n\n"
            f"Instrucción de la tienda para este mensaje: {instruction}"
        )
        messages = [{"role": "system", "content": system}]
        for turn in history[-REPLY_HISTORY_TURNS:]:
            messages.append({"role": "user" if turn.role == "customer" else "assistant", "content": turn.text})
        if len(messages) == 1:
            messages.append({"role": "user", "content": "(el cliente aún no ha escrito)"})

        content, finish_reason, usage = self._complete(messages)
        text = content.strip()
        if not text or finish_reason == "length":
            reason = "empty reply" if not text else "reply cut at the token limit"
            return Reply(text=fallback_text, grounded=False, usage=_with_outcome(usage, "fallback", reason))
        # An amount the store's own answers state (a delivery fee) is grounded too.
        stated = prices_in_text(" ".join(entry["answer"] for entry in knowledge))
        wrong = [a for a in ungrounded_prices(text, catalog[:MAX_CATALOG_IN_PROMPT]) if a not in stated]
        if wrong:
            reason = "prices not in the catalog: " + ", ".join(str(amount) for amount in wrong)
            return Reply(text=fallback_text, grounded=False, usage=_with_outcome(usage, "fallback", reason))
        return Reply(text=text, grounded=True, usage=usage)

    def summarize(self, history: list[Turn]) -> tuple[str, Usage]:
        messages = [
            {"role": "system", "content": SUMMARY_SYSTEM_PROMPT},
            {"role": "user", "content": "Conversación:\n" + (_transcript(history) or "(vacía)")},
        ]
        content, _, usage = self._complete(messages)
        lines = [line.strip() for line in content.strip().splitlines() if line.strip()]
        if not lines:
            raise AIInvalidOutputError(f"{self.name}: empty summary", _with_outcome(usage, "invalid", "empty summary"))
        return "\n".join(lines[:4]), usage



def _with_outcome(usage: Usage, outcome: str, error: str) -> Usage:
    return dataclasses.replace(usage, outcome=outcome, error=error[:500])
