"""The unassigned queue the AI answers (a complaint it escalated, people asking for a person, prices,
Instagram DMs), the month's closed chats, and customers known only from their purchases (for the
outreach profiles: dormant, at risk, repeat buyers, a VIP, one who came back)."""

from __future__ import annotations

from demo.seed.script import (
    Person,
    Purchase,
    Story,
    agent_says,
    ago,
    day,
    lead_moves,
    quotes,
    resolved,
    says,
    sends_photo,
    takes,
    validated,
)

QUEUE = (
    Story("victor-reclamo", Person("Víctor Sánchez", phone="+51996218437"), ago(minutes=35), (
        says("Pésimo servicio, llevo 3 días sin internet y nadie me soluciona nada. Es una vergüenza, voy a "
             "poner un reclamo en Indecopi"),
        says("Hasta cuándo voy a esperar??"),
    )),
    Story("teresa-persona", Person("Teresa Núñez", phone="+51953364081"), ago(minutes=15), (
        says("Hola, quiero hablar con una persona por favor"),
    )),
    Story("nicolas-ig-iphone", Person("Nicolás Vargas", instagram="nico.vargas.21"), ago(minutes=8), (
        says("Precio del iPhone 15 Pro?"),
    ), channel="instagram"),
    Story("beatriz-olivos", Person("Beatriz Rojas", phone="+51942215509"), ago(hours=2), (
        says("Hola, quiero contratar internet para mi casa"),
        says("Vivo en Los Olivos, tengo unos 80 soles"),
        says("Me llamo Beatriz"),
    )),
    Story("kevin-ig-info", Person("Kevin Paredes", instagram="kevin.prd"), ago(hours=1), (
        says("Info"),
        says("?"),
    ), channel="instagram"),
    Story("lourdes-pantalla", Person("Lourdes Díaz", phone="+51987760312"), ago(minutes=20), (
        sends_photo("Hola, se me cayó el celular que les compré y se rompió la pantalla 😢 Necesito que alguien "
                    "me ayude", drawing="cracked_screen"),
    )),
    Story("manuel-portabilidad", Person("Manuel Torres", phone="+51951873342"), day(1, 21, 5), (
        says("Buenas noches, quiero portar mi número a Bitel"),
        says("Qué planes tienen?"),
    )),
    Story("diana-ig-audifonos", Person("Diana Mendoza", instagram="diana.mdz"), ago(hours=3), (
        says("Hola! Cuánto cuestan los audífonos bluetooth?"),
        says("Ok gracias"),
    ), channel="instagram"),
    Story("hugo-claro", Person("Hugo Castillo", phone="+51964437719"), ago(minutes=10), (
        says("Hola"),
        says("Cuánto cuesta el plan de 10 gigas de Claro?"),
    )),
    Story("veronica-iphone", Person("Verónica Castillo", phone="+51968815902"), ago(minutes=45), (
        says("Buenas, cuánto cuesta el iPhone 15 de 256?"),
        says("En negro"),
    )),
    Story("pamela-ig-a55", Person("Pamela Quispe", instagram="pame.quispe"), ago(hours=5), (
        says("Tienen el Samsung A55 de 256?"),
    ), channel="instagram"),
)

CLOSED = (
    Story("alberto-plan", Person("Alberto Flores", phone="+51955126048"), day(27, 11, 30), (
        says("Cuánto cuesta el plan de 20 gigas de Movistar?"),
        says("Gracias, lo voy a pensar"),
        takes("agente1", after=40),
        lead_moves("lost", "Solo consultaba precios"),
        resolved(),
    )),
    Story("rebeca-ig-combo", Person("Rebeca Flores", instagram="rebe.flores"), day(16, 20, 40), (
        says("Hola! Info del combo de internet y cable de Claro"),
        takes("agente1", after=55),
        agent_says("¡Hola Rebeca! El Combo Internet 100 Mbps + TV de Claro está a S/ 129 al mes 😊 ¿Para qué "
                   "distrito sería?"),
        says("Ya contraté con otra empresa, gracias", after=60 * 20),
        lead_moves("lost", "Contrató con otra empresa"),
        resolved(),
    ), channel="instagram"),
    Story("silvia-bitel", Person("Silvia Ramos", phone="+51983309571"), day(21, 16, 0), (
        says("Hola, el internet de 50 megas de Bitel llega a Comas?"),
        takes("agente2"),
        agent_says("Hola Silvia 👋 Sí llega a Comas. Está a S/ 54 al mes con instalación gratis."),
        quotes("BIT-HOG-50", valid_days=25),
        says("Sí, lo quiero"),
        validated(),
        resolved(after=30),
    )),
    Story("norma-horario", Person("Norma Gutiérrez", phone="+51970048213"), day(14, 9, 10), (
        says("Buenos días, a qué hora abren la tienda?"),
        takes("agente1", after=25),
        agent_says("¡Buenos días Norma! Atendemos de lunes a sábado de 9:00 a 19:00 😊"),
        says("Gracias!"),
        resolved(),
    )),
    Story("jaime-tv", Person("Jaime Córdova", phone="+51947725360"), day(11, 19, 20), (
        says("Quiero el cable de Bitel"),
        says("Para San Miguel. Cuánto es?"),
        takes("agente2"),
        agent_says("Hola Jaime 👋 El TV Cable Digital de Bitel está a S/ 44 al mes, más de 120 canales."),
        quotes("BIT-TV-CABLE", valid_days=15),
        says("Ok, acepto"),
        validated(),
        resolved(after=20),
    )),
    Story("liliana-garantia", Person("Liliana Vargas", phone="+51961184735"), day(5, 15, 45), (
        says("Hola, el cargador que compré no carga rápido. Quiero hablar con alguien"),
        takes("agente1"),
        agent_says("Hola Liliana, soy Lucía. Qué pena 😕 Tráelo a la tienda con tu boleta y te lo cambiamos "
                   "por garantía."),
        says("Ya, mañana paso. Gracias"),
        resolved(),
    )),
    Story("ernesto-ig-cargador", Person("Ernesto Paredes", instagram="ernesto.prd", city="Trujillo"),
          day(8, 10, 30), (
        says("Tienen el cargador de 45W?"),
        takes("agente3"),
        agent_says("¡Hola Ernesto! Sí, el Cargador Súper Rápido 45W está a S/ 129 😊"),
        quotes("ACC-CARG-45W", valid_days=10),
        says("Ok, lo quiero"),
        validated(),
        resolved(after=15),
    ), channel="instagram"),
    Story("monica-movistar", Person("Mónica Chávez", phone="+51952290413"), day(1, 15, 30), (
        says("Hola, quiero portar mi línea a Movistar, el plan de 10 gigas"),
        takes("agente1"),
        agent_says("Hola Mónica 😊 El Plan Móvil 10 GB de Movistar está a S/ 34.90 al mes. Te envío la "
                   "cotización."),
        quotes("MOV-MOV-10GB", valid_days=7, sale_type="portability"),
        says("Sí, acepto"),
        agent_says("¡Gracias! Administración valida tu portabilidad y te llega el chip en 24 horas."),
        resolved(),
    )),
)

BUYERS = (  # known from their purchases only: no chat this month
    Story("julia-dormida", Person("Julia Mamani", phone="+51981447250"), day(215), (),
          history=(Purchase(290, "CLA-MOV-10GB"), Purchase(215, "ACC-CABLE-USBC|ACC-CARG-45W"))),
    Story("pedro-dormido", Person("Pedro Gutiérrez", phone="+51957731906"), day(200), (),
          history=(Purchase(330, "MOV-TV-CABLE", agent="agente2"), Purchase(200, "ACC-MICA-IP15", agent="agente2"))),
    Story("sofia-repite", Person("Sofía Espinoza", phone="+51963310287"), day(50), (),
          history=(Purchase(120, "ENT-MOV-10GB", agent="agente2"), Purchase(50, "ACC-CARG-45W", agent="agente2"))),
    Story("miguel-repite", Person("Miguel Córdova", phone="+51978124635"), day(35), (),
          history=(Purchase(95, "BIT-HOG-100", agent="agente3"), Purchase(35, "BIT-TV-CABLE", agent="agente3"))),
    Story("carlos-vip", Person("Carlos Vargas", phone="+51994462108", email="carlos.vargas@correo.pe"), day(40), (),
          history=(Purchase(60, "ACC-CARG-45W", payment="card"), Purchase(40, "IP15P-128-TIT13", payment="card"),
                   Purchase(40, "ACC-CASE-IP15P", payment="card"))),
    Story("ana-vuelve", Person("Ana Torres", phone="+51946653319"), day(12), (),
          history=(Purchase(260, "CLA-HOG-50"), Purchase(12, "ACC-CARG-45W", payment="yape_plin"))),
)

STORIES = QUEUE + CLOSED + BUYERS
