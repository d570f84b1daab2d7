"""The AI step of the inbound path (DESIGN step 3), and the agent's suggestion that shares it.

For each new customer message: read it (intent, sentiment, entities), update the contact and the
lead (score, class, next action, and the reasons), decide (answer, ask for what is missing, or hand
over) and, depending on the channel account's mode, send the reply (auto), keep it as a suggestion
for an agent (draft) or stay silent (off). A conversation already in a person's hands only gets
suggestions. The decision and the reply are ``ai.replies.compose_reply``'s, a pure function; the
agent's "AI suggestion" goes through it with the same inputs.

A customer often writes in bursts ("hola", "quiero un plan", "de 50 soles"). When the step reaches a
message that a newer customer message has already followed, it leaves it ("superseded"): the newer
message's step reads the whole burst as one turn and answers once. With the AI keeping up nothing
changes; when it falls behind (a spike of traffic, a slow provider) it answers each customer once per
burst instead of replaying every line, and catches up that much sooner.

Modules, in the order the step runs them:

- ``catalog``: operators' products as ``ai.types.CatalogItem`` (kept in the process), the turn's hits;
- ``bursts``: the turns before a message, its burst, and whether a newer line supersedes it;
- ``turn``: read a turn (analysis, hits), compose the reply (``ai.replies.compose_reply``), word it;
- ``lead_update``: in one transaction, the message's analysis, the lead (leads' services), the
  conversation's streak and hand-over;
- ``delivery``: send the reply, keep it as a draft, or not;
- ``step``: ``message_assist``, the AI step for one message;
- ``suggest``: ``conversation_suggest_reply`` and ``conversation_summary`` for the agent.
"""

from conversations.services.assistant.catalog import active_catalog
from conversations.services.assistant.step import AssistantOutcome, message_assist
from conversations.services.assistant.suggest import conversation_suggest_reply, conversation_summary

__all__ = [
    "AssistantOutcome",
    "active_catalog",
    "conversation_suggest_reply",
    "conversation_summary",
    "message_assist",
]
