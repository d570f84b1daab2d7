"""Forms of the chat panel: parse and validate input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidPhoneError
from core.phones import normalize_phone
from leads.models import Contact


class ContactForm(forms.ModelForm):
    """The contact data an agent may correct from the 360° sidebar."""

    class Meta:
        model = Contact
        fields = ["name", "phone", "email", "city", "zone", "address", "document_number"]
        widgets = {name: forms.TextInput(attrs={"class": "form-control form-control-sm"})
                   for name in ["name", "phone", "city", "zone", "address", "document_number"]}
        widgets["email"] = forms.EmailInput(attrs={"class": "form-control form-control-sm"})
        error_messages = {"email": {"invalid": _("Enter a valid email address.")}}

    def clean_phone(self) -> str:
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except InvalidPhoneError as exc:
            raise forms.ValidationError(exc.message, code="invalid_phone") from exc

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors or {}:
            if name in self.fields and "is-invalid" not in self.fields[name].widget.attrs.get("class", ""):
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"

    def validate_unique(self) -> None:
        """The service runs ``full_clean`` (with readable uniqueness messages) when it saves."""
