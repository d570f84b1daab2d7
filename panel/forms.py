"""Forms of the chat panel: parse and validate input; services do the writing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidPhoneError
from core.params import parse_datetime
from core.phones import normalize_phone
from leads.models import Contact


class ContactForm(forms.ModelForm):
    """The contact data an agent may correct from the 360° sidebar."""

    class Meta:
        model = Contact
        fields = ["name", "phone", "email", "city", "zone", "address", "document_number"]
        error_messages = {"email": {"invalid": _("Enter a valid email address.")}}

    def clean_phone(self) -> str:
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except InvalidPhoneError as exc:
            raise forms.ValidationError(exc.message, code="invalid_phone") from exc

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the sidebar is narrow: an example in the box, not a paragraph under it
            if field.help_text:
                field.widget.attrs.setdefault("title", field.help_text)
                field.help_text = ""
        self.fields["phone"].widget.attrs.setdefault("placeholder", "+51987654321")
        self.helper = FormHelper()
        self.helper.form_tag = False  # the sidebar's <form> posts through htmx
        self.helper.label_class = "small mb-0 text-truncate d-block"
        half = [Column(Field(name, css_class="form-control-sm"), css_class="col-6 mb-1")
                for name in ["name", "phone", "email", "city", "zone", "document_number"]]
        self.helper.layout = Layout(
            Row(*half, Column(Field("address", css_class="form-control-sm"), css_class="col-12 mb-1"),
                css_class="g-2"),
        )

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors or {}:
            if name in self.fields:  # crispy marks the input is-invalid; screen readers hear it too
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def validate_unique(self) -> None:
        """The service runs ``full_clean`` (with readable uniqueness messages) when it saves."""


class FollowUpForm(forms.Form):
    """Schedule a message for later: free text, and a template for when the 24-hour window has closed."""

    due_at = forms.CharField(label=_("When"), required=False,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local", "required": True}))
    text = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    template = forms.ChoiceField(label=_("Template if the window has closed (optional)"), required=False)
    variables = forms.CharField(label=_("Template values, separated by |"), required=False)

    def __init__(self, *args: Any, templates: Sequence[Any] = (), now_local: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "followup-%s")
        super().__init__(*args, **kwargs)
        self.fields["due_at"].widget.attrs["min"] = now_local
        self.fields["template"].choices = [("", "—")] + [
            (str(t.pk), f"{t.name} ({t.language}) · {Truncator(t.body).chars(60)}") for t in templates]
        self.fields["variables"].widget.attrs["placeholder"] = self.fields["variables"].label
        fields = [Field("due_at", css_class="form-control-sm"), Field("text", css_class="form-control-sm")]
        if templates:
            fields += [Field("template", css_class="form-select-sm"), Field("variables", css_class="form-control-sm")]
        self.helper = FormHelper()
        self.helper.form_tag = False  # the card's <form> posts through htmx
        self.helper.label_class = "small mb-0"
        self.helper.layout = Layout(*fields)

    def clean_due_at(self) -> datetime:
        due_at = parse_datetime(self.cleaned_data.get("due_at") or "")
        if due_at is None:
            raise forms.ValidationError(_("Say when to send it."), code="invalid_due_at")
        return due_at

    def clean_variables(self) -> list[str]:
        raw = self.cleaned_data.get("variables") or ""
        return [v.strip() for v in raw.split("|")] if raw.strip() else []
