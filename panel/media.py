"""``/media/<path>``: files on the local disk, for whoever may see what they belong to.

A customer's photo or voice note is theirs: an agent gets it when they may open the conversation, a
quote PDF or a sale receipt when they may open the quote or the sale. A provider fetching a document
we send comes with a signed, expiring link instead (``core/media.py``). Anything else is a 404, so
nobody learns which files exist. With S3 the storage's presigned URLs are used and this view is idle.
"""

from __future__ import annotations

import mimetypes
import posixpath

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from accounts.models import User
from conversations.models import Message
from conversations.selectors import conversation_visible_queryset
from core.http_ranges import ranged_file_response
from core.media import media_signature_valid
from sales.models import Quote, Sale
from sales.selectors import scope_by_agent

# Shown in the browser; everything else downloads (an uploaded .html or .svg never runs on our origin).
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "audio/ogg", "audio/mpeg",
                          "audio/mp4", "audio/aac", "audio/amr", "video/mp4", "video/3gpp", "application/pdf"})


def _clean(path: str) -> str:
    normal = posixpath.normpath(path)
    if normal.startswith(("/", "..")) or "\\" in path or "\x00" in path or normal != path:
        raise Http404
    return normal


def media_visible_to(*, user: User, name: str) -> bool:
    """May ``user`` see the file stored as ``name``? Decided by what the file belongs to."""
    if not user.is_active:
        return False
    top = name.split("/", 1)[0]
    if top == "messages":
        visible = conversation_visible_queryset(user=user)
        return Message.objects.filter(media=name, conversation__in=visible).exists()
    if top == "quotes":
        return scope_by_agent(Quote.objects.filter(pdf=name), user).exists()
    if top == "receipts":
        return scope_by_agent(Sale.objects.filter(receipt=name), user).exists()
    if top == "operators":  # brand logos of the catalog
        return True
    return bool(user.is_admin_role)


@require_GET
def media_file(request: HttpRequest, path: str) -> HttpResponse:
    name = _clean(path)
    signed = media_signature_valid(name, expires=request.GET.get("exp", ""), signature=request.GET.get("sig", ""))
    if not signed:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not media_visible_to(user=request.user, name=name):
            raise Http404
    try:
        size = default_storage.size(name)
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, SuspiciousFileOperation, IsADirectoryError, NotADirectoryError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    # Byte ranges let the panel's audio and video players seek (a voice note, a customer's video).
    response = ranged_file_response(request, handle, size=size, content_type=content_type,
                                    as_attachment=content_type not in INLINE_TYPES, filename=posixpath.basename(name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'"
    patch_cache_control(response, private=True, max_age=3600)
    return response
