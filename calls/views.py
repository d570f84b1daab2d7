"""A call's recording, played back in the panel and admin: only to people who may see the call, never public.

The file is streamed from the default storage (local disk or S3) through this view, so no storage URL ever
reaches a browser. A recording of a call the user may not see is refused with 403 (the Must-show of issue 14);
one that does not exist or is not stored (yet) is 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from calls.models import CallRecording
from calls.selectors import recordings_visible
from core.http_ranges import ranged_file_response


@login_required
@require_GET
def recording_audio(request: HttpRequest, pk: int) -> HttpResponse:
    recording = CallRecording.objects.filter(pk=pk, state=CallRecording.State.STORED).exclude(file="").first()
    if recording is None:
        raise Http404
    if not recordings_visible(request.user).filter(pk=recording.pk).exists():  # type: ignore[arg-type]
        raise PermissionDenied
    try:
        size = recording.file.size
        handle = recording.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    extension = recording.file.name.rsplit(".", 1)[-1] if "." in recording.file.name else "bin"
    # Byte ranges: the audit page's timestamps seek the player, which needs 206 answers.
    response = ranged_file_response(request, handle, size=size,
                                    content_type=recording.content_type or "application/octet-stream",
                                    as_attachment=False, filename=f"{recording.recording_sid}.{extension}")
    response["Content-Disposition"] = f'inline; filename="{recording.recording_sid}.{extension}"'
    patch_cache_control(response, private=True, no_store=True, max_age=0)
    return response
