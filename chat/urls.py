from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("broadcast/", views.broadcast, name="broadcast"),
    path("broadcast/<int:message_id>/receipts/", views.receipts, name="receipts"),
    path("dm/<int:user_id>/", views.direct, name="dm"),
    path("<int:room_id>/", views.room, name="room"),
    path("<int:room_id>/send/", views.send, name="send"),
    path("<int:room_id>/read/", views.read, name="read"),
]
