"""The collector's forms: log an action, make an agreement, record a payment. They parse and type the input; the
services decide (a service's error on one field is shown on that field, see ``apply_error``)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Field, Layout, Row
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import CollectionAction, ContactStatus, Payment
from core.errors import ApplicationError

DATE_INPUT = {"type": "date"}
INTERVAL_CHOICES = [(7, _("Weekly")), (15, _("Every 15 days")), (30, _("Monthly"))]


def _helper(*rows: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the template's <form> has the id and action
    helper.label_class = "small mb-0"
    helper.layout = Layout(*rows)
    return helper


def _sm(name: str, *, select: bool = False, **attrs: Any) -> Field:
    return Field(name, css_class="form-select-sm" if select else "form-control-sm", **attrs)


def apply_error(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's refusal on the field it names (``extra["field"]``, else the form's ``ERROR_FIELDS`` by
    error code), or on the whole form."""
    field = exc.extra.get("field") or getattr(form, "ERROR_FIELDS", {}).get(exc.code)
    form.add_error(field if field in form.fields else None, exc.message)


class ActionForm(forms.Form):
    """A call, message or visit: what came of it, a promise to pay, and what comes next."""

    ERROR_FIELDS = {"invalid_kind": "kind", "invalid_result": "result", "notes_too_long": "notes",
                    "next_step_too_long": "next_step"}

    kind = forms.ChoiceField(label=_("Action"), choices=CollectionAction.Kind.choices,
                             initial=CollectionAction.Kind.CALL)
    result = forms.ChoiceField(label=_("Result"), choices=[("", "—")] + [
        (value, label) for value, label in ContactStatus.choices if value != ContactStatus.NOT_CONTACTED])
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 2}))
    promised_amount = forms.DecimalField(label=_("Promised amount"), required=False, max_digits=12,
                                         decimal_places=2, min_value=Decimal("0.01"))
    promised_date = forms.DateField(label=_("Promised payment date"), required=False,
                                    widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=200)
    next_step_at = forms.DateTimeField(
        label=_("Next step at"), required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "action")
        super().__init__(*args, **kwargs)
        self.fields["next_step"].widget.attrs["placeholder"] = _("e.g. call again to confirm the payment")
        is_promise = (self.data.get(self.add_prefix("result")) if self.is_bound else None) == \
            ContactStatus.PROMISE_TO_PAY
        self.helper = _helper(
            Row(Column(_sm("kind", select=True), css_class="col-sm-5"),
                Column(_sm("result", select=True), css_class="col-sm-7"), css_class="g-2"),
            Div(Row(Column(_sm("promised_amount"), css_class="col-sm-6"),
                    Column(_sm("promised_date"), css_class="col-sm-6"), css_class="g-2"),
                css_id="promise-fields", css_class="promise-fields" + ("" if is_promise else " d-none")),
            _sm("notes"),
            Row(Column(_sm("next_step"), css_class="col-sm-7"),
                Column(_sm("next_step_at"), css_class="col-sm-5"), css_class="g-2"),
        )


class AgreementForm(forms.Form):
    """A discount on what is owed, paid in instalments (``agreement_create`` splits them)."""

    ERROR_FIELDS = {"discount_too_high": "discount_percent", "invalid_discount": "discount_percent",
                    "invalid_installments": "installments", "invalid_date": "first_due_date"}

    discount_percent = forms.DecimalField(label=_("Discount %"), max_digits=5, decimal_places=2,
                                          min_value=Decimal("0"), max_value=Decimal("100"), initial=Decimal("0"))
    installments = forms.IntegerField(label=_("Instalments"), min_value=1, initial=1)
    first_due_date = forms.DateField(label=_("First due date"),
                                     widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))
    interval_days = forms.TypedChoiceField(label=_("Frequency"), choices=INTERVAL_CHOICES, coerce=int, initial=30)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "agreement")
        super().__init__(*args, **kwargs)
        self.fields["installments"].widget.attrs["max"] = settings.AGREEMENTS_MAX_INSTALLMENTS
        self.fields["discount_percent"].widget.attrs["max"] = settings.AGREEMENTS_MAX_DISCOUNT_PERCENT
        self.fields["discount_percent"].help_text = _("Up to %(max)s%%.") % {
            "max": settings.AGREEMENTS_MAX_DISCOUNT_PERCENT}
        self.helper = _helper(
            Row(Column(_sm("discount_percent"), css_class="col-sm-4"),
                Column(_sm("installments"), css_class="col-sm-4"),
                Column(_sm("interval_days", select=True), css_class="col-sm-4"), css_class="g-2"),
            _sm("first_due_date"),
            _sm("notes"),
        )


class PaymentForm(forms.Form):
    """Money received on the debt's agreement (``payment_record`` pays the oldest instalments first)."""

    ERROR_FIELDS = {"invalid_amount": "amount", "overpayment": "amount", "duplicate_payment": "reference",
                    "invalid_date": "paid_on", "invalid_method": "method"}

    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices, initial=Payment.Method.TRANSFER)
    reference = forms.CharField(label=_("Operation number"), required=False, max_length=64)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "payment")
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
        self.helper = _helper(
            Row(Column(_sm("amount"), css_class="col-sm-6"),
                Column(_sm("method", select=True), css_class="col-sm-6"), css_class="g-2"),
            Row(Column(_sm("reference"), css_class="col-sm-6"),
                Column(_sm("paid_on"), css_class="col-sm-6"), css_class="g-2"),
        )

    def paid_at(self) -> datetime:
        """Today's payment now; an earlier day's at noon (the service refuses a day to come)."""
        paid_on: date = self.cleaned_data["paid_on"]
        if paid_on == timezone.localdate():
            return timezone.now()
        return timezone.make_aware(datetime.combine(paid_on, time(12, 0)))
