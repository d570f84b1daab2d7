"""Equipo Lima's month: Lucía (agente1) and Diego (agente2) — home internet, portability, phones,
a wholesale customer, collections, a transfer between them. Customers' words are the demo's data."""

from __future__ import annotations

from demo.seed.script import (
    Person,
    Purchase,
    Story,
    agent_says,
    ago,
    assigned_to,
    day,
    follows_up_today,
    lead_moves,
    note,
    pending,
    quotes,
    read,
    resolved,
    says,
    sends_photo,
    snoozed,
    tagged,
    takes,
    transfers_to,
    validated,
)

LUCIA = (
    Story("rosa-hogar", Person("Rosa Huamán", phone="+51987412356"), day(12, 10, 15), (
        says("Hola, buenos días 👋"),
        says("Quisiera información del internet para mi casa"),
        says("Vivo en San Juan de Lurigancho, mi presupuesto es de 90 soles al mes"),
        takes("agente1"),
        agent_says("Hola Rosa, soy Lucía 😊 Sí tenemos cobertura de fibra en San Juan de Lurigancho. Con tu "
                   "presupuesto te recomiendo el Internet Hogar 100 Mbps de Claro a S/ 89 al mes."),
        says("Ya, me parece bien. La instalación tiene costo?"),
        agent_says("La instalación es gratis y el router wifi 6 va en comodato. Te envío la cotización 📄"),
        quotes("CLA-HOG-100", valid_days=15),
        says("Sí, lo quiero"),
        agent_says("¡Perfecto! Mañana te llama el técnico para agendar la instalación. ¿Me confirmas tu "
                   "dirección exacta?"),
        says("Jr. Los Amautas 1450, Zárate"),
        validated(),
        agent_says("Listo Rosa, tu instalación quedó para el jueves entre 9 y 1 pm. ¡Gracias por tu compra! 🙌",
                   after=20),
        tagged("hogar"),
        resolved(),
    )),
    Story("jorge-portabilidad", Person("Jorge Ramos", phone="+51956310842"), day(2, 16, 40), (
        says("Buenas, quiero hacer portabilidad a Entel, tengo Movistar. Qué plan de 20 gigas me recomiendas?"),
        takes("agente1"),
        agent_says("Hola Jorge, soy Lucía de la tienda 👋 Para portabilidad a Entel tienes el Plan Móvil 20 GB "
                   "a S/ 34.90 al mes, con WhatsApp ilimitado y la portabilidad no tiene costo."),
        says("Y cuánto demora el cambio?"),
        agent_says("Entre 24 y 48 horas, y no te quedas sin línea en ningún momento. Te mando la cotización."),
        quotes("ENT-MOV-20GB", valid_days=10, sale_type="portability"),
        says("Ok, déjame consultarlo con mi esposa y te aviso"),
        agent_says("Claro Jorge, quedo atenta 😊"),
        tagged("portabilidad"),
        follows_up_today("Hola Jorge 👋 ¿Pudiste conversarlo con tu esposa? La cotización del plan de 20 GB "
                         "sigue vigente.", hour=17),
    )),
    Story("milagros-combo", Person("Milagros Paredes", phone="+51944871203"), ago(hours=3), (
        says("Hola, tienen combo de internet con cable?"),
        says("Soy de Ate, Vitarte. Tengo 130 soles al mes"),
        takes("agente1"),
        agent_says("Hola Milagros 😊 Tenemos el Combo Internet 100 Mbps + TV de Movistar a S/ 134. Déjame "
                   "confirmar la cobertura en tu zona."),
        note("@agente2 ¿sabes si Movistar ya tiene fibra en Vitarte, por la carretera Central? La clienta "
             "quiere el combo."),
        note("Sí, llega hasta el paradero Puruchuco. Más arriba solo Claro.", by="agente2"),
        agent_says("Milagros, ¿me compartes tu dirección exacta para validar la cobertura?"),
        says("Av. Nicolás Ayllón 5820, cerca al paradero Puruchuco"),
        lead_moves("qualified"),
        says("Y en cuánto tiempo instalan?"),
    )),
    Story("carmen-iphone", Person("Carmen Flores", phone="+51981563327"), ago(hours=5), (
        says("Hola! Tienen el iPhone 15?"),
        says("El de 128 GB, en azul"),
        takes("agente1"),
        agent_says("Hola Carmen, soy Lucía 😊 Sí, tenemos el iPhone 15 de 128 GB en azul, nuevo y sellado, con "
                   "un año de garantía."),
        quotes("IP15-128-AZU4|IP15-256-AZU4", valid_days=5),
        says("Sí, lo quiero"),
        agent_says("¡Genial! Registré tu pedido; en cuanto administración lo valide coordinamos la entrega. "
                   "¿Pagarás con tarjeta o transferencia?"),
        says("Con tarjeta, en 6 cuotas"),
        read(),
        agent_says("Perfecto, te envío el link de pago en un momento."),
        tagged("equipos"),
    )),
    Story("luis-tv", Person("Luis Sánchez", phone="+51962204518"), day(1, 11, 0), (
        says("Buen día, cuánto está el cable de Claro?"),
        takes("agente1"),
        agent_says("Hola Luis 👋 El TV Cable Digital de Claro está a S/ 59 al mes: más de 120 canales, 40 en HD, "
                   "con decodificador incluido."),
        says("Ok, déjame ver. Escríbeme el lunes que cobro"),
        agent_says("¡Claro! Te escribo el lunes. Buen día 😊"),
        lead_moves("contacted"),
        snoozed(hours=44),
    )),
    Story("yolanda-samsung", Person("Yolanda Chávez", phone="+51973318850", zone="Comas"), day(9, 15, 0), (
        says("Hola! Hace tiempo les compré un chip. Ahora busco celular: tienen el Samsung Galaxy A55 de 256?"),
        takes("agente1"),
        agent_says("Hola Yolanda, qué gusto saludarte de nuevo 😊 Sí, el Galaxy A55 de 256 GB está a "
                   "S/ 1,699. Te paso la cotización."),
        quotes("SAM-A55-256|SAM-A55-128", valid_days=10),
        says("Sí, acepto"),
        agent_says("¡Listo! Lo puedes recoger mañana en la tienda de Comas o te lo enviamos."),
        says("Lo recojo mañana en la tarde, gracias"),
        validated(after=70),
        resolved(),
    ), history=(Purchase(240, "CLA-MOV-10GB", agent="agente1"),)),
    Story("hector-cobranza", Person("Héctor Núñez", phone="+51991042276"), day(2, 9, 30), (
        says("Buenos días, les escribo por mi acuerdo de pago de Claro. Quiero hablar con un asesor"),
        assigned_to("agente1"),
        sends_photo("Este es el voucher de la cuota 2, me sale como deuda todavía", drawing="voucher"),
        agent_says("Hola Héctor, soy Lucía 😊 Revisé tu acuerdo: las cuotas 1 y 2 están pagadas, gracias. La "
                   "cuota 3 de S/ 250.00 venció hace unos días."),
        says("Ah ya. Esa la pago el viernes sin falta"),
        note("Se compromete a pagar la cuota 3 el viernes. @supervisor ¿le podemos condonar la mora si paga "
             "esta semana?"),
        tagged("cobranza"),
        follows_up_today("Hola Héctor 👋 Te recuerdo la cuota 3 de tu acuerdo de pago. Cualquier duda, aquí "
                         "estoy.", hour=16),
    )),
    Story("sofia-ig-case", Person("Sofía Rojas", instagram="sofi.rojas.pe"), ago(minutes=50), (
        says("Hola! Tienen case y mica para iPhone 15?"),
        takes("agente1"),
        agent_says("¡Hola Sofía! Sí 😊 Case de silicona a S/ 59 y protector de pantalla a S/ 29."),
        says("Perfecto, los dos. Hacen envío a Surco?"),
    ), channel="instagram"),
)

DIEGO = (
    Story("fernando-mayorista", Person("Fernando Chávez", phone="+51999620417", zone="Cercado de Lima",
                                       email="compras@inversioneschavez.pe", wholesale=True), ago(hours=2), (
        says("Buenas, precio al por mayor de cargadores de 20W? necesito 20 unidades"),
        takes("agente2"),
        agent_says("Hola Fernando, soy Diego 👋 Para 20 unidades te doy el precio mayorista. Te preparo la "
                   "cotización."),
        quotes("ACC-CARG-20W*20", valid_days=7),
        says("Perfecto, lo reviso con mi socio y te confirmo hoy"),
        read(),
        tagged("mayorista"),
    ), history=(Purchase(75, "IP15-512-AZU4*2", agent="agente2", payment="transfer"),
                Purchase(55, "ACC-MICA-IP15*5", agent="agente2", payment="transfer"),
                Purchase(40, "ACC-CARG-45W*10", agent="agente2", payment="transfer"),
                Purchase(12, "SAM-A55-256*3", agent="agente2", payment="transfer"))),
    Story("andres-bitel", Person("Andrés Vargas", phone="+51985237710"), day(15, 12, 20), (
        says("Hola, quiero un plan móvil de Bitel de 20 gigas"),
        says("Mi presupuesto es de 25 soles"),
        takes("agente1"),
        transfers_to("agente2", "Diego lleva las líneas Bitel este mes"),
        agent_says("Hola Andrés, soy Diego 👋 El Plan Móvil 20 GB de Bitel está a S/ 24.90 al mes. Te envío la "
                   "cotización."),
        quotes("BIT-MOV-20GB", valid_days=20),
        says("Sí, dale"),
        agent_says("¡Listo! El chip te llega mañana por delivery. Gracias 🙌"),
        validated(),
        resolved(after=30),
    )),
    Story("patricia-fibra", Person("Patricia Rojas", phone="+51976540931"), day(24, 18, 5), (
        says("Hola, cuánto cuesta la fibra de 200 megas de Entel?"),
        says("Es para Surco, trabajo desde casa"),
        takes("agente2"),
        agent_says("Hola Patricia 😊 El Internet Hogar 200 Mbps de Entel está a S/ 114 al mes, simétrico, ideal "
                   "para teletrabajo. Te paso la cotización."),
        quotes("ENT-HOG-200", valid_days=7),
        says("Gracias, lo voy a pensar"),
        lead_moves("lost", "La cotización venció sin respuesta", after=60 * 24 * 9),
        resolved(),
    )),
    Story("oscar-audifonos", Person("Óscar Díaz", phone="+51952876614"), ago(minutes=40), (
        says("Hola, tienen audífonos bluetooth?"),
        takes("agente2"),
        agent_says("Hola Óscar 👋 Los audífonos inalámbricos están agotados por ahora, llegan la próxima semana. "
                   "¿Te aviso apenas lleguen?"),
        lead_moves("contacted"),
        says("Ya, avísame porfa"),
        says("Y cuánto van a costar?"),
    )),
    Story("gabriela-ig-case", Person("Gabriela Torres", instagram="gabytorres.lima"), day(1, 19, 10), (
        says("Holaa, tienen case para iPhone 15 Pro?"),
        takes("agente2"),
        agent_says("¡Hola Gabriela! Sí, el case de silicona para iPhone 15 Pro está con descuento 😊"),
        quotes("ACC-CASE-IP15P", valid_days=7),
        says("Sí, lo quiero"),
        agent_says("¡Perfecto! Lo puedes recoger desde mañana en la tienda de Miraflores."),
    ), channel="instagram"),
    Story("daniela-ig-s24", Person("Daniela Córdova", instagram="dani.cordova"), day(3, 12, 0), (
        says("Precio del Samsung S24?"),
        takes("agente2"),
        agent_says("¡Hola Daniela! El Galaxy S24 de 256 GB está a S/ 3,599. Nos llega stock esta semana; te "
                   "dejo la cotización separada."),
        quotes("SAM-S24-256", valid_days=12),
        says("Lo voy a pensar, gracias"),
        follows_up_today("¡Hola Daniela! 👋 Ya llegó el Galaxy S24. ¿Te lo separo?", hour=18),
    ), channel="instagram"),
    Story("raul-router", Person("Raúl Gutiérrez", phone="+51967013358"), day(6, 8, 45), (
        says("Buenos días, no tengo internet desde anoche, el router tiene una luz roja"),
        sends_photo("Así está el router", drawing="router"),
        takes("agente2"),
        agent_says("Hola Raúl, soy Diego. La luz roja (LOS) indica un corte de fibra en la zona. Ya reporté el "
                   "caso a Claro, ticket 4471203."),
        says("Ok, gracias. Cuánto demoran?"),
        agent_says("Un técnico pasa hoy antes de las 6 pm 🙏"),
        says("Ya regresó el internet, gracias!", after=60 * 7),
        resolved(),
    )),
    Story("tomas-portabilidad", Person("Tomás Huamán", phone="+51950671284"), day(4, 17, 15), (
        says("Hola, quiero llevar mi número a Claro, el plan de 20 gigas"),
        takes("agente2"),
        agent_says("Hola Tomás 👋 Claro, el Plan Móvil 20 GB de Claro está a S/ 39.90. Para la portabilidad "
                   "necesito una foto de tu DNI por ambos lados y el número a portar."),
        says("Ya, en la noche te la mando"),
        lead_moves("qualified"),
        pending(),
    )),
    Story("ricardo-bitel", Person("Ricardo Mendoza", phone="+51948327716"), ago(hours=6), (
        says("Buenas, internet de 50 megas de Bitel, cuánto es?"),
        says("Vivo en Los Olivos, Av. Naranjal 1288"),
        takes("agente2"),
        agent_says("Hola Ricardo 👋 El Internet Hogar 50 Mbps de Bitel está a S/ 54 al mes y sí llega a Av. "
                   "Naranjal. ¿Lo agendamos?"),
        lead_moves("qualified"),
        says("Puede ser el sábado la instalación?"),
    )),
)

STORIES = LUCIA + DIEGO
