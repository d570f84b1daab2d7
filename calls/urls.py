from django.urls import path

from calls import views

app_name = "calls"
urlpatterns = [
    path("recordings/<int:pk>/audio/", views.recording_audio, name="recording-audio"),
]
