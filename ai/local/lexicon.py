"""The words the local analyzer knows, as plain data that supervisors can extend.

A ``Lexicon`` is frozen; ``Lexicon.merged(extra)`` returns a new one with ``extra`` applied. ``extra`` is
plain JSON-able data (what the admin stores), every key optional::

    {
      "intent_phrases": {"price_query": {"cuanto sale": 2.0, "a como": 0}},   # weight 0 removes a phrase
      "sentiment": {"positive": {"chevere": 1.0}, "negative": {"chafa": 1.5},
                    "intensifiers": {"super": 1.5}, "negators": ["jamas"], "emojis": {"🤬": -2.0}},
      "synonyms": {"service_type": {"gpon": "internet_home"},   # word or phrase -> ServiceType value
                   "operator": {"klaro": "claro"},              # spelling -> operator slug
                   "color": {"celeste": "azul"},                # word -> canonical colour
                   "spelling": {"ntp": "no te preocupes"}},     # chat spelling -> words (one token in)
      "zones": ["Pachacamac", {"name": "San Juan de Miraflores", "alias": "sjm", "country": "PE"}],
      "urgency": ["para ahorita"],
      "first_names": ["Yesenia"],
      "country_hints": {"bacan": "CL"}
    }

Phrases are matched on whole words after the same normalisation as the message (accents and case
folded, repeated letters collapsed, chat spellings expanded), so ``"cuánto"`` and ``"cuanto"`` are one.
Weights: about 3 for a phrase that alone decides the intent, 2 for a strong hint, 1 for a weak one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ai.local.intent_phrases import INTENT_PHRASES, SOCIAL_INTENTS
from core.text import fold

_REPEATS = re.compile(r"([a-z])\1{2,}")
_WORD = re.compile(r"[a-z0-9]+")

# --- sentiment ---------------------------------------------------------------------------------------
SENTIMENT_POSITIVE: dict[str, float] = {
    "gracias": 0.8, "genial": 1.5, "excelente": 2.0, "perfecto": 1.5, "bueno": 0.8, "buena": 0.8, "buenisimo": 2.0,
    "buenisima": 2.0, "bien": 0.7, "me encanta": 2.0, "me encanto": 2.0, "encantado": 1.5, "encantada": 1.5,
    "feliz": 1.5, "contento": 1.5, "contenta": 1.5, "chevere": 1.5, "bacan": 1.5, "bacano": 1.5, "genio": 1.5,
    "crack": 1.5, "super": 1.0, "increible": 1.5, "maravilloso": 2.0, "amable": 1.2, "rapido": 0.6,
    "recomendado": 1.5, "buen servicio": 2.0, "buena atencion": 2.0, "lindo": 1.2, "linda": 1.2, "bonito": 1.2,
    "bonita": 1.2, "me gusta": 1.5, "me gusto": 1.5, "fenomenal": 2.0, "espectacular": 2.0, "joya": 1.5,
    "de lujo": 1.5, "chido": 1.5, "padre": 0.8, "barbaro": 1.5, "buenazo": 2.0, "top": 1.2, "mil gracias": 1.5,
    "muchas gracias": 1.2, "satisfecho": 1.5, "satisfecha": 1.5, "interesante": 0.8, "me interesa": 0.6,
    "dale": 0.5, "ok": 0.2, "listo": 0.4, "de una": 0.8, "buenazo el": 1.5, "agradecido": 1.5, "agradecida": 1.5,
}
SENTIMENT_NEGATIVE: dict[str, float] = {
    "pesimo": 2.5, "pesima": 2.5, "malo": 1.5, "mala": 1.5, "mal": 1.2, "malisimo": 2.5, "malisima": 2.5,
    "horrible": 2.5, "estafa": 3.0, "estafadores": 3.0, "ladrones": 3.0, "fatal": 2.0, "terrible": 2.5,
    "molesto": 1.8, "molesta": 1.8, "enojado": 2.0, "enojada": 2.0, "indignado": 2.5, "indignada": 2.5,
    "harto": 2.0, "harta": 2.0, "cansado": 1.2, "cansada": 1.2, "decepcionado": 2.0, "decepcionada": 2.0,
    "verguenza": 2.0, "basura": 2.5, "porqueria": 2.5, "mierda": 3.0, "carajo": 1.5, "lento": 1.0, "lenta": 1.0,
    "no funciona": 1.5, "falla": 1.0, "problema": 0.8, "problemas": 1.0, "caro": 1.0, "carisimo": 1.5,
    "reclamo": 1.5, "queja": 1.5, "nadie me responde": 2.0, "no responden": 1.5, "peor": 1.5, "lo peor": 2.5,
    "desastre": 2.5, "triste": 1.2, "preocupado": 1.0, "preocupada": 1.0, "urgente": 0.3, "inaceptable": 2.5,
    "abuso": 2.0, "abusivo": 2.0, "engano": 2.0, "mintieron": 2.0, "incompetentes": 2.5, "inutiles": 2.5,
    "se cayo": 1.0, "sin senal": 1.0, "no tengo senal": 1.0, "sin internet": 1.0, "no tengo internet": 1.0,
    "una burla": 2.5, "desesperado": 2.0, "desesperada": 2.0, "furioso": 2.5, "furiosa": 2.5, "odio": 2.5,
    "fallado": 1.5, "malogrado": 1.2, "demora": 1.0, "demoran": 1.2, "nunca": 0.8, "salado": 1.0,
}
SENTIMENT_INTENSIFIERS: dict[str, float] = {
    "muy": 1.5, "super": 1.5, "re": 1.5, "bien": 1.3, "demasiado": 1.6, "tan": 1.4, "totalmente": 1.5,
    "realmente": 1.4, "extremadamente": 1.8, "bastante": 1.3, "mega": 1.5, "recontra": 1.8, "full": 1.4,
}
SENTIMENT_NEGATORS: tuple[str, ...] = ("no", "nunca", "jamas", "ni", "tampoco", "sin")
SENTIMENT_EMOJIS: dict[str, float] = {
    "😡": -2.5, "🤬": -3.0, "😠": -2.0, "😤": -1.5, "😞": -1.5, "😢": -1.5, "😭": -1.8, "👎": -2.0, "💩": -2.0,
    "😒": -1.2, "🙄": -1.2, "😩": -1.5, "😫": -1.5, "💔": -1.5, "😑": -0.8, "😔": -1.2,
    "👍": 1.2, "🙏": 0.8, "😊": 1.5, "😀": 1.2, "😃": 1.2, "😁": 1.5, "😍": 2.0, "🥰": 2.0, "❤": 1.5,
    "♥": 1.2, "💯": 1.2, "👌": 1.2, "🙌": 1.5, "👏": 1.2, "🤩": 2.0, "😎": 1.0, "🔥": 0.8, "✅": 0.6, "🥳": 1.5,
}

# --- entities ----------------------------------------------------------------------------------------
SERVICE_SYNONYMS: dict[str, str] = {
    "internet": "internet_home", "fibra": "internet_home", "fibra optica": "internet_home", "wifi": "internet_home",
    "wi fi": "internet_home", "megas": "internet_home", "mbps": "internet_home", "internet hogar": "internet_home",
    "internet fijo": "internet_home", "hogar": "internet_home",
    "internet para la casa": "internet_home", "internet en casa": "internet_home",
    "router": "internet_home", "modem": "internet_home", "banda ancha": "internet_home", "gpon": "internet_home",
    "plan": "mobile", "planes": "mobile", "chip": "mobile", "postpago": "mobile", "prepago": "mobile",
    "linea": "mobile", "lineas": "mobile", "gigas": "mobile", "portabilidad": "mobile", "plan movil": "mobile",
    "datos moviles": "mobile", "recarga": "mobile", "esim": "mobile", "chips": "mobile", "plan control": "mobile",
    "cable": "tv", "tv": "tv", "television": "tv", "canales": "tv", "tv cable": "tv", "cable digital": "tv",
    "decodificador": "tv", "deco": "tv", "tv satelital": "tv",
    "combo": "combo", "duo": "combo", "trio": "combo", "internet y cable": "combo", "internet mas tv": "combo",
    "internet y tv": "combo", "internet con tv": "combo", "internet con cable": "combo", "paquete": "combo",
    "celular": "device", "celulares": "device", "cel": "device", "telefono": "device", "equipo": "device",
    "equipos": "device", "smartphone": "device", "iphone": "device", "iphones": "device", "samsung": "device",
    "galaxy": "device", "a55": "device", "s24": "device", "a15": "device", "g84": "device", "moto": "device",
    "xiaomi": "device", "redmi": "device", "motorola": "device", "moto g": "device",
    "huawei": "device", "honor": "device", "oppo": "device", "tablet": "device", "ipad": "device",
    "cargador": "accessory", "cargadores": "accessory", "funda": "accessory", "fundas": "accessory",
    "case": "accessory", "cases": "accessory", "carcasa": "accessory", "audifonos": "accessory",
    "auriculares": "accessory", "mica": "accessory", "micas": "accessory", "protector de pantalla": "accessory",
    "vidrio templado": "accessory", "cable usb": "accessory", "cable usb c": "accessory", "airpods": "accessory",
    "cargador inalambrico": "accessory", "power bank": "accessory", "powerbank": "accessory",
    "smartwatch": "accessory", "reloj": "accessory", "parlante": "accessory", "adaptador": "accessory",
}
# Words that name a device only weakly: a mobile plan "para mi celular" stays a mobile plan.
WEAK_DEVICE_WORDS: tuple[str, ...] = ("celular", "celulares", "cel", "telefono", "equipo", "equipos")

OPERATORS: dict[str, str] = {
    "claro": "claro", "klaro": "claro", "clarо": "claro", "movistar": "movistar", "movi": "movistar",
    "mobistar": "movistar", "movstar": "movistar", "movistr": "movistar", "moviestar": "movistar",
    "entel": "entel", "entell": "entel", "entell peru": "entel", "bitel": "bitel", "bitell": "bitel",
    "vitel": "bitel", "bittel": "bitel", "byte": "bitel",
}
# "claro" is also the Spanish "of course": these neighbours mean the word is not the operator.
CLARO_NOT_OPERATOR_BEFORE: tuple[str, ...] = ("si", "ah", "ok", "pues", "esta", "quedo", "muy", "bien", "mas",
                                               "okey", "aa", "ahh", "ya", "pero", "oh", "todo", "tan")
CLARO_NOT_OPERATOR_AFTER: tuple[str, ...] = ("que", "gracias", "entiendo", "perfecto", "ok", "esta", "dale",
                                              "ya", "si", "vale", "listo")

COLORS: dict[str, str] = {
    "negro": "negro", "negra": "negro", "black": "negro", "blanco": "blanco", "blanca": "blanco",
    "white": "blanco", "azul": "azul", "blue": "azul", "celeste": "celeste", "rosado": "rosado", "rosada": "rosado",
    "rosa": "rosado", "pink": "rosado", "verde": "verde", "morado": "morado", "morada": "morado", "lila": "morado",
    "purpura": "morado", "gris": "gris", "plomo": "gris", "plata": "plata", "plateado": "plata", "dorado": "dorado",
    "gold": "dorado", "rojo": "rojo", "roja": "rojo", "amarillo": "amarillo", "naranja": "naranja",
    "titanio natural": "titanio natural", "titanio negro": "titanio negro", "titanio azul": "titanio azul",
    "titanio blanco": "titanio blanco", "titanio desierto": "titanio desierto", "natural": "titanio natural",
    "grafito": "grafito", "crema": "crema", "beige": "beige",
}

# Zones: canonical display name; aliases map an abbreviation or spelling to one of them.
ZONES_BY_COUNTRY: dict[str, tuple[str, ...]] = {
    "PE": (
        "Miraflores", "San Isidro", "Surco", "Santiago de Surco", "San Borja", "Barranco", "Chorrillos",
        "San Juan de Lurigancho", "San Juan de Miraflores", "Villa El Salvador", "Villa María del Triunfo",
        "Los Olivos", "Comas", "Independencia", "San Martín de Porres", "Puente Piedra", "Carabayllo", "Ate",
        "Santa Anita", "La Molina", "La Victoria", "Lince", "Jesús María", "Pueblo Libre", "Magdalena",
        "San Miguel", "Breña", "Rímac", "Cercado de Lima", "Surquillo", "El Agustino", "Chaclacayo",
        "Cieneguilla", "Lurín", "Pachacámac", "Ancón", "Callao", "Bellavista", "La Perla", "La Punta",
        "Ventanilla", "Lima", "Arequipa", "Cayma", "Yanahuara", "Trujillo", "Víctor Larco", "Chiclayo", "Piura",
        "Cusco", "Huancayo", "Iquitos", "Tacna", "Ica", "Chimbote", "Puno", "Ayacucho", "Cajamarca", "Huaraz",
        "Pucallpa", "Tumbes", "Huacho", "Sullana",
    ),
    "CL": (
        "Santiago", "Providencia", "Las Condes", "Ñuñoa", "Maipú", "La Florida", "Puente Alto", "Vitacura",
        "Lo Barnechea", "Estación Central", "Valparaíso", "Viña del Mar", "Concepción", "Antofagasta",
        "La Serena", "Temuco", "Rancagua", "Talca", "Iquique", "Puerto Montt", "Quilicura", "Peñalolén",
        "San Bernardo", "La Reina", "Macul",
    ),
    "AR": (
        "Buenos Aires", "CABA", "Palermo", "Belgrano", "Recoleta", "Caballito", "Flores", "Almagro",
        "Villa Crespo", "San Telmo", "Quilmes", "La Plata", "Morón", "Lanús", "Avellaneda", "Córdoba",
        "Rosario", "Mendoza", "Mar del Plata", "Tucumán", "Salta", "Tigre", "Vicente López", "Lomas de Zamora",
    ),
    "MX": (
        "Ciudad de México", "CDMX", "Coyoacán", "Polanco", "Roma Norte", "Condesa", "Iztapalapa", "Tlalpan",
        "Benito Juárez", "Naucalpan", "Ecatepec", "Guadalajara", "Zapopan", "Monterrey", "San Pedro Garza García",
        "Puebla", "Querétaro", "Tijuana", "Mérida", "Cancún", "León", "Toluca", "Satélite", "Xochimilco",
        "Tlalnepantla",
    ),
    "CO": (
        "Bogotá", "Chapinero", "Usaquén", "Suba", "Kennedy", "Engativá", "Teusaquillo", "Medellín", "El Poblado",
        "Envigado", "Itagüí", "Bello", "Cali", "Barranquilla", "Cartagena", "Bucaramanga", "Pereira",
        "Manizales", "Santa Marta", "Cúcuta", "Soacha", "Laureles",
    ),
}
# Zones that are also ordinary words or surnames: only taken after "en", "de", "vivo en", "zona"...
ZONES_NEEDING_CUE: tuple[str, ...] = (
    "flores", "bello", "leon", "santiago", "independencia", "magdalena", "salta", "suba", "ate", "ica",
    "la plata", "la florida", "san miguel", "rosario", "la victoria", "kennedy", "palermo", "belgrano",
    "cordoba", "merida", "mendoza", "condesa", "tigre", "honor", "bellavista", "la perla", "la punta",
    "la reina", "macul", "lima",
)
ZONE_ALIASES: dict[str, str] = {
    "sjl": "San Juan de Lurigancho", "sjm": "San Juan de Miraflores", "smp": "San Martín de Porres",
    "ves": "Villa El Salvador", "vmt": "Villa María del Triunfo",
    "capital federal": "CABA", "medallo": "Medellín", "santiago centro": "Santiago", "vina": "Viña del Mar",
    "monterey": "Monterrey", "miraflorez": "Miraflores", "bogota dc": "Bogotá", "df": "CDMX",
}
# Words that introduce a place the lexicon may not know: "vivo en Carabayllo", "soy de Tumbes".
ZONE_CUES: tuple[str, ...] = (
    "vivo en", "vivo por", "soy de", "estoy en", "zona", "zona de", "distrito de", "distrito", "comuna de",
    "barrio", "colonia", "sector", "instalan en", "llega a", "llegan a", "cobertura en", "delivery a",
    "envio a", "envios a", "envian a", "mandan a", "despachan a", "queda en", "ubicado en", "ubicada en",
    "municipio de", "ciudad de", "desde",
)

URGENCY: tuple[str, ...] = (
    "urgente", "urgentemente", "urge", "me urge", "hoy mismo", "ya mismo", "lo antes posible", "cuanto antes",
    "lo mas pronto", "lo mas rapido", "ahora mismo", "ahorita mismo", "para hoy", "al tiro", "altiro", "asap",
    "de inmediato", "inmediatamente", "lo necesito ya", "lo necesito hoy", "necesito ya", "para ya", "rapidito",
    "lo quiero hoy",
    "la quiero hoy", "una solucion ya",
    "es para manana", "para manana temprano", "emergencia", "sin falta hoy",
)

FIRST_NAMES: tuple[str, ...] = (
    "maria", "jose", "rosa", "luis", "carmen", "jorge", "ana", "carlos", "julia", "miguel", "lucia", "pedro",
    "elena", "raul", "patricia", "victor", "sofia", "andres", "gabriela", "fernando", "milagros", "hector",
    "rocio", "martin", "daniela", "cesar", "yolanda", "ivan", "ximena", "oscar", "juan", "camila", "valentina",
    "mateo", "santiago", "sebastian", "diego", "alejandro", "valeria", "fernanda", "javier", "ricardo", "paola",
    "andrea", "natalia", "karla", "karina", "pablo", "francisco", "antonio", "manuel", "alberto", "roberto",
    "eduardo", "marco", "mario", "sergio", "gustavo", "renzo", "piero", "kevin", "brayan", "jhon", "john",
    "jhonatan", "edwin", "wilmer", "yesenia", "katherine", "lorena", "veronica", "claudia", "monica", "silvia",
    "teresa", "gloria", "susana", "beatriz", "diana", "mariana", "isabel", "florencia", "agustina", "martina",
    "tomas", "facundo", "nicolas", "joaquin", "ignacio", "benjamin", "catalina", "constanza", "francisca",
    "javiera", "fabiola", "guadalupe", "lupita", "alejandra", "jimena", "rodrigo", "emilio", "hugo", "raquel",
    "angela", "cristina", "esteban", "felipe", "gonzalo", "lucas", "maximiliano", "carolina", "liliana",
    "marisol", "nancy", "olga", "pilar", "ruth", "sandra", "tatiana", "wendy", "alex", "angel", "david",
    "daniel", "enrique", "ernesto", "fabian", "jaime", "julio", "leonardo", "marcos", "orlando", "ramon",
    "ruben", "samuel", "walter", "milena", "yuri", "lourdes", "jessica", "jenny", "fiorella", "geraldine",
    "brenda", "cinthia", "vanessa", "estefania", "luz", "maribel", "elizabeth", "margarita", "juana",
)

# Chat spellings expanded before matching (one token in, words out). Voseo maps to the tú forms.
SPELLINGS: dict[str, str] = {
    "q": "que", "k": "que", "ke": "que", "qe": "que", "xq": "porque", "pq": "porque", "porq": "porque",
    "xk": "porque", "tb": "tambien", "tmb": "tambien", "tbn": "tambien", "tambn": "tambien", "dnd": "donde",
    "dnde": "donde", "x": "por", "xfa": "por favor", "porfa": "por favor", "porfis": "por favor", "pls": "por favor",
    "plis": "por favor", "plz": "por favor", "kiero": "quiero", "kero": "quiero", "qiero": "quiero",
    "qisiera": "quisiera", "aki": "aqui", "d": "de", "bn": "bien", "msj": "mensaje", "nro": "numero",
    "num": "numero", "info": "informacion", "inf": "informacion", "cuant": "cuanto", "cuanto": "cuanto",
    "cuantp": "cuanto", "cunto": "cuanto", "cuesta": "cuesta", "cuestan": "cuestan", "kuanto": "cuanto",
    "kuesta": "cuesta", "presio": "precio", "prescio": "precio", "grax": "gracias", "grasias": "gracias",
    "gracia": "gracias", "graciaas": "gracias", "gras": "gracias", "thx": "gracias", "tks": "gracias",
    "ola": "hola", "hla": "hola", "holaa": "hola", "olaa": "hola", "buenass": "buenas", "wenas": "buenas",
    "weno": "bueno", "tenes": "tienes", "queres": "quieres", "podes": "puedes", "sabes": "sabes",
    "tenés": "tienes", "decime": "dime", "contame": "cuentame", "pasame": "pasame", "mandame": "mandame",
    "vos": "tu", "sos": "eres", "venis": "vienes", "haces": "haces", "hacés": "haces", "conoces": "conoces",
    "necesitas": "necesitas", "fijate": "fijate", "avisame": "avisame", "tenian": "tenian", "vendes": "vendes",
    "ifone": "iphone", "aifon": "iphone", "iphon": "iphone", "ipone": "iphone", "iphne": "iphone",
    "samsumg": "samsung", "samsun": "samsung", "sansung": "samsung", "galaxi": "galaxy", "garantia": "garantia",
    "garantia?": "garantia", "intenet": "internet", "internt": "internet", "inter": "internet",
    "wifii": "wifi", "wiffi": "wifi", "wify": "wifi", "señal": "senal", "senial": "senal", "cobertra": "cobertura",
    "covertura": "cobertura", "cobetura": "cobertura", "stok": "stock", "estock": "stock", "disponibe": "disponible",
    "tiene": "tiene", "tienen": "tienen", "tenien": "tienen", "tine": "tiene", "tinen": "tienen",
    "ahy": "hay", "aver": "a ver", "pe": "", "pues": "pues", "ps": "",
    "po": "", "pa": "para", "pal": "para el", "ta": "esta", "tas": "estas", "toy": "estoy", "nomas": "nomas",
    "asesr": "asesor", "acesor": "asesor", "asesorr": "asesor", "humnao": "humano", "recalmo": "reclamo",
    "pesimoo": "pesimo", "cargadr": "cargador", "cagador": "cargador", "audifono": "audifonos",
    "carisimo": "carisimo", "bara": "barato", "economco": "economico", "mb": "mb", "mbs": "mbps",
    "giga": "gigas", "gb": "gb", "gbs": "gb", "dscto": "descuento", "dcto": "descuento", "desc": "descuento",
    "mxn": "mxn", "clp": "clp", "cop": "cop", "ars": "ars", "usd": "usd", "okey": "ok", "oki": "ok", "okis": "ok",
    "vale": "vale", "xvr": "chevere", "chvr": "chevere", "tqm": "te quiero mucho", "sr": "senor", "sra": "senora",
    "srta": "senorita", "dpto": "departamento", "depa": "departamento", "ud": "usted", "uds": "ustedes",
    "hr": "hora", "hrs": "horas", "min": "minutos", "bno": "bueno", "sip": "si", "sii": "si", "nop": "no",
    "nel": "no", "simon": "si", "wey": "wey", "guey": "wey", "weon": "weon", "huevon": "weon",
}

# Words that tell the country (for "pesos", "$" and "lucas"); voseo counts as Argentina.
COUNTRY_HINTS: dict[str, str] = {
    "soles": "PE", "sol": "PE", "causa": "PE", "chamba": "PE", "jato": "PE", "yape": "PE",
    "plin": "PE", "pata": "PE", "bacan": "CL", "cachai": "CL", "weon": "CL", "al tiro": "CL",
    "altiro": "CL", "fome": "CL", "pololo": "CL", "polola": "CL", "comuna": "CL", "rut": "CL",
     "che": "AR", "boludo": "AR", "posta": "AR", "tenes": "AR", "queres": "AR", "podes": "AR",
    "sos": "AR", "vos": "AR", "decime": "AR", "contame": "AR", "fijate": "AR", "laburo": "AR", "mango": "AR",
    "mangos": "AR", "guita": "AR", "re": "AR", "wey": "MX", "guey": "MX", "chido": "MX", "neta": "MX",
    "ahorita": "MX", "colonia": "MX", "lana": "MX", "padrisimo": "MX", "orale": "MX", "parce": "CO",
    "parcero": "CO", "bacano": "CO", "berraco": "CO", "chimba": "CO",
    "mijo": "CO", "pues si": "CO", "sumerce": "CO", "vaina": "CO",
    "peru": "PE", "chile": "CL", "argentina": "AR", "mexico": "MX", "colombia": "CO", "po": "CL", "wom": "CL",
    "luquitas": "AR", "buenos aires": "AR", "capital federal": "AR", "caba": "AR",
}
# The ISO currency of each country, for "pesos" and a bare "$".
COUNTRY_CURRENCY: dict[str, str] = {"PE": "PEN", "CL": "CLP", "AR": "ARS", "MX": "MXN", "CO": "COP"}

# Product words that a quantity can count: "2 cargadores", "tres lineas", "un par de fundas".
QUANTITY_NOUNS: tuple[str, ...] = (
    "cargador", "cargadores", "iphone", "iphones", "celular", "celulares", "equipo", "equipos", "unidad",
    "unidades", "linea", "lineas", "chip", "chips", "plan", "planes", "case", "cases", "funda", "fundas", "mica",
    "micas", "audifonos", "cable", "cables", "samsung", "telefonos", "telefono", "piezas", "pzas", "uds",
    "unid", "protectores", "galaxy", "redmi", "xiaomi", "motorola", "tablets", "tablet", "docenas", "cajas",
)


def _norm_phrase(phrase: str) -> str:
    """Normalise a phrase the way messages are normalised (no spelling expansion of multiword keys)."""
    folded = _REPEATS.sub(r"\1", fold(phrase))
    return " ".join(_WORD.findall(folded))


@dataclass(frozen=True)
class Lexicon:
    """All the analyzer's words. Plain data; compiled regexes are cached on the instance."""

    intent_phrases: dict[str, dict[str, float]] = field(default_factory=lambda: _copy_intents(INTENT_PHRASES))
    sentiment_positive: dict[str, float] = field(default_factory=lambda: dict(SENTIMENT_POSITIVE))
    sentiment_negative: dict[str, float] = field(default_factory=lambda: dict(SENTIMENT_NEGATIVE))
    intensifiers: dict[str, float] = field(default_factory=lambda: dict(SENTIMENT_INTENSIFIERS))
    negators: tuple[str, ...] = SENTIMENT_NEGATORS
    emojis: dict[str, float] = field(default_factory=lambda: dict(SENTIMENT_EMOJIS))
    service_synonyms: dict[str, str] = field(default_factory=lambda: dict(SERVICE_SYNONYMS))
    weak_device_words: tuple[str, ...] = WEAK_DEVICE_WORDS
    operators: dict[str, str] = field(default_factory=lambda: dict(OPERATORS))
    colors: dict[str, str] = field(default_factory=lambda: dict(COLORS))
    zones: dict[str, str] = field(default_factory=lambda: _zone_countries(ZONES_BY_COUNTRY))
    zones_needing_cue: tuple[str, ...] = ZONES_NEEDING_CUE
    zone_aliases: dict[str, str] = field(default_factory=lambda: dict(ZONE_ALIASES))
    zone_cues: tuple[str, ...] = ZONE_CUES
    urgency: tuple[str, ...] = URGENCY
    first_names: tuple[str, ...] = FIRST_NAMES
    spellings: dict[str, str] = field(default_factory=lambda: dict(SPELLINGS))
    country_hints: dict[str, str] = field(default_factory=lambda: dict(COUNTRY_HINTS))
    quantity_nouns: tuple[str, ...] = QUANTITY_NOUNS
    social_intents: tuple[str, ...] = SOCIAL_INTENTS

    def merged(self, extra: dict[str, Any] | None) -> Lexicon:
        """A new lexicon with ``extra`` (the shape in the module docstring) added over this one."""
        if not extra:
            return self
        changes: dict[str, Any] = {}
        intents = _copy_intents(self.intent_phrases)
        for intent, phrases in (extra.get("intent_phrases") or {}).items():
            bucket = intents.setdefault(str(intent), {})
            for phrase, weight in (phrases or {}).items():
                key = _norm_phrase(phrase)
                if float(weight) <= 0:
                    bucket.pop(key, None)
                    bucket.pop(phrase, None)
                elif key:
                    bucket[key] = float(weight)
        changes["intent_phrases"] = intents
        sentiment = extra.get("sentiment") or {}
        for key, attr in (("positive", "sentiment_positive"), ("negative", "sentiment_negative"),
                          ("intensifiers", "intensifiers"), ("emojis", "emojis")):
            if sentiment.get(key):
                merged = dict(getattr(self, attr))
                merged.update({(k if key == "emojis" else _norm_phrase(k)): float(v)
                               for k, v in sentiment[key].items()})
                changes[attr] = merged
        if sentiment.get("negators"):
            changes["negators"] = tuple(dict.fromkeys((*self.negators, *(_norm_phrase(w)
                                                                          for w in sentiment["negators"]))))
        synonyms = extra.get("synonyms") or {}
        for key, attr in (("service_type", "service_synonyms"), ("operator", "operators"), ("color", "colors"),
                          ("spelling", "spellings")):
            if synonyms.get(key):
                merged = dict(getattr(self, attr))
                for word, value in synonyms[key].items():
                    merged[_norm_phrase(word) if key != "spelling" else fold(word).strip()] = (
                        fold(value).strip() if key != "service_type" else str(value))
                changes[attr] = merged
        if extra.get("zones"):
            zones = dict(self.zones)
            aliases = dict(self.zone_aliases)
            for entry in extra["zones"]:
                if isinstance(entry, dict):
                    if entry.get("alias"):
                        aliases[_norm_phrase(entry["alias"])] = entry["name"]
                    zones.setdefault(entry["name"], str(entry.get("country", "")).upper())
                else:
                    zones.setdefault(str(entry), "")
            changes["zones"] = zones
            changes["zone_aliases"] = aliases
        for key in ("urgency", "first_names"):
            if extra.get(key):
                changes[key] = tuple(dict.fromkeys((*getattr(self, key), *(_norm_phrase(w) for w in extra[key]))))
        if extra.get("country_hints"):
            hints = dict(self.country_hints)
            hints.update({_norm_phrase(k): str(v).upper() for k, v in extra["country_hints"].items()})
            changes["country_hints"] = hints
        return replace(self, **changes)

    @cached_property
    def compiled(self) -> Any:
        """The regexes and lookup tables built from this lexicon (once per instance)."""
        from ai.local.compiled import compile_lexicon

        return compile_lexicon(self)

    def __hash__(self) -> int:  # frozen but holding dicts: identity is enough for caching
        return id(self)


def _zone_countries(by_country: dict[str, tuple[str, ...]]) -> dict[str, str]:
    zones: dict[str, str] = {}
    for country, names in by_country.items():
        for name in names:
            zones.setdefault(name, country)
    return zones


def _copy_intents(phrases: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {intent: {_norm_phrase(p): float(w) for p, w in bucket.items()} for intent, bucket in phrases.items()}


DEFAULT_LEXICON = Lexicon()
