"""Facts in a message: product type, operator, sizes, colour, quantity, zone, address, name, contacts.

Each parser takes the ``Normalized`` message and the compiled lexicon and returns a plain value.
"""

from __future__ import annotations

import re

from ai.local.compiled import Compiled, quantity_value
from ai.local.normalize import WORD, Normalized
from core.text import fold

_PRIORITY = ("combo", "accessory", "internet_home", "tv", "mobile", "device")
_CAPACITIES = {16, 32, 64, 128, 256, 512, 1024}
_CAPACITY = re.compile(r"(?<![\d.,])(\d{1,4})\s*(tb|terabytes?|gb|gigas?|gigabytes?|gbs|g|gigabyte)(?![a-z])"
                       r"(?!\s*(?:de\s+)?ram)")
_BARE_CAPACITY = re.compile(r"(?<![\d.,$/])(64|128|256|512)(?![\d.,])(?!\s*(?:soles|dolares|pesos|mil|k\b|mb|megas|"
                            r"mbps|lucas|usd))")
_SPEED = re.compile(r"(?<![\d.,])(\d{1,4})\s*(mbps|mb|megas?|mbs|mega|megabits?|mbits?)(?![a-z])")
_SPEED_BARE = re.compile(r"(?:internet|fibra|wifi|plan|velocidad|el|la)\s+de\s+(\d{2,4})(?![\d.,]|\s*(?:soles|"
                         r"dolares|pesos|mil|k\b|gb|gigas?|s/))")
# An email address, found from each "@" outwards in bounded windows: a plain regex search for
# ``[\w.+-]+@...`` retries the whole run of word characters at every start, quadratic in a long word.
_EMAIL_LOCAL = re.compile(r"[\w.+-]{1,64}\Z")
_EMAIL_DOMAIN = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_PHONE = re.compile(r"(?<![\w$/.,])(\+?\d[\d \-]{7,16}\d)(?![\d.,])")
_ADDRESS = re.compile(
    r"(?<![\w])(?:av(?:enida)?\.?|jr\.?|jir[oó]n|calle|cll\.?|pasaje|psje\.?|pje\.?|carrera|cra\.?|kr\.?|diagonal|"
    r"transversal|prolongaci[oó]n|prol\.?|urb(?:anizaci[oó]n)?\.?|mz\.?|manzana|pasaje)\s+"
    r"(?:[^\W\d_][\w.'°º-]*\.?\s+){0,5}?"
    r"(?:#|n[°º]|no\.?|nro\.?|n\.)?\s*\d+[a-z]?(?:\s*(?:#|-|n[°º])\s*\d+[a-z]?){0,2}"
    r"(?:\s*,?\s*(?:dpto|dto|depto|departamento|int|interior|piso|of|oficina|lote|lt|mz|block|torre)\.?\s*[\w-]+)*",
    re.IGNORECASE,
)
_NAME_CUES = {
    ("me", "llamo"): True, ("mi", "nombre", "es"): True, ("mi", "nombre"): True, ("soy",): False,
    ("habla",): False, ("le", "habla"): False, ("te", "habla"): False, ("les", "habla"): False,
    ("le", "escribe"): False, ("te", "escribe"): False, ("les", "escribe"): False, ("te", "saluda"): False,
    ("de", "parte", "de"): False, ("a", "nombre", "de"): True, ("atte",): False, ("att",): False,
}
# Words that follow "soy"/"me llamo" but are not names ("soy de Surco", "soy cliente", "soy nuevo").
_NOT_NAMES = frozenset([
    "de", "del", "la", "el", "los", "las", "un", "una", "uno", "cliente", "clienta", "nuevo", "nueva", "yo", "el",
    "ella", "su", "tu", "mi", "muy", "bien", "mal", "casi", "estudiante", "profesor", "profesora", "senor",
    "senora", "senorita", "sr", "sra", "tecnico", "empresa", "dueno", "duena", "vendedor", "vendedora", "de", "la",
    "que", "quien", "alguien", "persona", "mama", "papa", "hijo", "hija", "esposo", "esposa", "y", "o", "pero",
    "porque", "cuando", "donde", "como", "para", "por", "con", "sin", "ya", "no", "si", "mas", "menos", "asi",
    "tambien", "usuario", "usuaria", "titular", "socio", "socia", "del", "mismo", "misma", "interesado",
    "interesada", "persona", "nueva", "antiguo", "antigua", "peruano", "peruana", "chileno", "chilena", "argentino",
    "argentina", "mexicano", "mexicana", "colombiano", "colombiana", "quiero", "queria", "necesito", "tengo",
    "busco", "estoy", "vivo", "escribo", "hablo", "llamo", "consulto", "pregunto", "es", "era", "fue", "seria",
    "sera", "hola", "buenas", "buenos", "gracias", "ok", "el", "la", "lo", "le", "les", "me", "te", "se", "nos",
    "a", "al", "en", "entre", "hasta", "desde", "sobre", "tras", "usted", "ustedes", "iphone", "samsung", "plan",
    "internet", "claro", "movistar", "entel", "bitel", "cable", "tv", "chip", "linea", "equipo", "celular", "fibra",
    "info", "informacion", "precio", "cuanto", "uno", "cual", "cuales", "todo", "toda", "todos", "todas", "este",
    "esta", "ese", "esa", "aqui", "aca", "ahi", "alla", "hoy"
])


def service_type(norm: Normalized, c: Compiled) -> str:
    found: set[str] = set()
    strong_device = False
    for match in c.services.finditer(norm.text):
        value = str(c.services.values[match.group(0)])
        if match.group(0) in c.weak_device_words:
            index = norm.word_at(match.start())
            after = norm.words[index + 1] if index + 1 < len(norm.words) else ""
            before = norm.words[index - 1] if index > 0 else ""
            if after.isdigit() or after in {"es", "al"} or before in {"por", "numero", "de"}:
                continue
        found.add(value)
        if value == "device" and match.group(0) not in c.weak_device_words:
            strong_device = True
    words = set(norm.words)
    if "tv" in found and not words & _TV_WORDS and words & _PHONE_CABLE_WORDS:
        found = (found - {"tv"}) | {"accessory"}  # "probé con otro cable" for a phone: a USB cable, not TV
    if not _HOME_CUES & words and (
            not found and (_NEW_LINE_CUES & words or "minutos" in words and words & {"ilimitados", "libres", "gigas"})
            or "internet_home" in found and found <= {"internet_home", "mobile", "device"}
            and (_MOBILE_CUES | _PHONE_WORDS) & words):
        return "mobile"  # "internet pal celu", "plan de internet movil", "me cambio a WOM", "portarme a Entel"
    if not found:
        return ""
    if "internet_home" in found and "tv" in found:
        return "combo"
    if strong_device and "accessory" not in found and "combo" not in found:
        return "device"
    for value in _PRIORITY:
        if value in found:
            if value == "mobile" and "device" in found and not _mobile_is_plan(norm):
                return "device"
            return value
    return sorted(found)[0]


# Words of a mobile line ("movil", "celu", "minutos", WOM: Chile's mobile-only operator, "portarme").
_MOBILE_CUES = frozenset({"movil", "moviles", "celu", "celus", "minutos", "portabilidad", "portarme", "portarse",
                          "portar", "portarte", "portarnos", "wom", "chip", "chips", "gigas", "postpago", "prepago",
                          "esim", "5g", "4g"})
# "cable" is TV ("internet y cable") unless said of a phone or a charger.
_TV_WORDS = frozenset({"tv", "television", "canales", "deco", "decodificador", "satelital", "digital", "hd"})
_PHONE_CABLE_WORDS = frozenset({"celular", "cel", "celu", "telefono", "cargador", "usb", "iphone", "samsung",
                                "carga", "cargar", "lightning", "tipo"})
# Alone, these ask for a mobile line: "me cambio a WOM", "quiero portarme".
_NEW_LINE_CUES = frozenset({"wom", "portarme", "portarse", "portar", "portarte", "portarnos", "movil", "moviles"})
_PHONE_WORDS = frozenset({"celular", "celulares", "cel", "telefono", "smartphone"})
# Words of a home service: with one of them, "internet" stays the home's.
_HOME_CUES = frozenset({"hogar", "casa", "fibra", "wifi", "fijo", "depa", "departamento", "router", "modem",
                        "instalacion", "instalar", "instalen", "megas", "mbps", "oficina", "negocio"})


def _mobile_is_plan(norm: Normalized) -> bool:
    """'plan para mi celular' is a plan; 'un celular con chip' is a phone."""
    return any(w in {"plan", "planes", "postpago", "prepago", "portabilidad", "gigas", "chip", "linea", "lineas"}
               for w in norm.words)


def operator(norm: Normalized, c: Compiled) -> str:
    hits: list[tuple[int, str, str]] = []  # (word index, slug, word before)
    words = norm.words
    for match in c.operators.finditer(norm.text):
        index = norm.word_at(match.start())
        before = words[index - 1] if index > 0 else ""
        after = words[index + 1] if index + 1 < len(words) else ""
        if match.group(0) == "claro" and before not in {"a", "con", "de", "en", "para", "el", "la"} and (
                before in _CLARO_BEFORE or after in _CLARO_AFTER or (index == 0 and not after)):
            continue
        hits.append((index, str(c.operators.values[match.group(0)]), before))
    if not hits:
        return ""
    destination = [slug for _i, slug, before in hits if before in {"a", "con", "para"}]
    if len({slug for _i, slug, _b in hits}) > 1 and destination:
        return destination[-1]
    return hits[0][1]


_CLARO_BEFORE = frozenset({"si", "ah", "ok", "pues", "esta", "quedo", "muy", "bien", "mas", "aa", "ahh", "ya",
                           "pero", "oh", "todo", "tan", "queda", "quedó", "ay", "ahhh", "bueno", "claro"})
_CLARO_AFTER = frozenset({"que", "gracias", "entiendo", "perfecto", "ok", "esta", "dale", "ya", "si", "vale",
                          "listo", "lo", "la", "me", "te", "amigo", "amiga", "pues", "por", "senor", "senorita"})


def capacity_and_data(norm: Normalized, service: str) -> tuple[int | None, int | None]:
    capacity: int | None = None
    data: int | None = None
    device_context = service in {"device", "accessory"} or any(
        w in {"iphone", "samsung", "galaxy", "celular", "equipo", "xiaomi", "redmi", "motorola", "almacenamiento",
              "memoria", "telefono", "ipad", "tablet"} for w in norm.words)
    plan_words = bool({"plan", "planes", "datos", "postpago", "prepago", "chip", "linea"} & set(norm.words))
    for match in _CAPACITY.finditer(norm.folded):
        number, unit = int(match.group(1)), match.group(2)
        if unit == "g" and number < 16:
            continue  # 4g, 5g: the network
        if unit.startswith("t"):
            number *= 1024
            capacity = capacity or number
        elif number in _CAPACITIES and (device_context and number >= 64 or number >= 128 and not plan_words):
            capacity = capacity or number
        else:
            data = data or number
    if capacity is None:
        for bare in _BARE_CAPACITY.finditer(norm.folded):
            if re.search(r"(?:s/|\$|usd)\.?\s*$", norm.folded[max(0, bare.start() - 5):bare.start()]):
                continue
            if device_context or bare.group(1) != "64":
                capacity = int(bare.group(1))
                break
    return capacity, data


def speed(norm: Normalized, service: str) -> int | None:
    match = _SPEED.search(norm.folded)
    if match:
        return int(match.group(1))
    if service in {"internet_home", "combo"}:
        bare = _SPEED_BARE.search(norm.folded)
        if bare and 20 <= int(bare.group(1)) <= 1000 and int(bare.group(1)) % 10 == 0:
            return int(bare.group(1))
    return None


def color(norm: Normalized, c: Compiled, name: str, zone: str = "") -> str:
    name_words = set(WORD.findall(fold(name))) if name else set()
    name_words |= set(WORD.findall(fold(zone))) if zone else set()
    for match in c.colors.finditer(norm.text):
        word = match.group(0)
        if word in name_words:
            continue
        index = norm.word_at(match.start())
        if word == "natural" and (index == 0 or norm.words[index - 1] not in {"titanio", "color", "en", "pro"}):
            continue
        if word == "plata" and (index == 0 or norm.words[index - 1] not in {"en", "color", "y", "o"}):
            continue  # "no llego con esa plata": money, not the colour
        if index > 0 and norm.words[index - 1] in {"luz", "foco", "led", "lucecita", "numeros", "alerta"}:
            continue
        if word == "rosa" and norm.raw[index][:1].isupper() and index > 0 and norm.words[index - 1] in {
                "soy", "llamo", "es", "habla"}:
            continue
        return str(c.colors.values[word])
    return ""


_QUANTITY_VERB = re.compile(r" (?:compro|llevo|quiero|necesito|pido|mandame|separame) (\d{1,3}) "
                            r"(?!dias|semanas|meses|horas|anos|veces|minutos)")


def quantity(norm: Normalized, c: Compiled) -> int | None:
    match = c.quantity_regex.search(norm.text)
    if not match:
        verb = _QUANTITY_VERB.search(norm.text + " ")
        return int(verb.group(1)) if verb and 0 < int(verb.group(1)) < 1000 else None
    value = quantity_value(match.group("n") or match.group("x") or "")
    return value if value and 0 < value < 1000 else None


def zone(norm: Normalized, c: Compiled, *, skip: set[str], inside: str = "") -> tuple[str, str]:
    """The place named in the message and its country (``("", "")`` when none)."""
    words = norm.words
    cue_ends = {norm.word_at(m.end() - 1) for m in c.zone_cues.finditer(norm.text)}
    for match in c.zones.finditer(norm.text):
        phrase = match.group(0)
        index = norm.word_at(match.start())
        before = words[index - 1] if index > 0 else ""
        if phrase in c.zones_needing_cue and before not in {"en", "de", "a", "por", "desde", "zona", "distrito",
                                                              "para", "hasta"} and index - 1 not in cue_ends:
            continue
        if phrase in skip or (inside and f" {phrase} " in f" {inside} "):
            continue
        name, country = c.zones.values[phrase]  # type: ignore[misc]
        return str(name), str(country)
    for match in c.zone_cues.finditer(norm.text):
        start = norm.word_at(match.end() - 1) + 1
        picked: list[str] = []
        for i in range(start, min(start + 4, len(words))):
            word = words[i]
            if word in _ZONE_STOP or word.isdigit() or (not picked and word in _NOT_NAMES):
                break
            if word in {"de", "del", "la", "el", "los", "las"} and picked:
                if i + 1 < len(words) and norm.raw[i + 1][:1].isupper():
                    picked.append(norm.raw[i].lower())
                    continue
                break
            if not norm.raw[i][:1].isupper():
                break  # a place the lexicon does not know must be written with a capital
            picked.append(norm.raw[i])
        if picked and picked[-1] in {"de", "del", "la", "el", "los", "las"}:
            picked.pop()
        if picked and " ".join(WORD.findall(" ".join(picked).lower())) not in skip:
            return " ".join(p if p in {"de", "del", "la", "el", "los", "las"} else p[:1].upper() + p[1:]
                            for p in picked), ""
    return "", ""


_ZONE_STOP = frozenset([
    "y", "o", "que", "por", "para", "con", "sin", "pero", "porque", "cuando", "donde", "como", "el", "la", "los",
    "las", "un", "una", "mi", "tu", "su", "este", "esta", "ese", "esa", "claro", "movistar", "entel", "bitel",
    "internet", "plan", "cable", "tv", "hay", "tienen", "tiene", "quiero", "necesito", "cobertura", "llega",
    "instalan"
])


def address(text: str) -> str:
    match = _ADDRESS.search(text)
    if not match:
        return ""
    return match.group(0).strip(" ,.;:")


def name(norm: Normalized, c: Compiled) -> str:
    words = norm.words
    for i in range(len(words)):
        for cue, strong in _NAME_CUES.items():
            end = i + len(cue)
            if tuple(words[i:end]) != cue or end >= len(words):
                continue
            first = words[end]
            raw_first = norm.raw[end]
            if first in _NOT_NAMES or not first.isalpha() or len(first) < 2:
                continue
            if not strong and first not in c.first_names and not (raw_first[:1].isupper() and i > 0):
                continue
            if not strong and first not in c.first_names and raw_first[:1].isupper() and first in _COMMON:
                continue
            parts = [raw_first]
            if end + 1 < len(words):
                second, raw_second = words[end + 1], norm.raw[end + 1]
                if second.isalpha() and second not in _NOT_NAMES and second not in _COMMON and len(second) > 2 and (
                        raw_second[:1].isupper() or strong) and raw_second != raw_first:
                    parts.append(raw_second)
            return " ".join(p[:1].upper() + p[1:].lower() for p in parts)
    return ""


# Frequent words that are not surnames after "me llamo Juan ..." ("me llamo juan quiero...").
_COMMON = frozenset([
    "quiero", "queria", "necesito", "tengo", "busco", "y", "e", "o", "vivo", "soy", "les", "le", "te", "me",
    "estoy", "escribo", "consulto", "saludos", "gracias", "buenas", "hola", "interesa", "interesado", "interesada",
    "cliente", "deseo", "quisiera", "para", "por", "con", "pero", "porque", "ya", "no", "si", "un", "una", "de",
    "del"
])


def _emails(text: str) -> list[tuple[int, int]]:
    """(start, end) of each email address in ``text``, left to right; linear in ``len(text)``."""
    spans: list[tuple[int, int]] = []
    at = text.find("@")
    while at != -1:
        domain = _EMAIL_DOMAIN.match(text, at + 1, at + 1 + 600)
        local = _EMAIL_LOCAL.search(text, max(at - 64, spans[-1][1] if spans else 0), at) if domain else None
        if local and domain:
            spans.append((local.start(), domain.end()))
            at = text.find("@", domain.end())
        else:
            at = text.find("@", at + 1)
    return spans


def email(text: str) -> str:
    spans = _emails(text)
    return text[spans[0][0]:spans[0][1]].lower().rstrip(".") if spans else ""


def remove_emails(text: str) -> str:
    """``text`` with each email address replaced by a space (so its words are not read as the message's)."""
    parts, last = [], 0
    for start, end in _emails(text):
        parts += [text[last:start], " "]
        last = end
    return "".join([*parts, text[last:]])


def phone(text: str, *, region: str | None) -> str:
    from django.core.exceptions import ImproperlyConfigured

    # Imported here: the local provider also runs outside Django (bench/ai_eval.py), where core cannot load.
    try:
        from core.errors import InvalidPhoneError
        from core.phones import normalize_phone
    except ImproperlyConfigured:  # used outside Django: the phone is left out, the rest still reads
        return ""

    for match in _PHONE.finditer(text):
        candidate = match.group(1)
        digits = re.sub(r"\D", "", candidate)
        if len(digits) < 9 or len(digits) > 15:
            continue
        try:
            return normalize_phone(candidate, region=region or None)
        except InvalidPhoneError:
            continue
        except ImproperlyConfigured:
            return ""
    return ""


def urgency(norm: Normalized, c: Compiled) -> bool:
    if c.urgency.regex is not None and c.urgency.regex.search(norm.text):
        return True
    return bool(re.search(r"(?:necesito|quiero|lo quiero|la quiero|lo necesito|para) ya\s*$", norm.text.strip()))
