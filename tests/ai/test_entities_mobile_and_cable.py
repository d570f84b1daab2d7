"""Service type and colour read the way Chilean, Argentine and Peruvian customers write."""

import pytest

from ai.local import analyze


@pytest.mark.parametrize("text", [
    "wena, quiero un plan po",
    "hola, quiero cambiarme a wom, cuanto sale?",
    "quiero portarme a entel",
    "necesito internet pal celu",
    "quiero un plan con internet ilimitado pal celular",
    "quiero un plan de internet movil",
    "quiero minutos y gigas libres",
    "quiero sacar una linea nueva con wom",
    "un chip con minutos ilimitados cachai",
])
def test_a_mobile_line_is_mobile(text):
    assert analyze(text).entities.service_type == "mobile"


@pytest.mark.parametrize(("text", "service"), [
    ("quiero internet para mi casa", "internet_home"),
    ("internet de 200 megas", "internet_home"),
    ("internet movil para la casa", "internet_home"),
    ("Hola quiero contratar fibra wom", "internet_home"),
    ("en 5 minutos te escribo", ""),
    ("mi celular no carga, ya probe con otro cable", "accessory"),  # a phone's cable, not TV
    ("quiero un cable tipo c", "accessory"),
    ("cuanto cuesta el cable", "tv"),
    ("quiero cable e internet", "combo"),
])
def test_home_internet_tv_and_cables_keep_their_service(text, service):
    assert analyze(text).entities.service_type == service


@pytest.mark.parametrize(("text", "colour"), [
    ("No llego con esa plata, ¿no tienen algo más barato?", ""),  # money
    ("tienen el iphone 15 en plata?", "plata"),
    ("iphone 15 color plata", "plata"),
])
def test_plata_is_a_colour_only_when_said_as_one(text, colour):
    assert analyze(text).entities.color == colour
