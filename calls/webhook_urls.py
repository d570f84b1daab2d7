from django.urls import path

from calls import webhooks, webhooks_outbound

urlpatterns = [
    path("twilio/voice/", webhooks.twilio_voice, name="webhook-twilio-voice"),
    path("twilio/voice/status/", webhooks.twilio_voice_status, name="webhook-twilio-voice-status"),
    path("twilio/recording/", webhooks.twilio_recording, name="webhook-twilio-recording"),
    # The click-to-call's agent leg (the `click` helper's module).
    path("twilio/voice/connect/<int:call_id>/", webhooks_outbound.voice_connect, name="webhook-twilio-voice-connect"),
]
