"""What a phone call says: plain data in (the transcript's turns, the script's steps, the watch list), a typed
``CallAnalysis`` out.

Locally, each of the customer's turns is read by the same analyzer as a chat message (intent, sentiment,
entities) and the readings are put together: the call's sentiment weighs the end of the call more (how the
customer left matters more than how they picked up), the intents are counted, the entities merged (a later
turn corrects an earlier one). Keywords, script steps and the outcome's cues are matched on accent- and
case-folded words. With the ``openai`` provider, one JSON reading of the whole call replaces the local
sentiment, intents, outcome and next action (keywords stay exact matches; steps covered are the union of
both); any failure of it falls back to the local reading and says so.

No Django models here: the caller turns its rows into ``ScriptStep`` and ``WatchWord``.
"""

from ai.calls.llm import analyze_call, analyze_call_llm, parse_call_json, transcript_lines
from ai.calls.local import (
    ACCEPT_CUES,
    CALLBACK_CUES,
    CALLBACK_WHEN,
    DEFAULT_TEMPLATES,
    NOT_INTERESTED_CUES,
    analyze_call_local,
    call_sentiment,
    callback_when,
    decide_outcome,
    main_intent_of,
    merge_entities,
    next_action_text,
    split_turns,
)
from ai.calls.matching import adherence_of, content_words, count_phrase, find_keywords, phrase_pattern, score_steps
from ai.calls.types import (
    AGENT,
    CUSTOMER,
    CallAnalysis,
    CallTurn,
    KeywordHit,
    Outcome,
    ScriptStep,
    StepResult,
    WatchWord,
)

__all__ = [
    "ACCEPT_CUES", "AGENT", "CALLBACK_CUES", "CALLBACK_WHEN", "CUSTOMER", "DEFAULT_TEMPLATES", "NOT_INTERESTED_CUES",
    "CallAnalysis", "CallTurn", "KeywordHit", "Outcome", "ScriptStep", "StepResult", "WatchWord", "adherence_of",
    "analyze_call", "analyze_call_llm", "analyze_call_local", "call_sentiment", "callback_when", "content_words",
    "count_phrase", "decide_outcome", "find_keywords", "main_intent_of", "merge_entities", "next_action_text",
    "parse_call_json", "phrase_pattern", "score_steps", "split_turns", "transcript_lines",
]
