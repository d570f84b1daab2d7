from __future__ import annotations

import json
from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_filters import PersonFilter
from accounts.policy import Queue, scope_queryset, sees_everything
from ai.models import IntentCorrection
from conversations.models import (
    ChannelAccount,
    Conversation,
    FollowUpTask,
    Message,
    MessageTemplate,
    Note,
    QuickReply,
    Tag,
    WebhookEvent,
)
from conversations.selectors import conversation_visible_queryset
from conversations.services.accounts import channel_account_secrets_changed
from conversations.services.followups import followups_cancel, followups_send_now
from conversations.services.intents import INTENT_LABELS
from conversations.services.replay import REPLAYABLE, webhook_events_replay
from core.admin_tools import ScopedAdminMixin, badge
from core.paginators import EstimatedCountPaginator
from leads.search import ContactSearchAdminMixin

STATE_COLOURS = {"received": "info", "processed": "success", "failed": "danger", "ignored": "secondary",
                 "waiting": "warning"}
MESSAGE_STATUS_COLOURS = {"queued": "secondary", "sent": "info", "delivered": "primary", "read": "success",
                          "failed": "danger", "received": "dark"}
CONVERSATION_COLOURS = {"open": "success", "pending": "warning", "snoozed": "info", "resolved": "secondary"}
FOLLOWUP_COLOURS = {"scheduled": "primary", "sent": "success", "failed": "danger", "cancelled": "secondary",
                    "done": "dark"}


SECRET_FIELDS = ("access_token", "app_secret", "verify_token")


class ChannelAccountForm(forms.ModelForm):
    """Secrets are write-only: shown empty, kept when left empty."""

    class Meta:
        model = ChannelAccount
        fields = ("provider", "name", "account_ref", "phone_number", "account_sid", "access_token", "app_secret",
                  "verify_token", "team", "ai_mode", "reminder_after_hours", "is_active")
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
    list_display = ("name", "provider_badge", "account_ref", "phone_number", "team", "ai_mode", "has_credentials",
                    "is_active")
    list_editable = ("ai_mode",)
    list_filter = ("provider", "is_active", "team")
    list_select_related = ("team",)
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

    @admin.display(description=_("secrets"))
    def secrets_state(self, obj: ChannelAccount) -> str:
        """Which secrets are set, never their values."""
        labels = {"access_token": _("access token"), "app_secret": _("app secret"),
                  "verify_token": _("verify token")}
        states = {True: gettext("set"), False: gettext("not set")}
        return ", ".join(f"{labels[name]}: {states[bool(getattr(obj, name))]}" for name in SECRET_FIELDS)

    def get_fields(self, request: HttpRequest, obj: ChannelAccount | None = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        if self.has_change_permission(request, obj):
            return fields
        # A view-only page renders every field's value as text: the secrets would show in clear.
        shown = [name for name in fields if name not in SECRET_FIELDS]
        return shown if "secrets_state" in shown else [*shown, "secrets_state"]

    def get_readonly_fields(self, request: HttpRequest, obj: ChannelAccount | None = None) -> tuple[str, ...]:
        if self.has_change_permission(request, obj):
            return tuple(super().get_readonly_fields(request, obj))
        return ("secrets_state",)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "provider", "kind", "external_id", "state_badge", "attempts", "short_error")
    list_filter = ("state", "provider", "kind", "received_at")
    search_fields = ("external_id", "ref_id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    actions = ("replay",)
    readonly_fields = ("provider", "external_id", "kind", "ref_id", "received_at", "state", "attempts",
                       "handed_over_at", "processed_at", "last_error", "pretty_payload", "pretty_normalized",
                       "pretty_headers")
    exclude = ("payload", "normalized", "headers")

    def _is_admin(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        # Raw payloads and headers belong to every team's customers and carry no team: admins only.
        return self._is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: WebhookEvent) -> str:
        return badge(obj.get_state_display(), STATE_COLOURS.get(obj.state, "secondary"))

    @admin.display(description=_("last error"))
    def short_error(self, obj: WebhookEvent) -> str:
        return obj.last_error[:80]

    def _pretty(self, value: object) -> str:
        return format_html('<pre class="crm-pre">{}</pre>',
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

    @admin.action(description=_("Replay selected events"), permissions=["replay"])
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
    """Notes are written in the panel (mentions, the author); here they are read."""

    model = Note
    fields = ("text", "author", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ContactSearchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("contact", "channel_account", "status_badge", "priority", "assignee", "needs_human",
                    "unread_count", "last_message_at")
    list_filter = ("status", "priority", "needs_human", "channel_account",
                   PersonFilter)
    list_select_related = ("contact", "channel_account", "assignee")
    contact_search_prefix = "contact__"  # phone in any format, channel ids, username, email
    search_fields = ("contact__name", "last_message_preview")
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


def _in_visible_conversations(qs: QuerySet, request: HttpRequest) -> QuerySet:
    if sees_everything(request.user):  # no subquery, and the paginator may estimate
        return qs
    return qs.filter(conversation__in=conversation_visible_queryset(user=request.user))


@admin.register(Message)
class MessageAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "conversation", "direction", "sender", "type", "short_text", "status_badge",
                    "error_code", "media_state")
    list_filter = ("direction", "sender", "type", "status", "media_state")
    list_select_related = ("conversation__contact", "conversation__channel_account")
    search_fields = ("text", "provider_message_id")
    raw_id_fields = ("conversation", "reply_to", "author", "template")
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return _in_visible_conversations(super().get_queryset(request), request)

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
class NoteAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Notes of the conversations the user may see. They are written in the panel, by their author;
    here the text can be corrected, never the author or the conversation."""

    list_display = ("conversation", "author", "text", "created_at")
    list_select_related = ("conversation__contact", "author")
    search_fields = ("text",)
    fields = ("conversation", "author", "text", "created_at")
    readonly_fields = ("conversation", "author", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Note]:
        return _in_visible_conversations(super().get_queryset(request), request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(QuickReply)
class QuickReplyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("shortcut", "title", "team", "is_active", "updated_at")
    list_filter = (("team", admin.RelatedOnlyFieldListFilter), "is_active")
    search_fields = ("shortcut", "title", "text")

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuickReply]:
        """Everyone's replies for admins; the shared ones (no team) and their teams' for supervisors."""
        return scope_queryset(super().get_queryset(request), user=request.user, agent_field=None,
                              team_field="team", queue=Queue.EVERYONE)

    def get_form(self, request: HttpRequest, obj: QuickReply | None = None, **kwargs):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_admin_role and "team" in form.base_fields:
            form.base_fields["team"].required = True  # a supervisor writes for their teams, not for all
        return form

    def has_change_permission(self, request: HttpRequest, obj: QuickReply | None = None) -> bool:
        # A reply shared by every team is the administrators' to change.
        if obj is not None and obj.team_id is None and not request.user.is_admin_role:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: QuickReply | None = None) -> bool:
        if obj is not None and obj.team_id is None and not request.user.is_admin_role:
            return False
        return super().has_delete_permission(request, obj)


def _short_duration(delta: timedelta) -> str:
    """``5 min``, ``2 h``, ``3 d``: the size of ``delta``, rounded, at least a minute."""
    minutes = max(1, round(abs(delta.total_seconds()) / 60))
    if minutes < 60:
        return gettext("%(n)d min") % {"n": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return gettext("%(n)d h") % {"n": hours}
    return gettext("%(n)d d") % {"n": round(hours / 24)}


def followup_due_label(due_at: datetime, *, now: datetime) -> tuple[str, bool]:
    """How far a scheduled follow-up is from being due (``in 2 h``) or past it (``overdue by 5 min``)."""
    if due_at > now:
        return gettext("in %(time)s") % {"time": _short_duration(due_at - now)}, False
    return gettext("overdue by %(time)s") % {"time": _short_duration(now - due_at)}, True


class FollowUpDueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("overdue", _("Overdue (still scheduled)")), ("hour", _("Within the next hour")),
                ("today", _("Today")), ("week", _("Within 7 days")), ("later", _("Later"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[FollowUpTask]) -> QuerySet[FollowUpTask]:
        now = timezone.now()
        end_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        start_of_today = end_of_today - timedelta(days=1)
        match self.value():
            case "overdue":
                return queryset.filter(state=FollowUpTask.State.SCHEDULED, due_at__lte=now)
            case "hour":
                return queryset.filter(due_at__gt=now, due_at__lte=now + timedelta(hours=1))
            case "today":
                return queryset.filter(due_at__gte=start_of_today, due_at__lt=end_of_today)
            case "week":
                return queryset.filter(due_at__gt=now, due_at__lte=now + timedelta(days=7))
            case "later":
                return queryset.filter(due_at__gt=now + timedelta(days=7))
        return queryset


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ContactSearchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Scheduled follow-ups, read-only: they are written in the panel (with the service's checks); here
    supervisors watch them and cancel or bring forward the scheduled ones."""

    list_display = ("contact", "channel", "created_by", "due", "short_text", "template", "state_badge",
                    "short_error")
    list_display_links = ("contact",)
    list_filter = ("state", FollowUpDueFilter, "conversation__channel_account")
    list_select_related = ("conversation__contact", "conversation__channel_account", "created_by", "template")
    contact_search_prefix = "conversation__contact__"
    search_fields = ("conversation__contact__name", "text")
    search_help_text = _("Contact name or phone, or words of the message.")
    date_hierarchy = "due_at"
    ordering = ("-due_at", "-pk")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    actions = ("cancel_followups", "send_followups_now")
    fields = ("conversation", "created_by", "due_at", "state", "text", "template", "template_variables",
              "sent_message", "error", "created_at", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FollowUpTask]:
        return _in_visible_conversations(super().get_queryset(request), request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # scheduled from the conversation in the panel, where the window and templates are checked

    def has_change_permission(self, request: HttpRequest, obj: FollowUpTask | None = None) -> bool:
        # "change" allows the actions; a single follow-up is never edited by hand.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("contact"), ordering="conversation__contact__name")
    def contact(self, obj: FollowUpTask) -> str:
        contact = obj.conversation.contact
        if contact.phone and contact.name:
            return format_html('{} <span class="crm-muted">{}</span>', contact.name, contact.phone)
        return str(contact)

    @admin.display(description=_("channel account"), ordering="conversation__channel_account__name")
    def channel(self, obj: FollowUpTask) -> str:
        return obj.conversation.channel_account.name

    @admin.display(description=_("due at"), ordering="due_at")
    def due(self, obj: FollowUpTask) -> str:
        when = formats.date_format(timezone.localtime(obj.due_at), "SHORT_DATETIME_FORMAT")
        if obj.state != FollowUpTask.State.SCHEDULED:
            return when
        label, overdue = followup_due_label(obj.due_at, now=timezone.now())
        return format_html('{}<br><small class="crm-due{}">{}</small>', when,
                           " crm-due-overdue" if overdue else "", label)

    @admin.display(description=_("message"))
    def short_text(self, obj: FollowUpTask) -> str:
        return obj.text[:60] + ("…" if len(obj.text) > 60 else "")

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: FollowUpTask) -> str:
        return badge(obj.get_state_display(), FOLLOWUP_COLOURS.get(obj.state, "secondary"))

    @admin.display(description=_("error"))
    def short_error(self, obj: FollowUpTask) -> str:
        return obj.error[:80]

    def _report(self, request: HttpRequest, done: str, skipped: int) -> None:
        if skipped:
            done += " " + ngettext("%(n)d was not scheduled and was left as it was.",
                                   "%(n)d were not scheduled and were left as they were.", skipped) % {"n": skipped}
        self.message_user(request, done, messages.SUCCESS if not skipped else messages.WARNING)

    @admin.action(description=_("Cancel the selected scheduled follow-ups"), permissions=["change"])
    def cancel_followups(self, request: HttpRequest, queryset: QuerySet[FollowUpTask]) -> None:
        result = followups_cancel(actor=request.user, followup_ids=queryset.values_list("pk", flat=True))
        done = ngettext("%(n)d follow-up cancelled.", "%(n)d follow-ups cancelled.", result.changed)
        self._report(request, done % {"n": result.changed}, result.skipped)

    @admin.action(description=_("Send the selected scheduled follow-ups now"), permissions=["change"])
    def send_followups_now(self, request: HttpRequest, queryset: QuerySet[FollowUpTask]) -> None:
        result = followups_send_now(actor=request.user, followup_ids=queryset.values_list("pk", flat=True))
        done = ngettext("%(n)d follow-up will be sent within a minute.",
                        "%(n)d follow-ups will be sent within a minute.", result.changed)
        self._report(request, done % {"n": result.changed}, result.skipped)


class IntentLabelFilter(admin.SimpleListFilter):
    """By the intent a person gave (or the AI read), in words."""

    title = _("intent")
    parameter_name = "intent"
    field = "intent"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in INTENT_LABELS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class PredictedIntentFilter(IntentLabelFilter):
    title = _("intent the AI read")
    parameter_name = "predicted_intent"
    field = "predicted_intent"


@admin.register(IntentCorrection)
class IntentCorrectionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """What agents and supervisors taught the AI from the panel (``train_intents`` learns from these rows).

    Kept as they made them: nobody edits a correction here (the panel's reading card does, through the
    service that updates the message too); a wrong one can be deleted. Supervisors see the corrections of
    the conversations they see.
    """

    list_display = ("short_text", "intent_change", "corrected_by", "updated_at")
    list_filter = (IntentLabelFilter, PredictedIntentFilter, "updated_at")
    list_select_related = ("corrected_by",)
    search_fields = ("text",)
    readonly_fields = ("message_id", "text", "predicted_intent", "intent", "corrected_by", "created_at",
                       "updated_at")
    date_hierarchy = "updated_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[IntentCorrection]:
        qs = super().get_queryset(request)
        if sees_everything(request.user):
            return qs
        visible = Message.objects.filter(conversation__in=conversation_visible_queryset(user=request.user))
        return qs.filter(message_id__in=visible.values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IntentCorrection | None = None) -> bool:
        return False

    @admin.display(description=_("message text"))
    def short_text(self, obj: IntentCorrection) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"

    @admin.display(description=_("AI read → corrected to"), ordering="intent")
    def intent_change(self, obj: IntentCorrection) -> str:
        predicted = str(INTENT_LABELS.get(obj.predicted_intent, obj.predicted_intent)) or "—"
        corrected = str(INTENT_LABELS.get(obj.intent, obj.intent))
        return format_html("{} → {}", badge(predicted, "secondary"), badge(corrected, "success"))
