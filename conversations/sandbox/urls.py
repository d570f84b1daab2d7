from django.urls import path

from conversations.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("", views.sandbox_page, name="page"),
    path("start/", views.sandbox_start, name="start"),
    path("messages/", views.sandbox_messages, name="messages"),
    path("read/", views.sandbox_read, name="read"),
]
