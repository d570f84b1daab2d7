"""Back office: the surveys (read-only, scoped by role, with rating badges and filters) and how customers are
asked (one settings row)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from conversations.models import Channel, MessageTemplate
from core.admin_tools import ScopedAdminMixin, badge
from csat.models import CsatSettings, CsatSurvey
from csat.selectors import csat_survey_visible_queryset

STATE_COLOURS = {
    CsatSurvey.State.ASKED: "info", CsatSurvey.State.ANSWERED: "success",
    CsatSurvey.State.EXPIRED: "secondary", CsatSurvey.State.SKIPPED: "dark",
}
RATING_COLOURS = {1: "danger", 2: "danger", 3: "warning", 4: "success", 5: "success"}


def stars(rating: int | None) -> str:
    """"★★★★☆" for a 4."""
    if not rating:
        return ""
    return "★" * rating + "☆" * (5 - rating)


def rating_badge(rating: int | None) -> str:
    if not rating:
        return "-"
    return badge(f"{stars(rating)} {rating}/5", RATING_COLOURS.get(rating, "secondary"))


class RatingFilter(admin.SimpleListFilter):
    title = _("rating")
    parameter_name = "rating"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("low", _("Low (1-2)")), ("3", "3"), ("high", _("High (4-5)"))] + [
            (str(n), stars(n)) for n in range(1, 6)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CsatSurvey]) -> QuerySet[CsatSurvey]:
        value = self.value()
        if value == "low":
            return queryset.filter(rating__lte=2)
        if value == "high":
            return queryset.filter(rating__gte=4)
        if value and value.isdigit():
            return queryset.filter(rating=int(value))
        return queryset


@admin.register(CsatSurvey)
class CsatSurveyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("resolved_display", "contact", "rating_display", "state_badge", "agent", "team", "channel",
                    "asked_at", "answered_at")
    list_display_links = ("resolved_display",)
    list_filter = ("state", RatingFilter, "team", "agent", "conversation__channel_account__provider", "resolved_at")
    search_fields = ("conversation__contact__name", "conversation__contact__phone", "agent__username",
                     "agent__first_name", "agent__last_name", "comment")
    date_hierarchy = "resolved_at"
    fields = ("conversation_link", "contact", "resolved_at", "agent", "team", "state_badge", "rating_display",
              "asked_at", "question_text", "answered_at", "answer_text", "comment", "skip_reason")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CsatSurvey]:
        return csat_survey_visible_queryset(user=request.user).select_related("question", "answer")  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # surveys are asked when a conversation is resolved

    def has_change_permission(self, request: HttpRequest, obj: CsatSurvey | None = None) -> bool:
        return False  # a customer's rating is theirs

    def has_delete_permission(self, request: HttpRequest, obj: CsatSurvey | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role)

    @admin.display(description=_("resolved at"), ordering="resolved_at")
    def resolved_display(self, obj: CsatSurvey) -> str:
        return date_format(timezone.localtime(obj.resolved_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("customer"), ordering="conversation__contact__name")
    def contact(self, obj: CsatSurvey) -> str:
        return obj.conversation.contact.name

    @admin.display(description=_("channel"), ordering="conversation__channel_account__provider")
    def channel(self, obj: CsatSurvey) -> str:
        return str(Channel(obj.conversation.channel_account.channel).label)

    @admin.display(description=_("rating"), ordering="rating")
    def rating_display(self, obj: CsatSurvey) -> str:
        return rating_badge(obj.rating)

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: CsatSurvey) -> str:
        return badge(obj.get_state_display(), STATE_COLOURS.get(obj.state, "secondary"))

    @admin.display(description=_("conversation"))
    def conversation_link(self, obj: CsatSurvey) -> str:
        return format_html('<a href="{}">{}</a>', reverse("panel:conversation", args=[obj.conversation_id]),
                           gettext("Open the conversation"))

    @admin.display(description=_("question"))
    def question_text(self, obj: CsatSurvey) -> str:
        return obj.question.text if obj.question_id else "-"

    @admin.display(description=_("answer"))
    def answer_text(self, obj: CsatSurvey) -> str:
        if not obj.answer_id:
            return "-"
        return obj.answer.chosen_typed or obj.answer.text


@admin.register(CsatSettings)
class CsatSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_active", "answer_hours", "low_rating_max")
    fields = ("is_active", "question", "thanks", "low_thanks", "answer_hours", "low_rating_max", "templates")
    filter_horizontal = ("templates",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not CsatSettings.objects.exists()  # one row

    def has_delete_permission(self, request: HttpRequest, obj: CsatSettings | None = None) -> bool:
        return False  # without the row the defaults apply; switch surveys off with "ask customers"

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "templates":
            kwargs["queryset"] = MessageTemplate.objects.filter(is_active=True).select_related("channel_account")
        return super().formfield_for_manytomany(db_field, request, **kwargs)
