"""Placeholder until the upload page land (helper h4 replaces this file)."""
from django.http import Http404


def _pending(request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    raise Http404
upload_new = _pending
