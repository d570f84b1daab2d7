"""The upload page's form: a recording of a call made outside the CRM, whose call it was and when."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from calls.models import Call
from calls.services.uploads import MAX_NOTES
from core.errors import InvalidPhoneError
from core.phones import normalize_phone
from quality.services.uploads import ACCEPTED_EXTENSIONS, recording_check

#: A clock a little ahead of the server's is no reason to refuse a call "made now".
FUTURE_TOLERANCE = timedelta(minutes=5)


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        name = obj.get_full_name() or obj.username
        return f"{name} · {obj.team}" if obj.team_id else name


class RecordingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Recording"), allow_empty_file=True,  # the service says "the file is empty" in its own words
        help_text=_("mp3, wav, ogg, m4a or mpeg; checked by its content."),
        widget=forms.ClearableFileInput(attrs={
            "accept": ",".join([f".{ext}" for ext in ACCEPTED_EXTENSIONS] + ["audio/*"])}),
    )
    agent = AgentChoiceField(queryset=User.objects.none(), label=_("Agent on the call"),
                             empty_label=_("Choose the agent"))
    direction = forms.ChoiceField(label=_("Direction"), choices=Call.Direction.choices,
                                  initial=Call.Direction.OUTBOUND)
    started_at = forms.DateTimeField(
        label=_("Date and time of the call"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    contact_phone = forms.CharField(label=_("Customer's phone (optional)"), required=False, max_length=40,
                                    help_text=_("Links the call to the customer who has this phone."))
    notes = forms.CharField(label=_("Notes (optional)"), required=False, max_length=MAX_NOTES,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, agents: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "upload-%s")
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("started_at", timezone.localtime().replace(second=0, microsecond=0))
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_started_at(self) -> Any:
        started_at = self.cleaned_data["started_at"]
        if started_at > timezone.now() + FUTURE_TOLERANCE:
            raise forms.ValidationError(_("The call cannot be in the future."), code="future")
        return started_at

    def clean_file(self) -> Any:
        """What is wrong with the file is said beside the other fields' mistakes (the service checks it again)."""
        file = self.cleaned_data["file"]
        recording_check(file)
        return file

    def clean_contact_phone(self) -> str:
        phone = (self.cleaned_data.get("contact_phone") or "").strip()
        if phone:
            try:
                normalize_phone(phone)
            except InvalidPhoneError as exc:
                raise forms.ValidationError(exc.message, code="invalid_phone") from None
        return phone
