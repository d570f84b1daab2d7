"""What an audit's transcript says about each criterion of a scorecard: plain data in (``CriterionSpec`` and the
numbered ``Line`` s the audit page shows), a ``Proposal`` per criterion out — an answer, the line it rests on
(its text, number and second) and how sure.

Locally, a criterion's evidence words and failure words are looked for in the lines of the side that must say
them (``ai.quality.local``, where the rules are tabled). With the ``openai`` provider one chat completion
answers every criterion as checked JSON; an answer the criterion does not take falls back to the local rule, a
quote that is none of the lines is dropped (``ai.quality.llm``); any failure of the provider falls back to the
local rules for all and says why (``ai.quality.prescore``). No Django models here: the caller turns its rows
into specs and lines.
"""
