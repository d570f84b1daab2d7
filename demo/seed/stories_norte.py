"""Equipo Norte's month: Valeria (agente3) with customers in Trujillo, Chiclayo and Arequipa — an
installation complaint she takes over, phones, portability, Instagram."""

from __future__ import annotations

from demo.seed.script import (
    Person,
    Story,
    agent_says,
    agent_sends_photo,
    ago,
    assigned_to,
    day,
    lead_moves,
    note,
    quote_declined,
    quotes,
    resolved,
    says,
    snoozed,
    tagged,
    takes,
    validated,
)

VALERIA = (
    Story("ximena-trujillo", Person("Ximena Castillo", phone="+51949112873", city="Trujillo"), day(18, 9, 40), (
        says("Hola, quiero internet para mi casa en Trujillo"),
        says("Es en Víctor Larco, urbanización Buenos Aires. Unos 85 soles"),
        takes("agente3"),
        agent_says("Hola Ximena, soy Valeria 😊 Te confirmo que hay cobertura de fibra Entel en tu zona:"),
        agent_sends_photo("Cobertura de fibra en Víctor Larco", drawing="coverage"),
        agent_says("El Internet Hogar 100 Mbps de Entel está a S/ 84 al mes. Te envío la cotización."),
        quotes("ENT-HOG-100", valid_days=20),
        says("Sí, acepto"),
        validated(),
        agent_says("¡Listo Ximena! Tu instalación está programada para el sábado en la mañana 🙌", after=15),
        says("Gracias Valeria!"),
        resolved(),
    )),
    Story("cesar-chiclayo", Person("César Espinoza", phone="+51974458120", city="Chiclayo"), day(1, 10, 0), (
        says("Buenas, tienen el Redmi Note 13?"),
        says("Para Chiclayo, hacen envío?"),
        takes("agente3"),
        agent_says("Hola César 👋 El Redmi Note 13 se nos agotó, pero el Moto G84 de 256 GB está a S/ 999 y "
                   "hacemos envío a Chiclayo por Olva en 48 horas."),
        quotes("MOT-G84-256", valid_days=7),
        says("Y si pago en efectivo me hacen descuento?"),
        note("Pide descuento por pago en efectivo. @supervisor ¿podemos darle 5 %?"),
    )),
    Story("rocio-arequipa", Person("Rocío Quispe", phone="+51958803164", city="Arequipa"), ago(hours=4), (
        says("Hola, quiero pasarme a Claro con mi mismo número"),
        says("Estoy en Arequipa, Cayma. Quisiera un plan de 20 gigas, hasta 40 soles"),
        takes("agente3"),
        agent_says("Hola Rocío, soy Valeria 😊 El Plan Móvil 20 GB de Claro está a S/ 39.90 y la portabilidad "
                   "es gratis. ¿Tu línea actual es prepago o postpago?"),
        lead_moves("qualified"),
        says("Es prepago de Movistar"),
    )),
    Story("ivan-reclamo", Person("Iván Mamani", phone="+51966721540", city="Trujillo"), ago(minutes=90), (
        says("Es el colmo!!! Pésimo servicio, me instalaron el internet hace una semana y hasta ahora no "
             "funciona. Quiero poner un reclamo"),
        assigned_to("agente3"),
        agent_says("Hola Iván, soy Valeria, de atención al cliente. Lamento mucho lo ocurrido 🙏 Ya escalé tu "
                   "caso con el área técnica como urgente."),
        note("Instalación del 12 sin servicio. Caso escalado a soporte Entel Trujillo, ticket 88231. @supervisor "
             "para seguimiento."),
        says("Ojalá que esta vez sí me solucionen"),
        tagged("reclamo"),
    )),
    Story("elena-ig-moto", Person("Elena Flores", instagram="elenaflores.aqp", city="Arequipa"), day(7, 20, 15), (
        says("Hola, precio del Moto G84?"),
        takes("agente3"),
        agent_says("¡Hola Elena! El Moto G84 de 256 GB está a S/ 999 😊 Hacemos envío a Arequipa."),
        quotes("MOT-G84-256|SAM-A55-256", valid_days=10),
        says("Sí, lo quiero"),
        validated(),
        agent_says("¡Gracias Elena! Tu pedido sale hoy por Olva, te llega en 2 días 📦", after=10),
        resolved(),
    ), channel="instagram"),
    Story("martin-ig-tv", Person("Martín Huamán", instagram="martin.hc", city="Chiclayo"), day(2, 17, 30), (
        says("Hola, cuánto cuesta el cable?"),
        takes("agente3"),
        agent_says("¡Hola Martín! 👋 El TV Cable Digital va desde S/ 44 al mes con Bitel. ¿Para qué zona de "
                   "Chiclayo sería?"),
        says("La Victoria. Lo veo con mi familia y te escribo"),
        lead_moves("contacted"),
        snoozed(hours=48),
    ), channel="instagram"),
    Story("karina-combo", Person("Karina Ramos", phone="+51945290738", city="Trujillo"), ago(minutes=25), (
        says("Buenas tardes, el combo de internet y cable cuánto sale?"),
        takes("agente3"),
        agent_says("Hola Karina 😊 El combo de 100 Mbps + TV va desde S/ 114 al mes con Bitel y S/ 124 con "
                   "Entel. ¿En qué zona de Trujillo estás?"),
        says("En El Porvenir"),
    )),
    Story("walter-iphone-pro", Person("Walter García", phone="+51979340125", city="Trujillo"), ago(hours=7), (
        says("Tienen el iPhone 15 Pro?"),
        says("El de 256 en titanio natural"),
        takes("agente3"),
        agent_says("Hola Walter 👋 Sí, el iPhone 15 Pro de 256 GB en titanio natural, nuevo y con garantía. Te "
                   "envío la cotización."),
        quotes("IP15P-256-TIT15", valid_days=5),
        says("Puedo pagar una parte con Yape y el resto con tarjeta?"),
        agent_says("Sí, sin problema 😊"),
    )),
    Story("gustavo-ig-iphone", Person("Gustavo Sánchez", instagram="gus.sanchez", city="Trujillo"),
          day(19, 13, 0), (
        says("Tienen iPhone 15 de 128 en negro?"),
        takes("agente3"),
        agent_says("¡Hola Gustavo! El de 128 GB en negro está agotado; en azul sí tenemos. Te dejo la "
                   "cotización por si te interesa 😊"),
        quotes("IP15-128-AZU4", valid_days=20),
        says("Ya lo compré en otra tienda, gracias igual", after=60 * 26),
        quote_declined("Lo compró en otra tienda"),
        lead_moves("lost", "Lo compró en otra tienda"),
        resolved(),
    ), channel="instagram"),
)

STORIES = VALERIA
