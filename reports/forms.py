from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from reports.exports import ExportDefinition, ExportParams, export_registry


def column_field(kind: str) -> str:
    return f"columns_{kind}"


def filter_field(kind: str, key: str) -> str:
    return f"filter_{kind}_{key}"


class ExportForm(forms.Form):
    """Kind, dates, the kind's filters and its column checkboxes (the page shows those of the chosen kind)."""

    kind = forms.ChoiceField(label=_("Export"))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (included)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definitions: dict[str, ExportDefinition] = export_registry()
        self.fields["kind"].choices = [(kind, d.label) for kind, d in self.definitions.items()]
        for kind, definition in self.definitions.items():
            for spec in definition.filters:
                self.fields[filter_field(kind, spec.key)] = forms.ChoiceField(
                    label=spec.label, required=False, choices=[("", "—"), *spec.choices(user)]
                )
            self.fields[column_field(kind)] = forms.MultipleChoiceField(
                label=_("Columns"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(c.key, c.label) for c in definition.columns], initial=definition.default_columns(),
            )

    def sections(self) -> list[dict[str, Any]]:
        """Per kind: its filter fields and its columns field, for the template."""
        return [
            {
                "kind": kind,
                "filters": [self[filter_field(kind, spec.key)] for spec in d.filters],
                "columns": self[column_field(kind)],
            }
            for kind, d in self.definitions.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def params(self) -> ExportParams:
        kind = self.cleaned_data["kind"]
        definition = self.definitions[kind]
        return ExportParams(
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
            filters={s.key: self.cleaned_data.get(filter_field(kind, s.key)) or "" for s in definition.filters},
            columns=tuple(self.cleaned_data.get(column_field(kind)) or ()),
        )
