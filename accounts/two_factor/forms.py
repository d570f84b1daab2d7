from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A code from the authenticator app (six digits) or, at login, a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={
            "class": "form-control-lg text-center", "autocomplete": "one-time-code",
            "autofocus": True, "spellcheck": "false", "autocapitalize": "off",
        }),
    )

    def __init__(self, *args, help_text: str = "", hide_label: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = help_text
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page's <form> carries its id and ``next``
        if hide_label:  # still there for screen readers (and tests that find the box by its label)
            self.helper.label_class = "visually-hidden"
        self.helper.layout = Layout(Field("code", wrapper_class="mb-3"))
