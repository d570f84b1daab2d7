from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conversations.models import (
    ChannelAccount,
    Conversation,
    Message,
    MessageTemplate,
    Note,
    QuickReply,
    Tag,
    WebhookEvent,
)
from conversations.selectors import conversation_visible_queryset
from conversations.services.accounts import channel_account_secrets_changed
from conversations.services.replay import REPLAYABLE, webhook_events_replay
from core.admin_tools import badge
from core.paginators import EstimatedCountPaginator

STATE_COLOURS = {"received": "info", "processed": "success", "failed": "danger", "ignored": "secondary",
                 "waiting": "warning"}
MESSAGE_STATUS_COLOURS = {"queued": "secondary", "sent": "info", "delivered": "primary", "read": "success",
                          "failed": "danger", "received": "dark"}
CONVERSATION_COLOURS = {"open": "success", "pending": "warning", "snoozed": "info", "resolved": "secondary"}


SECRET_FIELDS = ("access_token", "app_secret", "verify_token")


class ChannelAccountForm(forms.ModelForm):
    """Secrets are write-only: shown empty, kept when left empty."""

    class Meta:
        model = ChannelAccount
        fields = ("provider", "name", "account_ref", "phone_number", "account_sid", "access_token", "app_secret",
                  "verify_token", "ai_mode", "reminder_after_hours", "is_active")
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in SECRET_FIELDS:
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    form = ChannelAccountForm
    list_display = ("name", "provider_badge", "account_ref", "phone_number", "ai_mode", "has_credentials",
                    "is_active")
    list_editable = ("ai_mode",)
    list_filter = ("provider", "is_active")
    search_fields = ("name", "account_ref", "phone_number")

    @admin.display(description=_("provider"), ordering="provider")
    def provider_badge(self, obj: ChannelAccount) -> str:
        colour = "#C13584" if obj.provider == "instagram" else "#25D366"
        return badge(obj.get_provider_display(), colour)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        channel_account_secrets_changed()

    @admin.display(description=_("own credentials"), boolean=True)
    def has_credentials(self, obj: ChannelAccount) -> bool:
        return bool(obj.access_token)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "provider", "kind", "external_id", "state_badge", "attempts", "short_error")
    list_filter = ("state", "provider", "kind", "received_at")
    search_fields = ("external_id", "ref_id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    actions = ("replay",)
    readonly_fields = ("provider", "external_id", "kind", "ref_id", "received_at", "state", "attempts",
                       "processed_at", "last_error", "pretty_payload", "pretty_normalized", "pretty_headers")
    exclude = ("payload", "normalized", "headers")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: WebhookEvent) -> str:
        return badge(obj.get_state_display(), STATE_COLOURS.get(obj.state, "secondary"))

    @admin.display(description=_("last error"))
    def short_error(self, obj: WebhookEvent) -> str:
        return obj.last_error[:80]

    def _pretty(self, value: object) -> str:
        return format_html('<pre style="white-space:pre-wrap;max-width:100%">{}</pre>',
                           json.dumps(value, indent=2, ensure_ascii=False))

    @admin.display(description=_("raw payload"))
    def pretty_payload(self, obj: WebhookEvent) -> str:
        return self._pretty(obj.payload)

    @admin.display(description=_("normalized event"))
    def pretty_normalized(self, obj: WebhookEvent) -> str:
        return self._pretty(obj.normalized)

    @admin.display(description=_("headers"))
    def pretty_headers(self, obj: WebhookEvent) -> str:
        return self._pretty(obj.headers)

    @admin.action(description=_("Replay selected events"), permissions=["view"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        ids = list(queryset.filter(state__in=REPLAYABLE).values_list("pk", flat=True))
        counts = webhook_events_replay(event_ids=ids)
        summary = ", ".join(f"{state}: {n}" for state, n in sorted(counts.items())) or "—"
        text = ngettext("%(n)d event replayed (%(summary)s).", "%(n)d events replayed (%(summary)s).", len(ids))
        self.message_user(request, text % {"n": len(ids), "summary": summary}, messages.SUCCESS)


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "direction", "sender", "type", "text", "status", "error_code")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class NoteInline(admin.TabularInline):
    model = Note
    fields = ("text", "author", "created_at")
    readonly_fields = ("author", "created_at")
    extra = 0


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("contact", "channel_account", "status_badge", "priority", "assignee", "needs_human",
                    "unread_count", "last_message_at")
    list_filter = ("status", "priority", "needs_human", "channel_account", "assignee")
    list_select_related = ("contact", "channel_account", "assignee")
    search_fields = ("contact__name", "contact__phone", "last_message_preview")
    autocomplete_fields = ("contact", "assignee", "lead")
    readonly_fields = ("last_inbound_at", "last_outbound_at", "last_message_at", "last_message_preview",
                       "unread_count", "created_at")
    filter_horizontal = ("tags",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    inlines = (NoteInline, MessageInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        return conversation_visible_queryset(user=request.user)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Conversation) -> str:
        return badge(obj.get_status_display(), CONVERSATION_COLOURS.get(obj.status, "secondary"))


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "conversation", "direction", "sender", "type", "short_text", "status_badge",
                    "error_code", "media_state")
    list_filter = ("direction", "sender", "type", "status", "media_state")
    list_select_related = ("conversation__contact", "conversation__channel_account")
    search_fields = ("text", "provider_message_id")
    raw_id_fields = ("conversation", "reply_to", "author", "template")
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("text"))
    def short_text(self, obj: Message) -> str:
        return obj.text[:60]

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Message) -> str:
        return badge(obj.get_status_display(), MESSAGE_STATUS_COLOURS.get(obj.status, "secondary"))


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "language", "channel_account", "category", "variable_count", "is_active")
    list_filter = ("channel_account", "language", "is_active")
    search_fields = ("name", "body")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "colour_badge")
    search_fields = ("name",)

    @admin.display(description=_("colour"))
    def colour_badge(self, obj: Tag) -> str:
        return badge(obj.name, obj.color)


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("conversation", "author", "text", "created_at")
    list_select_related = ("conversation__contact", "author")
    raw_id_fields = ("conversation",)
    search_fields = ("text",)


@admin.register(QuickReply)
class QuickReplyAdmin(admin.ModelAdmin):
    list_display = ("shortcut", "title", "team", "is_active", "updated_at")
    list_filter = ("team", "is_active")
    search_fields = ("shortcut", "title", "text")
