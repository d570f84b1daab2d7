"""Real-time payloads of the collections domain, sent to the agent who owns the agreement."""

from __future__ import annotations

from typing import Any

from agreements.models import Installment, PaymentAgreement
from core.realtime import publish_on_commit, user_group


def agreement_event(agreement: PaymentAgreement) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "debt": agreement.debt_id,
        "contact": agreement.debt.contact_id,
        "state": agreement.state,
        "agreed_total": agreement.agreed_total,
        "paid_total": agreement.paid_total,
        "currency": agreement.debt.currency,
    }


def _owner_groups(agreement: PaymentAgreement) -> list[str]:
    owners = [agreement.agent_id, agreement.debt.assignee_id]
    return [user_group(user_id) for user_id in owners if user_id]


def publish_agreement_event(agreement: PaymentAgreement, event_type: str = "agreement.updated") -> None:
    groups = _owner_groups(agreement)
    if groups:
        publish_on_commit(groups, event_type, agreement_event(agreement))


def publish_reminder_event(installment: Installment, *, kind: str, text: str) -> None:
    """Tell the agent a customer needs a reminder we could not send ourselves."""
    agreement = installment.agreement
    groups = _owner_groups(agreement)
    if not groups:
        return
    publish_on_commit(groups, "agreement.reminder", {
        **agreement_event(agreement),
        "installment": {
            "id": installment.pk,
            "number": installment.number,
            "due_date": installment.due_date,
            "amount": installment.amount,
            "outstanding": installment.outstanding,
            "state": installment.state,
        },
        "kind": kind,
        "text": text,
    })
