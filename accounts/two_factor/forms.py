from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A code from the authenticator app (six digits) or, at login, a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={
            "class": "form-control form-control-lg text-center", "autocomplete": "one-time-code",
            "autofocus": True, "spellcheck": "false", "autocapitalize": "off",
        }),
    )
