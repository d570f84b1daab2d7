"""Internal chat: direct messages, team rooms and supervisors' broadcasts, between the people of the CRM."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class Room(BaseModel):
    """Where messages are said. A direct room has exactly two members; a team room holds a team's people;
    a broadcast room carries a supervisor's announcements to a team or to everyone (only senders write)."""

    class Kind(models.TextChoices):
        DIRECT = "direct", _("Direct message")
        TEAM = "team", _("Team room")
        BROADCAST = "broadcast", _("Announcements")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True,
                             blank=True, related_name="chat_rooms")
    # "<low id>:<high id>" for a direct room, "team:<id>" / "broadcast:<id>" / "broadcast:all" otherwise.
    key = models.CharField(_("key"), max_length=40, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("chat room")
        verbose_name_plural = _("chat rooms")
        ordering = ["-last_message_at", "-pk"]

    def __str__(self) -> str:
        return self.name or self.key


class RoomMember(models.Model):
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="chat_memberships")
    last_read_at = models.DateTimeField(_("read up to"), null=True, blank=True)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("room member")
        verbose_name_plural = _("room members")
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="chat_member_once")]
        indexes = [models.Index(fields=["user", "room"], name="chat_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.room_id} · {self.user_id}"


class ChatMessage(models.Model):
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="+")
    body = models.TextField(_("text"))
    is_broadcast = models.BooleanField(_("broadcast"), default=False)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["room", "created_at"], name="chat_message_room_idx")]

    def __str__(self) -> str:
        return self.body[:60]


class BroadcastReceipt(models.Model):
    """One per recipient of a broadcast: the sender sees who has read it and who has not."""

    message = models.ForeignKey(ChatMessage, verbose_name=_("message"), on_delete=models.CASCADE,
                                related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                             related_name="+")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="chat_receipt_once")]
        indexes = [models.Index(fields=["user", "read_at"], name="chat_receipt_unread_idx",
                                condition=Q(read_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.message_id} · {self.user_id}"
