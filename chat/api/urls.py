from django.urls import path

from chat.api import views

urlpatterns = [
    path("chat/rooms/", views.RoomListApi.as_view(), name="chat-room-list"),
    path("chat/rooms/<int:pk>/messages/", views.RoomMessagesApi.as_view(), name="chat-room-messages"),
    path("chat/broadcasts/", views.BroadcastCreateApi.as_view(), name="chat-broadcast-create"),
]
