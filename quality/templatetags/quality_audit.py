"""Template helpers of the audit pages, and the "Audit" button other pages include (the call line and the
conversation page of the panel) for the people who may audit the call's or the conversation's agent."""

from __future__ import annotations

from typing import Any

from django import template

from quality.selectors import user_may_audit_agent

register = template.Library()


@register.filter
def clock(seconds: Any) -> str:
    """Seconds into a recording as ``m:ss`` (``h:mm:ss`` past an hour); "" when unknown."""
    try:
        total = int(float(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(total, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.inclusion_tag("quality/_audit_button.html", takes_context=True)
def audit_button(context: template.Context, call: Any = None, conversation: Any = None) -> dict[str, Any]:
    """The "Audit" button for a call or a conversation, shown only to who may audit its agent."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    agent = getattr(call, "agent", None) if call is not None else getattr(conversation, "assignee", None)
    allowed = user is not None and user_may_audit_agent(user, agent)
    return {"call": call, "conversation": conversation, "allowed": allowed}
