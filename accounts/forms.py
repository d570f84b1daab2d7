from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.ip_allowlist import ip_access_allowed


class LoginForm(AuthenticationForm):
    """The login form with Bootstrap classes and Spanish labels."""

    username = forms.CharField(
        label=_("Username"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page's <form> carries ``next``
        self.helper.layout = Layout(Field("username", wrapper_class="mb-3"), Field("password", wrapper_class="mb-4"))

    def confirm_login_allowed(self, user) -> None:  # type: ignore[no-untyped-def]
        """Nobody signs in from an address the IP allowlist does not give their role."""
        super().confirm_login_allowed(user)
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if not ip_access_allowed(user=user, address=address, path="/accounts/login/"):
            raise ValidationError(
                _("Access from this address (%(address)s) is not allowed for your role. Ask an administrator."),
                code="ip_not_allowed", params={"address": address},
            )
