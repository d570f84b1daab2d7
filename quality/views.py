"""Placeholder until the audit pages land (helper h2 replaces this file)."""
from django.http import Http404


def _pending(request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    raise Http404


audit_list = audit_call = audit_conversation = audit_detail = audit_submit = _pending
audit_acknowledge = audit_dispute = audit_resolve = _pending
