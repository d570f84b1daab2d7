from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calls.models import Call, CallRecording
from core.api.fields import DateInRangeField, IdField
from leads.api.serializers import ContactBriefSerializer


def recording_audio_url(recording: CallRecording) -> str | None:
    """The permission-checked playback address of a stored recording (never the file's own URL), or ``None``
    while it is not stored or the playback view is not installed."""
    if recording.state != CallRecording.State.STORED:
        return None
    try:
        return reverse("calls:recording-audio", kwargs={"pk": recording.pk})
    except NoReverseMatch:
        return None


class CallRecordingSerializer(serializers.ModelSerializer):
    audio_url = serializers.SerializerMethodField(help_text=_("Playback for users who may see the call."))

    class Meta:
        model = CallRecording
        fields = ("id", "state", "duration", "channels", "content_type", "size", "stored_at", "audio_url")

    def get_audio_url(self, obj: CallRecording) -> str | None:
        url = recording_audio_url(obj)
        request = self.context.get("request")
        return request.build_absolute_uri(url) if url and request is not None else url


class CallSerializer(serializers.ModelSerializer):
    """A call in a list: who, when, how it went; no transcript (see the detail)."""

    contact = ContactBriefSerializer(read_only=True, allow_null=True)  # None: a number we do not know
    agent_name = serializers.SerializerMethodField()
    counterpart_number = serializers.CharField(read_only=True)
    # "" until set (declared: a read-only model field would lose the blank from its enum).
    outcome = serializers.ChoiceField(choices=Call.Outcome.choices, allow_blank=True, read_only=True)
    ai_outcome = serializers.ChoiceField(choices=Call.Outcome.choices, allow_blank=True, read_only=True)
    sentiment = serializers.ChoiceField(choices=Call.Sentiment.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Call
        fields = (
            "id", "direction", "status", "call_sid", "from_number", "to_number", "counterpart_number", "contact",
            "lead", "conversation", "agent", "agent_name", "started_at", "answered_at", "ended_at", "duration",
            "is_voicemail", "outcome", "ai_outcome", "sentiment", "next_action", "script_adherence",
            "transcript_state", "notes", "created_at", "updated_at",
        )
        read_only_fields = fields

    def get_agent_name(self, obj: Call) -> str | None:
        return str(obj.agent) if obj.agent_id else None


@extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
    "speaker": {"type": "string"}, "start": {"type": "number"}, "end": {"type": "number"},
    "text": {"type": "string"}}}})
class SegmentsField(serializers.JSONField):
    pass


class CallDetailSerializer(CallSerializer):
    """One call with its recordings (playback URLs), transcript, speaker turns and AI reading."""

    recordings = CallRecordingSerializer(many=True, read_only=True)
    transcript_segments = SegmentsField(read_only=True)
    analysis = serializers.JSONField(read_only=True)
    script_name = serializers.CharField(source="script.name", read_only=True, default=None, allow_null=True)

    class Meta(CallSerializer.Meta):
        fields = (
            *CallSerializer.Meta.fields, "error_code", "script", "script_name", "recordings", "transcript",
            "transcript_segments", "transcript_error", "transcribed_at", "analysis", "analyzed_at",
        )
        read_only_fields = fields


class CallListSerializer(CallSerializer):
    recordings = CallRecordingSerializer(many=True, read_only=True)

    class Meta(CallSerializer.Meta):
        fields = (*CallSerializer.Meta.fields, "recordings")
        read_only_fields = fields


class CallFilterSerializer(serializers.Serializer):
    contact = IdField(required=False, default=None)
    lead = IdField(required=False, default=None)
    agent = IdField(required=False, default=None)
    conversation = IdField(required=False, default=None)
    direction = serializers.ChoiceField(choices=Call.Direction.choices, required=False, default="")
    status = serializers.ChoiceField(choices=Call.Status.choices, required=False, default="")
    outcome = serializers.ChoiceField(choices=Call.Outcome.choices, required=False, default="")
    date_from = DateInRangeField(required=False, default=None, help_text=_("First day (YYYY-MM-DD)."))
    date_to = DateInRangeField(required=False, default=None, help_text=_("Last day, included (YYYY-MM-DD)."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["date_from"] and attrs["date_to"] and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": [_("The end date is before the start date.")]})
        return attrs


class CallUpdateInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Call.Outcome.choices, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if unknown := sorted(set(self.initial_data) - set(self.fields)):
            raise serializers.ValidationError(
                {name: [_("Only the outcome and the notes of a call can be changed.")] for name in unknown}
            )
        if not attrs:
            raise serializers.ValidationError(_("Send an outcome or notes."))
        return attrs


class CallStartInputSerializer(serializers.Serializer):
    contact = IdField(required=False, allow_null=True, default=None)
    lead = IdField(required=False, allow_null=True, default=None)
    conversation = IdField(required=False, allow_null=True, default=None)
    to_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs["contact"] or attrs["lead"] or attrs["conversation"]):
            raise serializers.ValidationError(_("Give a contact, a lead or a conversation to call."))
        return attrs
