from django.urls import path

from conversations import views

urlpatterns = [
    path("twilio/whatsapp/", views.twilio_whatsapp, name="webhook-twilio-whatsapp"),
    path("twilio/status/", views.twilio_status, name="webhook-twilio-status"),
    path("meta/whatsapp/", views.meta_whatsapp, name="webhook-meta-whatsapp"),
    path("meta/instagram/", views.meta_instagram, name="webhook-meta-instagram"),
]
