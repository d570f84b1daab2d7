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

from core.text import fold

_REPEATS = re.compile(r"([a-z])\1{2,}")
_WORD = re.compile(r"[a-z0-9]+")

# --- intents ----------------------------------------------------------------------------------------
INTENT_PHRASES: dict[str, dict[str, float]] = {
    "greeting": {
        "hola": 1.0, "holi": 1.0, "buenas": 1.0, "buenos dias": 1.0, "buen dia": 1.0, "buenas tardes": 1.0,
        "buenas noches": 1.0, "que tal": 0.8, "saludos": 0.8, "hey": 0.6, "alo": 0.6, "hello": 0.8, "hi": 0.6,
        "como estan": 0.8, "como estas": 0.8, "que onda": 0.8, "wenas": 1.0, "holis": 1.0,
        "hay alguien": 2.0, "hay alguien atendiendo": 2.5, "estan atendiendo": 0.8, "atienden": 0.5,
    },
    "product_query": {
        "informacion": 1.5, "info": 1.5, "mas detalles": 1.5, "detalles": 1.0, "caracteristicas": 2.0,
        "que planes": 2.0, "que planes tienen": 2.5, "planes tienen": 2.0, "que modelos": 2.0, "modelos": 1.2,
        "que incluye": 2.0, "incluye": 1.2, "que trae": 2.0, "trae": 0.8, "tienen planes": 2.0,
        "me interesa": 1.5, "quisiera saber": 1.5, "o solo": 0.5, "quiero saber": 1.5, "me pueden explicar": 1.5,
        "que ofrecen": 2.0, "ofertas": 1.5, "promociones": 1.5, "promo": 1.2, "catalogo": 2.0,
        "venden": 1.8, "trabajan con": 1.5, "cuantos gigas": 1.8,
        "cuantos megas": 1.8, "cuantos canales": 2.0, "que canales": 2.0, "es compatible": 2.0,
        "compatible": 1.2, "es original": 1.8, "es nuevo": 1.5, "sellado": 1.5, "camara": 1.0, "bateria": 1.0,
        "que velocidad": 1.8, "que colores": 1.8, "colores": 1.0, "en que colores": 2.0, "me recomiendas": 1.8,
        "me recomiendan": 1.8, "recomendacion": 1.5, "que me recomiendas": 2.0, "para que sirve": 1.5,
        "hay planes": 1.8, "tienen internet": 1.5, "tienen fibra": 1.5, "busco": 1.5, "estoy buscando": 1.8,
        "necesito un": 1.2, "necesito una": 1.2, "necesito internet": 1.5, "ando buscando": 1.8,
        "me pasas info": 2.0, "pasame info": 2.0, "mandame info": 2.0, "tienen algo": 1.5, "opciones": 1.2,
        "que tal es": 1.5, "es bueno": 1.2, "sirve para": 1.2, "viene con": 1.5, "es liberado": 1.8,
        "liberado": 1.2, "dual sim": 1.2, "5g": 0.8, "como funciona": 1.5, "requisitos": 1.8,
        "que necesito para": 1.8, "plan ilimitado": 1.0, "tambien tienen": 1.5, "manejan": 1.5,
        "que especificaciones": 2.0, "medidas": 1.2, "tienen disponible el modelo": 1.0,
    },
    "price_query": {
        "cuanto cuesta": 3.0, "cuanto cuestan": 3.0, "cuanto sale": 3.0, "cuanto salen": 3.0,
        "cuanto es": 2.5, "cuanto seria": 2.5, "cuanto esta": 2.5, "cuanto estan": 2.5, "cuanto vale": 3.0,
        "cuanto valen": 3.0, "precio": 2.5, "precios": 2.5, "a como": 2.0, "a cuanto": 2.5, "costo": 2.5,
        "cuesta": 1.5, "cuanto me sale": 3.0, "cuanto pagaria": 3.0, "cuanto se paga": 3.0,
        "tarifa": 2.0, "mensualidad": 2.0, "cuanto al mes": 3.0, "cuanto mensual": 3.0, "en cuotas": 1.8,
        "cuotas": 1.5, "cuanto la cuota": 3.0, "cuanto por mayor": 3.0, "por mayor": 1.2, "al por mayor": 1.5,
        "precio por mayor": 3.0, "valor": 1.5, "cual es el valor": 3.0, "que valor": 2.5, "que precio": 3.0,
        "cuanto me cobran": 3.0, "cuanto cobran": 3.0, "cobran": 1.2, "cuanto": 1.2, "lista de precios": 3.0,
        "sin interes": 1.5, "a meses": 1.2, "cuanto la instalacion": 3.0, "cuanto cuesta la instalacion": 3.0,
    },
    "stock_query": {
        "hay": 1.3, "tienen": 1.2, "tienes": 1.2, "tienes el": 1.5, "tienes la": 1.5, "tienen el": 1.5,
        "stock": 3.0, "en stock": 3.0, "tienen stock": 3.5, "hay stock": 3.5, "les queda": 3.0,
        "les quedan": 3.0, "queda": 1.2, "quedan": 1.5, "disponible": 2.0, "disponibles": 2.0,
        "hay disponibilidad": 3.0, "disponibilidad": 2.0, "tienen en": 1.5, "todavia tienen": 2.5,
        "aun tienen": 2.5, "aun hay": 2.5, "todavia hay": 2.5, "hay en": 1.8, "se agoto": 2.5,
        "agotado": 2.5, "agotados": 2.5, "cuando llega": 1.5, "cuando les llega": 2.5, "cuando reponen": 3.0,
        "reposicion": 2.5, "hay unidades": 3.0, "cuantas unidades": 2.5, "tienen unidades": 3.0,
        "tienen para entrega inmediata": 3.0, "entrega inmediata": 2.0, "hay el": 1.5, "hay la": 1.5,
        "tendran": 2.0, "tienes en": 1.5, "lo tienen": 1.5, "la tienen": 1.5, "lo tienes": 1.5,
        "la tienes": 1.5, "en tienda": 1.5, "tienen en tienda": 2.5, "hay en tienda": 3.0,
        "todavia queda": 3.0, "aun queda": 3.0, "queda alguno": 3.0, "en existencia": 3.0,
    },
    "coverage_query": {
        "instalan": 2.5, "llega": 1.5, "llegan": 1.5, "en la zona": 2.5, "la zona de": 2.0, "hay senal": 2.5,
        "cobertura": 3.0, "hay cobertura": 3.5, "tienen cobertura": 3.5, "llega a": 2.0, "llegan a": 2.5,
        "llega hasta": 2.5, "llegan hasta": 2.5, "instalan en": 3.0, "instalan por": 3.0, "hacen instalacion": 2.5,
        "hacen instalaciones": 2.5, "instalacion en": 2.0, "disponible en mi zona": 3.5, "en mi zona": 2.5,
        "mi zona": 2.0, "en mi distrito": 2.5, "mi distrito": 2.0, "mi direccion": 1.5, "factibilidad": 3.0,
        "hay fibra en": 3.0, "llega la fibra": 3.0, "llega el internet": 3.0, "hay señal en": 3.0,
        "hay senal en": 3.0, "senal en": 1.8, "delivery a": 2.0, "hacen delivery": 2.5, "delivery": 1.5,
        "envios a": 2.5, "envian a": 2.5, "hacen envios": 2.5, "envio a": 2.5, "mandan a": 2.0,
        "despacho a": 2.5, "despachan a": 2.5, "llegan hasta mi casa": 2.5, "atienden en": 2.0,
        "en mi sector": 2.5, "en mi barrio": 2.5, "en mi colonia": 2.5, "en mi comuna": 2.5, "mi comuna": 2.0,
        "zona de cobertura": 3.5, "llega la senal": 3.0, "hasta donde llegan": 3.0, "envios": 1.5,
        "hay tecnicos en": 2.5, "tienen tienda en": 2.5, "sucursal en": 2.5,
    },
    "purchase_intent": {
        "lo pago": 2.5, "la pago": 2.5, "instalen": 2.5, "me instalen": 3.0, "que me instalen": 3.5,
        "lo quiero": 3.0, "la quiero": 3.0, "los quiero": 3.0, "las quiero": 3.0, "quiero comprar": 3.0,
        "quiero contratar": 3.5, "quiero el": 2.0, "quiero la": 2.0, "quiero los": 2.0, "quiero las": 2.0,
        "quiero un": 1.5, "quiero una": 1.5, "quiero dos": 2.5, "quiero 2": 2.5, "quiero 3": 2.5,
        "quiero 4": 2.5, "quiero 5": 2.5, "quiero tres": 2.5, "necesito 2": 2.0, "necesito dos": 2.0,
        "quiero adquirir": 3.0, "me lo llevo": 3.5,
        "me la llevo": 3.5, "me los llevo": 3.5, "lo compro": 3.5, "la compro": 3.5, "los compro": 3.5,
        "contratar": 2.5, "contratarlo": 3.0, "contratar el": 3.0, "comprar": 1.5, "comprarlo": 2.5,
        "comprarla": 2.5, "adquirir": 2.0, "como pago": 3.0, "como lo pago": 3.0, "donde pago": 3.0,
        "como hago para comprar": 3.5, "como hago la compra": 3.5, "como compro": 3.0, "pasame la cuenta": 3.5,
        "numero de cuenta": 3.0, "cuenta para depositar": 3.0, "yape": 2.0, "plin": 2.0, "transferencia": 1.8,
        "separar": 2.5, "separalo": 3.0, "separamelo": 3.5, "separame": 3.0, "reservar": 2.5, "reservame": 3.0,
        "apartar": 2.5, "apartalo": 3.0, "lo aparto": 3.0, "hacer el pedido": 3.0, "hago el pedido": 3.0,
        "quiero pedir": 3.0, "pedido": 1.5, "me animo": 3.0, "dale": 1.0, "va": 0.5, "trato hecho": 3.5,
        "cerramos": 2.0, "procedamos": 3.0, "procede": 2.0, "quiero portarme": 3.5, "portarme": 2.5,
        "hacer la portabilidad": 3.0, "quiero cambiarme": 2.5, "cambiarme a": 2.0, "me quiero pasar": 3.0,
        "pasarme a": 2.0, "quiero afiliarme": 3.0, "afiliarme": 2.5, "suscribirme": 2.5, "lo necesito": 2.0,
        "lo tomo": 3.5, "la tomo": 3.5, "me quedo con": 3.0, "vamos con": 2.5, "quiero ese": 2.5,
        "quiero esa": 2.5, "agendar la instalacion": 3.0, "agendemos": 2.5, "instalenme": 3.0,
        "cuando me lo pueden instalar": 3.0, "cuando lo pueden instalar": 3.0, "les compro": 3.0,
        "mandame el link de pago": 3.5, "link de pago": 3.0, "tarjeta": 1.0, "contra entrega": 2.0,
        "contraentrega": 2.0, "pago contra entrega": 2.5, "quiero solicitar": 2.5, "solicitar el": 2.0,
        "lo pido": 3.0, "envienmelo": 3.0, "mandamelo": 3.0, "hagamoslo": 3.0, "acepto": 2.0,
        "quiero ordenar": 3.0, "comprarte": 2.5, "comprarles": 2.5, "me interesa contratar": 3.5,
        "me interesa comprar": 3.5, "quiero llevar": 3.0, "dame": 1.0, "dame el": 2.0, "dame la": 2.0,
        "mandame": 1.0, "necesito contratar": 3.5, "quisiera contratar": 3.5, "quisiera comprar": 3.0,
        "deseo contratar": 3.5, "deseo comprar": 3.0, "hay que firmar": 2.0, "datos para": 1.0,
    },
    "comparison": {
        "o me quedo con": 4.0, "estoy entre": 3.0,
        "cual es mejor": 3.5, "cual me conviene": 3.5, "que me conviene": 3.0, "cual conviene": 3.0,
        "diferencia": 3.0, "diferencias": 3.0, "que diferencia": 3.5, "vs": 3.0, "versus": 3.0, "comparado": 3.0,
        "comparar": 3.0, "comparacion": 3.0, "o el": 1.0, "o la": 1.0, "mejor que": 2.5, "mas que": 0.8,
        "es mejor": 2.5, "cual es la mejor": 3.0, "cual recomiendas": 2.5, "cual de los dos": 3.0,
        "cual de las dos": 3.0, "entre el": 1.5, "que tiene de mas": 3.0, "que tiene de diferente": 3.5,
        "en que se diferencia": 3.5, "en que se diferencian": 3.5, "cual es mas rapido": 3.0, "cual rinde": 2.5,
        "o me conviene": 3.0, "conviene mas": 3.0, "vale la pena": 2.0, "le gana": 2.5, "cual de estos": 3.0,
        "que es mejor": 3.5, "cual es mas barato": 2.5, "cual tiene mejor": 3.0, "cual sale mejor": 3.0,
        "frente a": 2.0, "en comparacion": 3.0, "contra el": 1.5, "que tal comparado": 3.5,
    },
    "price_objection": {
        "se me sale": 3.5, "sale de mi presupuesto": 4.0, "hay descuento": 3.5, "lo menos": 3.0,
        "caro": 3.0, "muy caro": 4.0, "carisimo": 4.0, "esta caro": 4.0, "muy cara": 4.0, "cara": 1.5,
        "mas barato": 3.5, "algo mas barato": 3.5, "mas economico": 3.5, "algo mas economico": 3.5,
        "descuento": 3.0, "descuentito": 3.5, "rebaja": 3.0, "rebajita": 3.5, "me lo dejas en": 3.5,
        "me lo deja en": 3.5, "dejamelo en": 3.5, "me haces precio": 3.5, "hazme precio": 3.5,
        "mejor precio": 3.0, "en otro lado": 3.0, "en otra tienda": 3.0, "la competencia": 3.0,
        "esta mas barato": 3.5, "lo vi mas barato": 4.0, "no me alcanza": 3.5, "se me pasa": 3.0,
        "fuera de mi presupuesto": 4.0, "se sale de mi presupuesto": 4.0, "excede mi presupuesto": 4.0,
        "salado": 3.0, "un poco elevado": 3.5, "elevado": 2.0, "muy alto": 2.0, "precio alto": 3.0,
        "no vale tanto": 3.5, "bajan el precio": 3.5, "bajar el precio": 3.5, "baja el precio": 3.5,
        "ultimo precio": 3.5, "negociable": 3.0, "regatear": 3.0, "muy costoso": 4.0, "costoso": 2.5,
        "demasiado": 1.2, "un robo": 3.0, "abusivo": 3.0, "mas barata": 3.5, "mas baratos": 3.5,
        "algo mas accesible": 3.5, "mas accesible": 3.0, "precio especial": 3.0, "me hacen un precio": 3.5,
        "en mercado libre": 2.5, "en falabella": 2.0, "en ripley": 2.0, "no tengo tanto": 3.0,
        "no puedo pagar tanto": 4.0, "pagar tanto": 3.0, "re caro": 4.0, "re cara": 4.0, "bien caro": 4.0,
    },
    "warranty_query": {
        "garantia": 3.5, "garantias": 3.5, "tiene garantia": 4.0, "cuanto de garantia": 4.0,
        "devolucion": 3.0, "devoluciones": 3.0, "cambio": 1.0, "hacer cambio": 2.5, "puedo cambiarlo": 3.0,
        "puedo devolverlo": 3.5, "si sale fallado": 3.5, "sale fallado": 3.0, "viene fallado": 3.0,
        "si falla": 2.0, "si se malogra": 3.5, "se malogra": 2.0, "reembolso": 3.0, "servicio tecnico": 2.0,
        "aplica garantia": 4.0, "cubre la garantia": 4.0, "cubre": 1.5, "boleta": 1.0, "factura": 1.0,
        "cuanto tiempo de garantia": 4.0, "meses de garantia": 4.0, "ano de garantia": 4.0,
        "politica de cambios": 3.5, "politica de devolucion": 3.5, "me lo cambian": 3.0, "seguro contra": 2.0,
        "si se rompe": 2.5, "defecto de fabrica": 3.5, "defectuoso": 2.5, "garantizado": 2.5,
    },
    "complaint": {
        "pesimo": 3.5, "pesima": 3.5, "pesimos": 3.5, "estafa": 4.0, "estafadores": 4.5, "me estafaron": 4.5,
        "reclamo": 3.5, "reclamacion": 3.5, "libro de reclamaciones": 5.0, "queja": 3.5, "quejarme": 3.5,
        "nadie me responde": 4.0, "nadie responde": 4.0, "nadie me atiende": 4.0, "no me responden": 3.5,
        "no responden": 3.0, "no me atienden": 3.5, "no contestan": 3.0, "mal servicio": 3.5,
        "malisimo": 3.5, "malisima": 3.5, "una verguenza": 4.0, "que verguenza": 4.0, "verguenza": 3.0,
        "indignado": 4.0, "indignada": 4.0, "harto": 3.0, "harta": 3.0, "cansado de": 2.5, "cansada de": 2.5,
        "incompetentes": 4.0, "inutiles": 4.0, "ladrones": 4.5, "me cobraron de mas": 4.0,
        "cobro indebido": 4.5, "cobro doble": 4.0, "me cobran de mas": 4.0, "me siguen cobrando": 4.0,
        "nunca llego": 3.5, "nunca llegaron": 3.5, "me dejaron plantado": 4.0, "me dejaron plantada": 4.0,
        "no vinieron": 3.0, "no vino el tecnico": 3.5, "falta de respeto": 4.0, "denunciar": 4.0,
        "indecopi": 5.0, "sernac": 5.0, "profeco": 5.0, "defensa del consumidor": 5.0, "sic": 1.0,
        "superintendencia": 3.0, "osiptel": 4.0, "subtel": 4.0, "enacom": 4.0, "voy a cancelar": 3.0,
        "quiero cancelar": 2.5, "dar de baja": 2.5, "darme de baja": 3.0, "quiero la baja": 3.0,
        "me mintieron": 4.0, "engano": 3.5, "enganaron": 4.0, "me enganaron": 4.5, "publicidad enganosa": 4.5,
        "horrible": 3.0, "lo peor": 3.5, "los peores": 4.0, "una burla": 4.0, "se burlan": 4.0,
        "ya me canse": 3.5, "llevo dias esperando": 3.5, "llevo semanas": 3.0, "sigo esperando": 3.0,
        "exijo": 3.5, "inaceptable": 4.0, "desastre": 3.5, "decepcionado": 3.5, "decepcionada": 3.5,
        "fatal": 3.0, "no es posible que": 3.0, "no puede ser que": 3.0, "malos": 1.5, "mal atendido": 3.5,
        "me tienen esperando": 3.5, "no cumplen": 3.5, "no cumplieron": 3.5, "sin solucion": 3.0,
        "ninguna solucion": 3.5, "me cortaron": 2.0, "ya reclame": 4.0, "deje un reclamo": 4.0,
    },
    "support_issue": {
        "se me corta": 3.5, "no puedo hacer llamadas": 3.5, "se me desconecta": 3.5,
        "no funciona": 3.0, "no me funciona": 3.0, "dejo de funcionar": 3.5, "no anda": 3.0, "no me anda": 3.0,
        "falla": 2.5, "fallando": 3.0, "falla el": 3.0, "no tengo senal": 4.0, "sin senal": 3.5, "no hay senal": 3.5,
        "lento": 2.5, "lenta": 2.0, "muy lento": 3.0, "va lento": 3.5, "anda lento": 3.5, "esta lento": 3.5,
        "se cayo": 3.5, "se cae": 3.0, "se corta": 3.0, "se desconecta": 3.5, "intermitente": 3.5,
        "no tengo internet": 4.0, "sin internet": 3.5, "no hay internet": 3.5, "no carga": 3.0,
        "no prende": 3.5, "no enciende": 3.5, "no conecta": 3.0, "no se conecta": 3.5, "no me conecta": 3.5,
        "error": 2.0, "problema con": 2.5, "tengo un problema": 3.0, "tengo problemas": 3.0, "problemas con": 2.5,
        "foco rojo": 3.5, "luz roja": 3.5, "parpadea": 3.0,
        "reiniciar": 2.0, "reinicie": 2.5, "ya reinicie": 3.0, "no puedo llamar": 3.5, "no salen las llamadas": 3.5,
        "no entran las llamadas": 3.5, "no me llegan": 2.0, "no recibo": 2.5, "soporte": 2.5, "soporte tecnico": 3.5,
        "averia": 3.5, "malogrado": 2.5, "se malogro": 3.5, "se me malogro": 3.5, "se rompio": 2.5,
        "no puedo activar": 3.5, "activar el chip": 3.0, "no se activa": 3.5, "no me activa": 3.5,
        "no me deja": 2.5, "bloqueado": 2.5, "bloqueo": 2.0, "clave del wifi": 3.0, "cambiar la clave": 3.0,
        "contrasena del wifi": 3.0, "olvide la contrasena": 3.0, "no tengo datos": 3.5, "no navega": 3.5,
        "no puedo navegar": 3.5, "la senal es mala": 3.0, "poca senal": 3.0, "mala senal": 3.0,
        "no sale el canal": 3.5, "no se ven los canales": 3.5, "no se ve": 2.0, "pantalla negra": 3.0,
        "se congela": 3.0, "se traba": 3.0, "se calienta": 3.0, "no detecta": 3.0, "visita tecnica": 3.0,
        "tecnico": 1.2, "no tengo servicio": 3.5, "sin servicio": 3.0, "se fue el internet": 3.5,
        "se fue la senal": 3.5, "cortado": 2.0, "me cortaron el servicio": 3.0, "no llega el codigo": 3.0,
        "no me carga": 3.0, "como configuro": 3.0, "configurar": 2.5, "no me aparece": 2.5, "apn": 3.0,
    },
    "human_request": {
        "hablar con un asesor": 5.0, "hablar con una persona": 5.0, "hablar con alguien": 5.0,
        "hablar con un humano": 5.0, "un asesor": 3.0, "asesor": 2.5, "asesora": 2.5, "una persona": 2.0,
        "persona real": 4.5, "humano": 3.5, "un humano": 4.0, "agente": 2.5, "operador": 2.0,
        "ejecutivo": 2.5, "ejecutiva": 2.5, "vendedor": 2.0, "vendedora": 2.0, "supervisor": 3.0,
        "encargado": 2.5, "encargada": 2.5, "gerente": 3.0, "eres un bot": 4.0, "es un bot": 4.0, "bot": 2.5,
        "robot": 2.5, "maquina": 1.5, "no quiero hablar con": 3.0, "quiero hablar con": 4.0, "hablar con": 2.0,
        "me pueden llamar": 4.0, "me puedes llamar": 4.0, "llamenme": 4.0, "llamame": 3.5, "me llaman": 3.0,
        "que me llamen": 4.0, "comuniqueme con": 4.0, "comunicame con": 4.0, "pasame con": 4.0,
        "paseme con": 4.0, "derivame": 4.0, "atencion personalizada": 4.0, "alguien que me atienda": 4.5,
        "alguien de carne y hueso": 5.0, "respuestas automaticas": 3.5, "mensaje automatico": 3.0,
        "numero de un asesor": 4.0, "whatsapp del vendedor": 4.0, "contactarme con": 3.5, "contacten": 2.5,
        "que me contacten": 4.0, "me contacte": 3.0, "me contacten": 3.5,
    },
    "other": {
        "donde queda": 3.0, "donde estan ubicados": 3.0, "a que hora": 3.0, "horario": 3.0, "horarios": 3.0,
        "abren": 2.0, "cierran": 2.0, "trabajan los": 2.5, "direccion de la tienda": 3.0, "ya te envie": 2.5,
        "te envie": 2.0, "le envio": 2.0, "te mando la foto": 2.5, "la captura": 2.0,
    },
    "thanks_goodbye": {
        "gracias por la informacion": 3.0, "gracias por la info": 3.0, "gracias por responder": 3.0,
        "gracias": 1.5, "muchas gracias": 2.0, "mil gracias": 2.0, "chau": 2.0, "chao": 2.0, "bye": 2.0,
        "adios": 2.0, "hasta luego": 2.0, "hasta manana": 2.0, "nos vemos": 2.0, "saludos cordiales": 1.5,
        "que tengas buen dia": 2.0, "que tenga buen dia": 2.0, "buen dia para ti": 2.0, "te agradezco": 2.0,
        "le agradezco": 2.0, "agradecido": 2.0, "agradecida": 2.0, "ok gracias": 2.5, "listo gracias": 2.5,
        "eso es todo": 2.5, "eso era todo": 2.5, "era todo": 2.0, "lo pensare": 2.0, "lo voy a pensar": 2.0,
        "lo pienso": 2.0, "te aviso": 2.0, "le aviso": 2.0, "luego te escribo": 2.0, "despues te escribo": 2.0,
        "mas tarde te escribo": 2.0, "cualquier cosa te escribo": 2.0, "muy amable": 2.0, "gracias por todo": 2.5,
        "excelente atencion": 1.5, "genial gracias": 2.5, "perfecto gracias": 2.5, "cuidate": 2.0, "besos": 1.5,
        "bendiciones": 1.5, "dios te bendiga": 2.0, "igualmente": 2.0, "ya no": 0.8, "ya no gracias": 2.5,
        "no gracias": 2.5, "ya lo resolvi": 2.0, "ya se soluciono": 2.0, "gracias igual": 2.5, "tkm": 1.0,
    },
}

# Intents that only win when nothing else was asked ("hola, cuanto cuesta?" is a price question).
SOCIAL_INTENTS = ("greeting", "thanks_goodbye")

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
