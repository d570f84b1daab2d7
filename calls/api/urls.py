from django.urls import path

from calls.api import views

urlpatterns = [
    path("calls/", views.CallListCreateApi.as_view(), name="call-list"),
    path("calls/<int:pk>/", views.CallDetailApi.as_view(), name="call-detail"),
]
