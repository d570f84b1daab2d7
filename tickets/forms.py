"""The ticket pages' input: a new ticket (from the list or in one click from the panel), the changes a role may
make (state, priority, category, assignee), a comment (internal or to the customer) and an attachment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tickets.models import Priority, Ticket, TicketCategory, TicketComment

MAX_BODY = 4000


def _categories() -> Any:
    return TicketCategory.objects.filter(is_active=True).order_by("name")


class TicketCreateForm(forms.Form):
    """A new ticket. From the panel only ``conversation`` comes: the subject is then made from the conversation."""

    subject = forms.CharField(label=_("Subject"), max_length=200, required=False,
                              widget=forms.TextInput(attrs={"class": "form-control"}))
    description = forms.CharField(label=_("Description"), required=False, max_length=MAX_BODY,
                                  widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}))
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=[("", _("From the category"))] + list(Priority.choices),
                                 widget=forms.Select(attrs={"class": "form-select"}))
    category = forms.ModelChoiceField(label=_("Category"), required=False, queryset=TicketCategory.objects.none(),
                                      empty_label=_("No category"),
                                      widget=forms.Select(attrs={"class": "form-select"}))
    conversation = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("subject", "").strip() and not cleaned.get("conversation"):
            self.add_error("subject", _("Write what the ticket is about."))
        return cleaned


class TicketUpdateForm(forms.Form):
    """What the user may change on a ticket: the choices are the ones their role allows from the ticket's state."""

    state = forms.ChoiceField(label=_("State"), required=False, widget=forms.Select(attrs={"class": "form-select"}))
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=Priority.choices,
                                 widget=forms.Select(attrs={"class": "form-select"}))
    category = forms.ModelChoiceField(label=_("Category"), required=False, queryset=TicketCategory.objects.none(),
                                      empty_label=_("No category"),
                                      widget=forms.Select(attrs={"class": "form-select"}))
    assignee = forms.ModelChoiceField(label=_("Assignee"), required=False, queryset=User.objects.none(),
                                      empty_label=_("Nobody (team queue)"),
                                      widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args: Any, ticket: Ticket, states: Sequence[str], assignees: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"state": ticket.state, "priority": ticket.priority,
                                      "category": ticket.category_id, "assignee": ticket.assignee_id})
        super().__init__(*args, **kwargs)
        labels = dict(Ticket.State.choices)
        values = list(dict.fromkeys([ticket.state, *states]))
        self.fields["state"].choices = [(v, labels.get(v, v)) for v in values]  # type: ignore[attr-defined]
        categories = _categories()
        if ticket.category_id:  # an inactive category the ticket still has stays on the list
            categories = TicketCategory.objects.filter(pk=ticket.category_id) | categories
        self.fields["category"].queryset = categories.distinct().order_by("name")  # type: ignore[attr-defined]
        people = assignees
        if ticket.assignee_id:  # the current assignee stays on the list even when the user may not pick them
            people = User.objects.filter(pk=ticket.assignee_id) | assignees
        self.fields["assignee"].queryset = people.distinct().order_by("first_name", "username")  # type: ignore[attr-defined]
        self.ticket = ticket

    def changes(self) -> dict[str, Any]:
        """The fields whose posted value differs from the ticket's (``assignee`` included)."""
        data = self.cleaned_data
        ticket = self.ticket
        out: dict[str, Any] = {}
        if data.get("state") and data["state"] != ticket.state:
            out["state"] = data["state"]
        if data.get("priority") and data["priority"] != ticket.priority:
            out["priority"] = data["priority"]
        for name, current in (("category", ticket.category_id), ("assignee", ticket.assignee_id)):
            chosen = data.get(name)
            if name in self.data and (chosen.pk if chosen is not None else None) != current:
                out[name] = chosen
        return out


class TicketCommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=MAX_BODY,
                           widget=forms.Textarea(attrs={"class": "form-control", "rows": 3,
                                                        "placeholder": _("Write a comment…")}))
    visibility = forms.ChoiceField(
        label=_("Who sees it"), initial=TicketComment.Visibility.INTERNAL,
        choices=[(TicketComment.Visibility.INTERNAL, _("Internal note (the team only)")),
                 (TicketComment.Visibility.CUSTOMER, _("Reply to the customer (sent in the conversation)"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class TicketAttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"class": "form-control"}))


def state_choices(values: Iterable[str]) -> list[tuple[str, str]]:
    labels = dict(Ticket.State.choices)
    return [(v, str(labels.get(v, v))) for v in values]
