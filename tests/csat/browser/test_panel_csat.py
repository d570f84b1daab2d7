"""The customer card's "Satisfaction" block in a real browser: the ratings show as coloured stars."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.live import log_in
from tests.csat.factories import make_survey
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path("/tmp/shots")  # noqa: S108 - where the screenshots are looked at (helper rules)


def test_the_agent_sees_the_customers_ratings_on_the_card(page, hosts, asgi_live_server, agent):
    rosa = ContactFactory(name="Rosa Quispe")
    make_survey(rating=2, agent=agent, contact=rosa)
    survey = make_survey(rating=5, agent=agent, contact=rosa)
    log_in(page, asgi_live_server, agent.username)
    page.goto(f"{asgi_live_server}/panel/c/{survey.conversation_id}/")
    block = page.locator("#panel-csat")
    block.scroll_into_view_if_needed()
    assert block.locator(".csat-rating").count() == 2
    assert "★★★★★ 5/5" in block.locator(".csat-rating").first.inner_text()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "csat_panel_card.png"), full_page=True)
    block.screenshot(path=str(SHOTS / "csat_panel_block.png"))
