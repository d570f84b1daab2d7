"""Back office for calls: the calls list and page (recordings with a player, transcript, AI reading), call
scripts with their steps, the watch list, and the raw Twilio Voice callbacks.

Rows are scoped by the one role policy (``calls.selectors.calls_visible``): admins and back office see every call,
supervisors their teams' and the calls nobody holds. Agents are not staff; they see their calls in the panel.
Twilio's fields and the AI's reading are read-only; a person edits only the outcome and the notes.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_filters import AgentFilter
from calls.api.serializers import recording_audio_url
from calls.models import Call, CallRecording, CallScript, CallScriptStep, VoiceWebhookEvent, WatchKeyword
from calls.selectors import calls_visible
from calls.services.outcomes import call_can_edit_outcome, call_set_outcome
from calls.services.replay import voice_events_replay
from conversations.services.intents import INTENT_LABELS
from core.admin_tools import ScopedAdminMixin, badge, progress_bar
from core.paginators import EstimatedCountPaginator
from leads.search import ContactSearchAdminMixin

DIRECTION_COLOURS = {Call.Direction.INBOUND: "info", Call.Direction.OUTBOUND: "primary"}
STATUS_COLOURS = {
    Call.Status.QUEUED: "secondary", Call.Status.RINGING: "warning", Call.Status.IN_PROGRESS: "primary",
    Call.Status.COMPLETED: "success", Call.Status.BUSY: "danger", Call.Status.NO_ANSWER: "danger",
    Call.Status.FAILED: "dark", Call.Status.CANCELED: "secondary",
}
SENTIMENT_COLOURS = {Call.Sentiment.POSITIVE: "success", Call.Sentiment.NEUTRAL: "secondary",
                     Call.Sentiment.NEGATIVE: "danger"}
TRANSCRIPT_COLOURS = {Call.TranscriptState.NONE: "secondary", Call.TranscriptState.PENDING: "warning",
                      Call.TranscriptState.DONE: "success", Call.TranscriptState.FAILED: "danger"}
RECORDING_COLOURS = {CallRecording.State.PENDING: "warning", CallRecording.State.STORED: "success",
                     CallRecording.State.FAILED: "danger"}
EVENT_COLOURS = {VoiceWebhookEvent.State.RECEIVED: "info", VoiceWebhookEvent.State.PROCESSED: "success",
                 VoiceWebhookEvent.State.FAILED: "danger", VoiceWebhookEvent.State.IGNORED: "secondary"}

TWILIO_FIELDS = ("direction", "from_number", "to_number", "call_sid", "status", "started_at", "answered_at",
                 "ended_at", "duration", "is_voicemail", "error_code")
AI_FIELDS = ("sentiment_badge", "ai_outcome", "next_action", "adherence_bar", "analysis_display", "analyzed_at")
TRANSCRIPT_FIELDS = ("transcript_badge", "transcript_display", "transcript_error", "transcribed_at")


def mm_ss(seconds: int | None) -> str:
    """``125`` → ``2:05``; an hour or more → ``1:02:05``."""
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def audio_player(recording: CallRecording) -> SafeString | str:
    """An HTML5 player for a stored recording, through the permission-checked playback view."""
    url = recording_audio_url(recording)
    if url is None:
        return badge(recording.get_state_display(), RECORDING_COLOURS.get(recording.state, "secondary"))
    return format_html('<audio controls preload="none" src="{}" class="crm-audio">{}</audio>', url,
                       gettext("Your browser cannot play this recording."))


class CallRecordingInline(admin.TabularInline):
    model = CallRecording
    fields = ("player", "state_badge", "duration_display", "size", "stored_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "pk")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("recording"))
    def player(self, obj: CallRecording) -> SafeString | str:
        return audio_player(obj)

    @admin.display(description=_("state"))
    def state_badge(self, obj: CallRecording) -> str:
        return badge(obj.get_state_display(), RECORDING_COLOURS.get(obj.state, "secondary"))

    @admin.display(description=_("duration"))
    def duration_display(self, obj: CallRecording) -> str:
        return mm_ss(obj.duration)


@admin.register(Call)
class CallAdmin(ContactSearchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("started_display", "call_badges", "agent", "contact", "duration_display",
                    "outcome_display", "adherence_bar", "transcript_and_sentiment")
    list_display_links = ("started_display",)
    list_filter = ("direction", "status", "outcome", "sentiment", "transcript_state", AgentFilter,
                   "started_at")
    list_select_related = ("agent", "contact")
    contact_search_prefix = "contact__"  # the contact's name, phone in any format, channel ids, email
    search_fields = ("from_number", "to_number", "call_sid", "contact__name")
    date_hierarchy = "started_at"
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    inlines = (CallRecordingInline,)
    readonly_fields = (*TWILIO_FIELDS, "contact", "lead", "conversation", "agent", "script", *TRANSCRIPT_FIELDS,
                       *AI_FIELDS, "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("contact", "lead", "conversation", "agent", "script")}),
        (_("Twilio"), {"fields": TWILIO_FIELDS}),
        (_("Agent's outcome"), {"fields": ("outcome", "notes")}),
        (_("Transcript"), {"fields": TRANSCRIPT_FIELDS}),
        (_("AI reading"), {"fields": AI_FIELDS}),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Call]:
        return calls_visible(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # calls come from Twilio and click to call, never typed in

    def has_delete_permission(self, request: HttpRequest, obj: Call | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role)

    def has_change_permission(self, request: HttpRequest, obj: Call | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or call_can_edit_outcome(actor=request.user, call=obj))

    def save_model(self, request: HttpRequest, obj: Call, form: Any, change: bool) -> None:
        changed = set(form.changed_data) & {"outcome", "notes"}
        if changed:
            original = Call.objects.get(pk=obj.pk)
            wanted = {name: getattr(obj, name) for name in changed}
            obj.outcome, obj.notes = original.outcome, original.notes
            call_set_outcome(actor=request.user, call=obj, **wanted)

    # --- list columns -------------------------------------------------------------------------
    @admin.display(description=_("started at"), ordering="started_at")
    def started_display(self, obj: Call) -> str:
        return date_format(timezone.localtime(obj.started_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("call"), ordering="status")
    def call_badges(self, obj: Call) -> str:
        """Direction and status side by side (one column: the list has ten things to show)."""
        return format_html("{} {}", self.direction_badge(obj), self.status_badge(obj))

    @admin.display(description=_("direction"), ordering="direction")
    def direction_badge(self, obj: Call) -> str:
        return badge(obj.get_direction_display(), DIRECTION_COLOURS.get(obj.direction, "secondary"))

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Call) -> str:
        label = gettext("Voicemail") if obj.is_voicemail else obj.get_status_display()
        colour = "warning" if obj.is_voicemail else STATUS_COLOURS.get(obj.status, "secondary")
        return badge(label, colour)

    @admin.display(description=_("duration"), ordering="duration")
    def duration_display(self, obj: Call) -> str:
        return mm_ss(obj.duration)

    @admin.display(description=_("outcome"), ordering="outcome")
    def outcome_display(self, obj: Call) -> str:
        if obj.outcome:
            return obj.get_outcome_display()
        if obj.ai_outcome:
            return format_html('<span class="crm-muted" title="{}">{}</span>', gettext("Suggested by the AI"),
                               obj.get_ai_outcome_display())
        return "—"

    @admin.display(description=_("sentiment"), ordering="sentiment")
    def sentiment_badge(self, obj: Call) -> str:
        if not obj.sentiment:
            return "—"
        return badge(obj.get_sentiment_display(), SENTIMENT_COLOURS.get(obj.sentiment, "secondary"))

    @admin.display(description=_("adherence"), ordering="script_adherence")
    def adherence_bar(self, obj: Call) -> str:
        if obj.script_adherence is None:
            return "—"
        value = obj.script_adherence
        return progress_bar(value, colour="success" if value >= 80 else "warning" if value >= 50 else "danger")

    @admin.display(description=_("transcript"), ordering="transcript_state")
    def transcript_and_sentiment(self, obj: Call) -> str:
        if not obj.sentiment:
            return self.transcript_badge(obj)
        return format_html("{} {}", self.transcript_badge(obj), self.sentiment_badge(obj))

    @admin.display(description=_("transcript"), ordering="transcript_state")
    def transcript_badge(self, obj: Call) -> str:
        return badge(obj.get_transcript_state_display(), TRANSCRIPT_COLOURS.get(obj.transcript_state, "secondary"))

    # --- the call's page ---------------------------------------------------------------------
    @admin.display(description=_("transcript"))
    def transcript_display(self, obj: Call) -> SafeString | str:
        turns = [t for t in (obj.transcript_segments or []) if isinstance(t, dict) and t.get("text")]
        if turns:
            return format_html(
                '<div class="crm-transcript">{}</div>',
                format_html_join(
                    "", '<p><strong>{}</strong> <span class="crm-muted">{}</span><br>{}</p>',
                    ((_speaker_label(t.get("speaker")), _turn_time(t.get("start")), t.get("text", ""))
                     for t in turns),
                ),
            )
        if obj.transcript:
            return format_html('<div class="crm-pre">{}</div>', obj.transcript)
        return "—"

    @admin.display(description=_("AI reading"))
    def analysis_display(self, obj: Call) -> SafeString | str:
        rows = reading_rows(obj.analysis if isinstance(obj.analysis, dict) else {})
        if not rows:
            return "—"
        return format_html('<table class="crm-analysis">{}</table>',
                           format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))


ANALYSIS_LABELS = {
    "sentiment": _("Sentiment"),
    "sentiment_score": _("Sentiment score (-1 to 1)"),
    "intents": _("Intents"),
    "main_intent": _("Main intent"),
    "keywords": _("Keywords found"),
    "outcome": _("Outcome"),
    "next_action": _("Next action"),
    "script_adherence": _("Script adherence (%)"),
    "script": _("Script"),
    "steps": _("Script steps"),
    "entities": _("Details mentioned"),
    "provider": _("Read by"),
    "notes": _("Notes"),
}
HIDDEN_READING_KEYS = frozenset({"turn_sentiments", "analyzed_at", "fallback"})
KEYWORD_COLOURS = {"competitor": "primary", "cancellation": "danger", "complaint": "warning", "other": "secondary"}


def reading_rows(analysis: dict[str, Any]) -> list[tuple[str, SafeString | str]]:
    """The AI reading of a call (``ai.calls.CallAnalysis.as_dict``) as labelled rows a person can read."""
    return [(str(ANALYSIS_LABELS.get(key, key.replace("_", " ").capitalize())), _reading_value(key, value))
            for key, value in analysis.items()
            if key not in HIDDEN_READING_KEYS and value not in (None, "", [], {})]


def _label(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value))


def _reading_value(key: str, value: Any) -> SafeString | str:
    if key == "sentiment":
        return badge(_label(Call.Sentiment.choices, value), SENTIMENT_COLOURS.get(value, "secondary"))
    if key == "outcome":
        return _label(Call.Outcome.choices, value)
    if key == "main_intent":
        return str(INTENT_LABELS.get(value, value))
    if key == "intents" and isinstance(value, list):
        return ", ".join(
            f"{INTENT_LABELS.get(item.get('intent'), item.get('intent'))} ×{item.get('count', 1)}"
            if isinstance(item, dict) else str(INTENT_LABELS.get(item, item)) for item in value)
    if key == "keywords" and isinstance(value, list):
        hits = [item if isinstance(item, dict) else {"phrase": item} for item in value]
        return format_html_join(" ", "{}", ((badge(
            f"{hit.get('phrase', '')} ×{hit.get('count', 1)}",
            KEYWORD_COLOURS.get(hit.get("kind", ""), "info" if hit.get("source") == "script" else "secondary"),
        ),) for hit in hits))
    if key == "steps" and isinstance(value, list):
        return format_html("<div>{}</div>", format_html_join(mark_safe("<br>"), "{} {}{}", (
            ("✓" if step.get("covered") else "✗", step.get("title") or step.get("key", ""),
             f" (“{step['cue']}”)" if step.get("cue") else "")
            for step in value if isinstance(step, dict))))
    if key == "script" and isinstance(value, dict):
        return str(value.get("name", ""))
    return _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    return str(value)


SPEAKER_LABELS = {"agent": _("Agent"), "customer": _("Customer"), "caller": _("Customer"), "callee": _("Customer")}


def _speaker_label(speaker: Any) -> str:
    if speaker is None or speaker == "":
        return gettext("Speaker")
    label = SPEAKER_LABELS.get(str(speaker).lower())
    return str(label) if label else str(speaker)


def _turn_time(start: Any) -> str:
    try:
        return mm_ss(int(float(start)))
    except (TypeError, ValueError):
        return ""


class CallScriptStepInline(admin.StackedInline):
    model = CallScriptStep
    fields = (("position", "kind", "required"), "title", "text", "objection", "cues")
    extra = 0
    ordering = ("position", "pk")


@admin.register(CallScript)
class CallScriptAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "campaign", "step_count", "is_active")
    list_filter = ("is_active", "category")
    list_editable = ("is_active",)
    search_fields = ("name", "campaign")
    inlines = (CallScriptStepInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CallScript]:
        return super().get_queryset(request).annotate(step_total=Count("steps"))

    @admin.display(description=_("steps"), ordering="step_total")
    def step_count(self, obj: CallScript) -> int:
        return getattr(obj, "step_total", 0)


@admin.register(WatchKeyword)
class WatchKeywordAdmin(admin.ModelAdmin):
    list_display = ("phrase", "kind_badge", "is_active")
    list_filter = ("kind", "is_active")
    list_editable = ("is_active",)
    search_fields = ("phrase",)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_badge(self, obj: WatchKeyword) -> str:
        colours = {"competitor": "primary", "cancellation": "danger", "complaint": "warning", "other": "secondary"}
        return badge(obj.get_kind_display(), colours.get(obj.kind, "secondary"))


@admin.register(VoiceWebhookEvent)
class VoiceWebhookEventAdmin(admin.ModelAdmin):
    """Twilio Voice callbacks as they came: admins only (raw payloads carry every team's customers)."""

    list_display = ("received_at", "kind", "call_sid", "external_id", "state_badge", "attempts", "short_error")
    list_filter = ("state", "kind", "received_at")
    search_fields = ("call_sid", "external_id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    readonly_fields = ("kind", "external_id", "call_sid", "received_at", "handed_over_at", "state", "attempts",
                       "processed_at", "last_error", "pretty_payload")
    exclude = ("payload",)
    actions = ("replay",)

    def _is_admin(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: VoiceWebhookEvent | None = None) -> bool:
        return self._is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: VoiceWebhookEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: VoiceWebhookEvent | None = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: VoiceWebhookEvent) -> str:
        return badge(obj.get_state_display(), EVENT_COLOURS.get(obj.state, "secondary"))

    @admin.display(description=_("last error"))
    def short_error(self, obj: VoiceWebhookEvent) -> str:
        return obj.last_error[:80]

    @admin.display(description=_("raw payload"))
    def pretty_payload(self, obj: VoiceWebhookEvent) -> str:
        return format_html('<pre class="crm-pre">{}</pre>', json.dumps(obj.payload, indent=2, ensure_ascii=False))

    @admin.action(description=_("Replay selected events"), permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[VoiceWebhookEvent]) -> None:
        ids = list(queryset.exclude(state=VoiceWebhookEvent.State.PROCESSED).values_list("pk", flat=True))
        counts = voice_events_replay(event_ids=ids)
        summary = ", ".join(f"{state}: {n}" for state, n in sorted(counts.items())) or "—"
        text = ngettext("%(n)d event replayed (%(summary)s).", "%(n)d events replayed (%(summary)s).", len(ids))
        self.message_user(request, text % {"n": len(ids), "summary": summary}, messages.SUCCESS)

