"""What the quality app does when a lower app announces something (subscribed in ``QualityConfig.ready``)."""

from __future__ import annotations

from core.events import Event
from quality.models import Audit
from quality.services.prescoring import audit_prescore


def audits_prescore_on_transcript(event: Event) -> int:
    """``call.transcribed``: the call's draft audits, started before its transcript was there (an uploaded
    recording is audited at once), get the AI's proposals now. The analyst's answers are kept. How many."""
    drafts = Audit.objects.filter(call_id=event["call_id"], status=Audit.Status.DRAFT).select_related("call")
    count = 0
    for audit in drafts:
        audit_prescore(audit)
        count += 1
    return count
