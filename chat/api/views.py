"""The internal chat over the API: the user's rooms, a room's messages (read and write), announcements.

A room the user is not a member of is a 404, whoever asks."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Team
from chat.api.serializers import (
    BroadcastInputSerializer,
    ChatMessageInputSerializer,
    ChatMessageSerializer,
    MessageFilterSerializer,
    MessagePageSerializer,
    RoomSerializer,
)
from chat.selectors import room_get_for_user, room_list_for_user, room_messages
from chat.services import broadcast_send, chat_message_send, message_payload
from core.errors import NotFoundError

ERROR = OpenApiResponse(description="`{detail, code}`: an empty or too long text, or a room the user may not write in.")


@extend_schema(tags=["chat"])
class RoomListApi(generics.ListAPIView):
    """The rooms the user belongs to, latest message first, each with its unread count (paginated)."""

    serializer_class = RoomSerializer

    def get_queryset(self) -> list[dict]:  # type: ignore[override]
        return [{"id": e.room.pk, "kind": e.room.kind, "name": e.title, "team": e.room.team_id, "unread": e.unread,
                 "last_message_at": e.room.last_message_at} for e in room_list_for_user(user=self.request.user)]


class RoomMessagesApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("before", int), OpenApiParameter("limit", int)],
                   responses=MessagePageSerializer, tags=["chat"])
    def get(self, request: Request, pk: int) -> Response:
        room = room_get_for_user(user=request.user, room_id=pk)
        filters = MessageFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = room_messages(user=request.user, room=room, before=filters.validated_data.get("before"),
                             limit=filters.validated_data["limit"])
        data = {"messages": [message_payload(m) for m in page.messages], "has_more": page.has_more}
        return Response(MessagePageSerializer(data).data)

    @extend_schema(request=ChatMessageInputSerializer, responses={201: ChatMessageSerializer, 400: ERROR, 403: ERROR},
                   tags=["chat"])
    def post(self, request: Request, pk: int) -> Response:
        room = room_get_for_user(user=request.user, room_id=pk)
        data = ChatMessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = chat_message_send(actor=request.user, room=room, body=data.validated_data["body"])
        return Response(ChatMessageSerializer(message_payload(message)).data, status=status.HTTP_201_CREATED)


class BroadcastCreateApi(APIView):
    @extend_schema(request=BroadcastInputSerializer, responses={201: ChatMessageSerializer, 400: ERROR, 403: ERROR},
                   tags=["chat"])
    def post(self, request: Request) -> Response:
        data = BroadcastInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = None
        team_id = data.validated_data.get("team")
        if team_id is not None:
            team = Team.objects.filter(pk=team_id).first()
            if team is None:
                raise NotFoundError("No such team.")
        message = broadcast_send(actor=request.user, team=team, body=data.validated_data["body"])
        return Response(ChatMessageSerializer(message_payload(message)).data, status=status.HTTP_201_CREATED)
