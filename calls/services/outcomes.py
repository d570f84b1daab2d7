"""What the agent writes down about a call: the outcome they chose and their notes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import Reach, role_reach
from calls.models import Call
from calls.services.live import call_publish
from core.errors import ApplicationError, PermissionDeniedError


def call_can_edit_outcome(*, actor: User, call: Call) -> bool:
    """The call's agent, or anyone above the agents' rung (who already sees the call)."""
    reach = role_reach(actor)
    if reach is Reach.NOTHING:
        return False
    return reach > Reach.OWN or (call.agent_id is not None and call.agent_id == actor.pk)


@transaction.atomic
def call_set_outcome(*, actor: User, call: Call, outcome: str | None = None, notes: str | None = None) -> Call:
    """Set the outcome chosen by a person and/or the notes of ``call`` (``None`` leaves a field as it is)."""
    if not call_can_edit_outcome(actor=actor, call=call):
        raise PermissionDeniedError(_("Only the call's agent or a supervisor can change its outcome or notes."))
    if outcome is not None and outcome and outcome not in Call.Outcome.values:
        raise ApplicationError(_("Unknown call outcome."), code="invalid_outcome")
    locked = Call.objects.select_for_update().get(pk=call.pk)
    changed: list[str] = []
    if outcome is not None and outcome != locked.outcome:
        locked.outcome = outcome
        changed.append("outcome")
    if notes is not None and notes != locked.notes:
        locked.notes = notes
        changed.append("notes")
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        call_publish(locked)
    call.outcome, call.notes = locked.outcome, locked.notes
    return call
