"""Selling to the budget: the quote when it covers what was asked, else the closest fits and the difference."""

from decimal import Decimal

from ai import replies
from ai.budget import budget_answer, fit_to_budget
from ai.decide import Action
from ai.local import analyze
from ai.types import CatalogItem, LeadState, Money


def plan(operator: str, mbps: int, price: str, **attributes) -> CatalogItem:
    return CatalogItem(f"{operator}-{mbps}", f"Internet Hogar {mbps} Mbps {operator.title()}", Decimal(price), "PEN",
                       None, "internet_home", operator, attributes={"speed_mbps": mbps, **attributes})


CATALOG = [plan(op, mbps, str(base + off)) for op, off in (("claro", 0), ("movistar", 5), ("entel", -5),
                                                           ("bitel", -15))
           for mbps, base in ((50, 69), (100, 89), (200, 119))]
BY_ID = {i.id: i for i in CATALOG}
TWO_HUNDRED = [BY_ID[f"{op}-200"] for op in ("claro", "movistar", "entel", "bitel")]


def test_below_every_match_offers_lower_speeds_within_the_budget_and_says_what_is_missing():
    fit = fit_to_budget(TWO_HUNDRED, CATALOG, Money(Decimal("90"), "PEN"))
    assert fit is not None and not fit.within
    assert fit.cheapest_over.id == "bitel-200" and fit.missing == Decimal("14")
    assert [i.id for i in fit.closest] == ["claro-100", "entel-100", "bitel-100"]  # 100 Mbps first, nearest price
    text = budget_answer(fit, name="Ana")
    assert "te faltan S/ 14" in text and "Internet Hogar 200 Mbps Bitel" in text and "S/ 104" in text
    assert "• Internet Hogar 100 Mbps Claro: S/ 89" in text and "cotización" in text


def test_a_promotion_within_the_budget_is_offered_with_its_list_price():
    promo = plan("movistar", 200, "99", list_price="124", final_price="99")
    fit = fit_to_budget([BY_ID["claro-200"]], [promo], Money(Decimal("100"), "PEN"))
    assert [i.id for i in fit.closest] == ["movistar-200"]
    assert "S/ 99.00 (en promoción, antes S/ 124.00)" in budget_answer(fit)


def test_a_budget_that_covers_one_proposes_its_quote():
    fit = fit_to_budget([BY_ID["claro-200"]], [], Money(Decimal("120"), "PEN"))
    text = budget_answer(fit, name="Ana")
    assert text.startswith("¡Perfecto, Ana!") and "S/ 119" in text and "¿Te preparo la cotización?" in text


def test_a_budget_in_another_currency_is_not_compared():
    assert fit_to_budget(TWO_HUNDRED, CATALOG, Money(Decimal("90"), "USD")) is None


def test_compose_reply_sells_to_the_budget_instead_of_handing_the_lead_to_an_adviser():
    analysis = analyze("mi presupuesto es 90 soles", catalog=CATALOG)
    analysis = analysis.__class__(**{**analysis.__dict__, "entities": analysis.entities.__class__(
        **{**analysis.entities.__dict__, "products": tuple(i.id for i in TWO_HUNDRED)})})
    hits = [*TWO_HUNDRED, *(i for i in CATALOG if i.price <= 90)]
    lead = LeadState(name="Ana Torres", has_lead=True, has_interest=True, service_type="internet_home",
                     zone="Surco")
    composed = replies.compose_reply(analysis=analysis, text="mi presupuesto es 90 soles", hits=hits, history=[],
                                     lead=lead)
    assert composed.decision.action == Action.CREATE_OR_UPDATE_LEAD
    assert "asesor" not in composed.text and "te faltan S/ 14" in composed.text
    assert "Internet Hogar 100 Mbps Claro: S/ 89" in composed.text


def test_the_final_confirmation_uses_the_first_name():
    assert replies.qualified("maría quispe").startswith("¡Gracias, María!")
    assert replies.qualified(None).startswith("¡Gracias!")


def test_a_generous_budget_offers_the_most_it_buys_first():
    fit = fit_to_budget(CATALOG, [], Money(Decimal("115"), "PEN"))
    assert [i.id for i in fit.within[:3]] == ["bitel-200", "entel-200", "bitel-100"]
