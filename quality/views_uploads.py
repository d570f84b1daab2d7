"""The upload page: a quality analyst uploads the recording of a call made outside the CRM, then audits it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError, InvalidPhoneError
from quality.forms_uploads import RecordingUploadForm
from quality.services.uploads import megabytes, recording_upload, upload_agents, user_may_upload


@login_required
def upload_new(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user_may_upload(user):
        raise PermissionDenied
    agents = upload_agents(user)
    if request.method == "POST":
        form = RecordingUploadForm(request.POST, request.FILES, agents=agents)
        if form.is_valid():
            data = form.cleaned_data
            try:
                call = recording_upload(
                    analyst=user, agent=data["agent"], file=data["file"], direction=data["direction"],
                    started_at=data["started_at"], contact_phone=data["contact_phone"], notes=data["notes"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            except InvalidPhoneError as exc:
                form.add_error("contact_phone", exc.message)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Recording uploaded. Its transcript is on its way: you can start the "
                                            "audit now, and the transcript appears when it is ready."))
                return redirect("quality:audit_call", call_id=call.pk)
    else:
        form = RecordingUploadForm(agents=agents)
    context = {"form": form, "has_agents": agents.exists(),
               "max_upload_mb": megabytes(settings.QUALITY_MAX_UPLOAD_BYTES)}
    return render(request, "quality/upload.html", context, status=400 if form.errors else 200)
