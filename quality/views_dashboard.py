"""Placeholder until the dashboard land (helper h6 replaces this file)."""
from django.http import Http404


def _pending(request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    raise Http404
dashboard = _pending
