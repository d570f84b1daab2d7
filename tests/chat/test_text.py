"""A chat message as HTML: escaped first; mentions, #T tickets and #C conversations marked up."""

from __future__ import annotations

from chat.text import chat_html, mentioned_usernames


def test_html_is_escaped_when_the_body_holds_markup():
    html = chat_html('<script>alert("x")</script> & <b>hola</b>')
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html


def test_references_become_links_when_written_with_a_hash():
    html = chat_html("Mira #T123 y #C45, no #X9 ni a#T1")
    assert 'href="/panel/c/45/"' in html and ">#C45</a>" in html
    assert "/tickets/123/" in html and ">#T123</a>" in html
    assert html.count("<a ") == 2


def test_quotes_are_not_read_as_references_when_escaped():
    assert "<a " not in chat_html("it's #x27 and ' #T")


def test_mentions_are_found_and_marked_when_written_with_at():
    assert mentioned_usernames("hola @marco y @ana.p. y correo a@b.com, @marco otra vez") == ["marco", "ana.p"]
    assert '<span class="chat-mention">@marco</span>' in chat_html("hola @marco")


def test_line_breaks_are_kept_when_the_body_has_several_lines():
    assert chat_html("uno\ndos") == "uno<br>dos"
