from django.urls import path

from accounts.availability import availability_set
from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notifications_feed, name="feed"),
    path("all/", views.notifications_all, name="all"),
    path("read/", views.notifications_read, name="read"),
    path("availability/", availability_set, name="availability"),
]
