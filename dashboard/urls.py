from django.urls import path, re_path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    # One chart or the leaderboard as a file: /dashboard/export/funnel.csv?from=...&to=...
    re_path(r"^export/(?P<key>[a-z0-9_]+)\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
]
