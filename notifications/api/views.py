"""The notification centre over the API: a user lists and marks read their own notices only."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.api.serializers import (
    NotificationFilterSerializer,
    NotificationReadInputSerializer,
    NotificationReadOutputSerializer,
    NotificationSerializer,
)
from notifications.models import Notification
from notifications.selectors import notification_list
from notifications.services import notifications_mark_read, unread_count


@extend_schema(parameters=[NotificationFilterSerializer])
class NotificationListApi(generics.ListAPIView):
    """The user's notices, newest first; ``?unread=true`` for the unread ones."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        params = NotificationFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return notification_list(user=self.request.user, unread_only=params.validated_data["unread"])


class NotificationReadApi(APIView):
    """Mark notices read: the given ``ids`` (other people's are ignored) or ``all``."""

    @extend_schema(
        request=NotificationReadInputSerializer, responses=NotificationReadOutputSerializer,
        examples=[OpenApiExample("Some", value={"ids": [3, 4]}, request_only=True),
                  OpenApiExample("All", value={"all": True}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        data = NotificationReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data["all"] else data.validated_data["ids"]
        marked = notifications_mark_read(user=request.user, ids=ids)
        return Response({"unread": unread_count(user=request.user), "marked": marked})
