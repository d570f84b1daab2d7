"""The internal chat in the browser over the one live socket: a supervisor's announcement arrives live at two
agents (each in their own browser) with the unread counts of the room list and the top bar; one reads it and the
supervisor's receipts say 1 read, 1 not read without a reload. Then Enter sends and Shift+Enter breaks a line.
Screenshots in /tmp/shots/chat_*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from accounts.models import Role
from chat.models import BroadcastReceipt
from conftest import make_user
from tests.browser.live import log_in, off_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108 - where the brief asks for the screenshots


def _open(browser, base: str, username: str, path: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="es-PE", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, username)
    page.goto(f"{base}{path}")
    page.wait_for_selector("#crm-topbar[data-live='on']")
    return context, page


def test_broadcast_arrives_live_at_two_agents_and_receipts_follow_reading(asgi_live_server, browser, hosts, agents,
                                                                          settings):
    from playwright.sync_api import expect

    settings.TWO_FACTOR_REQUIRED_ROLES = []  # the supervisor signs in with a password only (2FA has its own tests)

    SHOTS.mkdir(exist_ok=True)
    lucia, marco = agents
    team = lucia.team
    boss = make_user("jefa", Role.SUPERVISOR, team)
    team.supervisor = boss
    team.save()
    base = asgi_live_server
    contexts = []
    try:
        context, lucia_page = _open(browser, base, "lucia", "/chat/")
        contexts.append(context)
        context, marco_page = _open(browser, base, "marco", "/chat/")
        contexts.append(context)
        context, boss_page = _open(browser, base, "jefa", "/chat/broadcast/")
        contexts.append(context)
        for page in (lucia_page, marco_page):
            expect(page.locator("#chat-rooms .chat-room[data-room-kind='team']")).to_have_count(1)
            expect(page.locator("#nav-chat-unread")).to_be_hidden()

        boss_page.select_option("#broadcast-team", str(team.pk))
        boss_page.fill("#broadcast-body", "Reunión de equipo a las 10:00. Revisen el #T12, por favor.")
        boss_page.click("#broadcast-send")
        boss_page.wait_for_selector("#crm-topbar[data-live='on']")
        receipts = boss_page.locator("#broadcast-receipts .chat-receipts").first
        expect(receipts.locator(".receipts-unread-count")).to_have_text("2")
        expect(receipts.locator(".receipts-read-count")).to_have_text("0")

        for page in (lucia_page, marco_page):  # live, without a reload
            entry = page.locator("#chat-rooms .chat-room[data-room-kind='broadcast']")
            expect(entry.locator(".chat-room-unread")).to_have_text("1")
            expect(entry.locator(".chat-room-unread")).to_be_visible()
            expect(page.locator("#nav-chat-unread")).to_have_text("1")
            expect(page.locator("#nav-chat-unread")).to_be_visible()
        marco_page.screenshot(path=str(SHOTS / "chat_agent_live_badge.png"))

        # lucia opens the announcement: it is read, her counts drop, the supervisor sees it live
        lucia_page.locator("#chat-rooms .chat-room[data-room-kind='broadcast']").click()
        message = lucia_page.locator("#chat-messages .chat-message.chat-broadcast")
        expect(message).to_have_count(1)
        expect(message.locator("a.chat-ref-ticket")).to_have_attribute("href", "/tickets/12/")
        lucia_page.wait_for_selector("#crm-topbar[data-live='on']")
        expect(lucia_page.locator("#nav-chat-unread")).to_be_hidden()
        lucia_page.screenshot(path=str(SHOTS / "chat_agent_reads_broadcast.png"))

        expect(receipts.locator(".receipts-read-count")).to_have_text("1")
        expect(receipts.locator(".receipts-unread-count")).to_have_text("1")
        receipts.locator("summary").click()
        expect(receipts.locator(f".receipts-read li[data-user-id='{lucia.pk}']")).to_have_count(1)
        expect(receipts.locator(f".receipts-unread li[data-user-id='{marco.pk}']")).to_have_count(1)
        assert BroadcastReceipt.objects.filter(read_at__isnull=False).count() == 1
        boss_page.screenshot(path=str(SHOTS / "chat_supervisor_receipts.png"))
        # marco has not read: still 1 on his top bar
        expect(marco_page.locator("#nav-chat-unread")).to_have_text("1")

        # the team room: Shift+Enter is a new line, Enter sends; marco's team room badge goes up live
        lucia_page.locator("#chat-rooms .chat-room[data-room-kind='team']").click()
        lucia_page.wait_for_selector("#crm-topbar[data-live='on']")
        lucia_page.locator("#chat-input").click()
        lucia_page.keyboard.type("Hola equipo")
        lucia_page.keyboard.press("Shift+Enter")
        lucia_page.keyboard.type("@marco ¿ves el #C45?")
        lucia_page.keyboard.press("Enter")
        sent = lucia_page.locator("#chat-messages .chat-message.chat-own")
        expect(sent).to_have_count(1)
        assert sent.locator(".chat-body br").count() == 1
        expect(lucia_page.locator("#chat-input")).to_have_value("")
        team_entry = marco_page.locator("#chat-rooms .chat-room[data-room-kind='team'] .chat-room-unread")
        expect(team_entry).to_have_text("1")
        expect(marco_page.locator("#nav-chat-unread")).to_have_text("2")
        lucia_page.screenshot(path=str(SHOTS / "chat_team_room.png"))
    finally:
        for context in contexts:
            context.close()


def test_older_messages_load_above_and_search_finds_them_when_a_dm_is_long(asgi_live_server, page, hosts, agents):
    from playwright.sync_api import expect

    from chat.services import chat_message_send, room_direct_get_or_create

    SHOTS.mkdir(exist_ok=True)
    lucia, marco = agents
    def sixty_messages():  # type: ignore[no-untyped-def]
        room = room_direct_get_or_create(actor=lucia, other=marco)
        for i in range(60):
            chat_message_send(actor=marco if i % 2 else lucia, room=room, body=f"Mensaje {i:02d} <b>sin</b> negrita")
        return room

    room = off_loop(sixty_messages)  # a worker thread: publishing cannot run on Playwright's loop
    base = asgi_live_server
    log_in(page, base, "lucia")
    page.goto(f"{base}/chat/{room.pk}/")
    messages = page.locator("#chat-messages .chat-message")
    expect(messages).to_have_count(50)
    expect(messages.first).to_contain_text("Mensaje 10")
    assert "<b>sin</b>" in messages.first.inner_text()  # shown as typed, not as markup
    page.click("#chat-older")
    expect(messages).to_have_count(60)
    expect(messages.first).to_contain_text("Mensaje 00")
    expect(page.locator("#chat-older")).to_be_hidden()
    expect(page.locator("#nav-chat-unread")).to_be_hidden()  # opening the room read marco's last message
    expect(page.locator(f"#chat-rooms .chat-room[data-room-id='{room.pk}'] .chat-room-unread")).to_be_hidden()
    page.screenshot(path=str(SHOTS / "chat_history.png"))

    page.fill("#chat-search-q", "Mensaje 07")
    page.press("#chat-search-q", "Enter")
    results = page.locator("#chat-search-results .chat-search-result")
    expect(results).to_have_count(1)
    results.first.click()
    page.wait_for_url(f"{base}/chat/{room.pk}/#m*")
    linked = page.locator("#chat-messages .chat-message", has_text="Mensaje 07")
    expect(linked).to_be_in_viewport()  # its page of history was loaded to show it
    page.screenshot(path=str(SHOTS / "chat_search.png"))
