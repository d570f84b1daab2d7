from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import active_user_or_field_error
from conversations.api.serializers import (
    AssignInputSerializer,
    ConversationFilterSerializer,
    ConversationSerializer,
    IntentInputSerializer,
    MessageInputSerializer,
    MessageSerializer,
    NoteSerializer,
    StatusInputSerializer,
    TagsInputSerializer,
    TransferInputSerializer,
)
from conversations.models import Conversation, Message, MessageTemplate, Note
from conversations.selectors import (
    ConversationFilters,
    conversation_by_phone,
    conversation_get_for_user,
    conversation_list,
    message_list,
)
from conversations.services.inbox import (
    conversation_add_note,
    conversation_assign,
    conversation_mark_read,
    conversation_set_status,
    conversation_set_tags,
    conversation_transfer,
)
from conversations.services.intents import message_correct_intent
from conversations.services.outbound import message_send
from core.api.permissions import RolePermission
from core.phones import normalize_phone
from leads.scoring import lead_facts
from leads.services import lead_update


class _ConversationApi(APIView):
    permission_classes = [RolePermission]
    permission_model = Conversation
    permission_actions = {"POST": "change"}

    def conversation(self, request: Request, pk: int) -> Conversation:
        return conversation_get_for_user(user=request.user, conversation_id=pk)

    def respond(self, request: Request, pk: int) -> Response:
        return Response(ConversationSerializer(self.conversation(request, pk)).data)


@extend_schema(parameters=[ConversationFilterSerializer])
class ConversationListApi(generics.ListAPIView):
    """The inbox: conversations the user may see, most recent first."""

    serializer_class = ConversationSerializer
    permission_classes = [RolePermission]
    permission_model = Conversation

    def get_queryset(self) -> QuerySet[Conversation]:
        params = ConversationFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return conversation_list(user=self.request.user, filters=ConversationFilters(**params.validated_data))


class ConversationDetailApi(_ConversationApi):
    @extend_schema(responses=ConversationSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return self.respond(request, pk)


class ConversationMessagesApi(generics.ListAPIView):
    """GET: the messages, newest first (paginated). POST ``{text}`` or ``{template, variables}``: send."""

    serializer_class = MessageSerializer
    permission_classes = [RolePermission]
    permission_model = Message

    def get_queryset(self) -> QuerySet[Message]:
        conversation = conversation_get_for_user(user=self.request.user, conversation_id=self.kwargs["pk"])
        return message_list(conversation=conversation)

    @extend_schema(request=MessageInputSerializer, responses={201: MessageSerializer})
    def post(self, request: Request, pk: int) -> Response:
        conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
        data = MessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = None
        if data.validated_data["template"] is not None:
            template = MessageTemplate.objects.filter(pk=data.validated_data["template"]).first()
            if template is None:
                raise serializers.ValidationError({"template": [_("No template with that id.")]})
        message = message_send(
            conversation=conversation, text=data.validated_data["text"], actor=request.user, template=template,
            variables=data.validated_data["variables"],
        )
        message.refresh_from_db()
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MessageIntentApi(_ConversationApi):
    """POST ``{intent}``: a person corrects the intent the AI read in a customer's message (``train_intents``
    learns from it). The message comes back with its new ``intent`` and ``ai.intent_corrected_by``."""

    @extend_schema(request=IntentInputSerializer, responses=MessageSerializer)
    def post(self, request: Request, pk: int, message_id: int) -> Response:
        conversation = self.conversation(request, pk)
        message = message_list(conversation=conversation).filter(pk=message_id).first()
        if message is None:
            raise Http404
        data = IntentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message_correct_intent(message=message, intent=data.validated_data["intent"], actor=request.user)
        message.refresh_from_db()
        return Response(MessageSerializer(message).data)


class ConversationAssignApi(_ConversationApi):
    @extend_schema(request=AssignInputSerializer, responses=ConversationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation_assign(actor=request.user, conversation=self.conversation(request, pk),
                            assignee=active_user_or_field_error(data.validated_data["assignee"], "assignee"))
        return self.respond(request, pk)


class ConversationTransferApi(_ConversationApi):
    @extend_schema(request=TransferInputSerializer, responses=ConversationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = TransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to = active_user_or_field_error(data.validated_data["to"], "to")
        conversation_transfer(actor=request.user, conversation=self.conversation(request, pk), to=to,
                              note=data.validated_data["note"])
        try:
            return self.respond(request, pk)
        except Http404:  # the agent gave it away and may no longer see it
            return Response({"id": pk, "assignee": to.pk if to else None})


class ConversationStatusApi(_ConversationApi):
    @extend_schema(request=StatusInputSerializer, responses=ConversationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = StatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation_set_status(actor=request.user, conversation=self.conversation(request, pk),
                                **data.validated_data)
        return self.respond(request, pk)


class ConversationReadApi(_ConversationApi):
    @extend_schema(request=None, responses=ConversationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conversation_mark_read(actor=request.user, conversation=self.conversation(request, pk))
        return self.respond(request, pk)


class ConversationNotesApi(_ConversationApi):
    permission_model = Note
    permission_actions = {}

    @extend_schema(responses=NoteSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        notes = self.conversation(request, pk).notes.select_related("author")
        return Response(NoteSerializer(notes, many=True).data)

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = conversation_add_note(actor=request.user, conversation=self.conversation(request, pk),
                                     text=data.validated_data["text"])
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class ConversationTagsApi(_ConversationApi):
    @extend_schema(request=TagsInputSerializer, responses=ConversationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = TagsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation_set_tags(actor=request.user, conversation=self.conversation(request, pk),
                              names=data.validated_data["tags"])
        return self.respond(request, pk)


class _ByPhoneApi(APIView):
    permission_classes = [RolePermission]
    permission_model = Conversation

    def conversations(self, request: Request, phone: str) -> QuerySet[Conversation]:
        e164 = normalize_phone(phone)  # InvalidPhoneError answers 400
        found = conversation_by_phone(user=request.user, phone=e164)
        if not found.exists():
            raise Http404
        return found


class ByPhoneStatusApi(_ByPhoneApi):
    """The qualification state of the customer behind ``phone``: what we know and what is missing."""

    @extend_schema(responses=dict)
    def get(self, request: Request, phone: str) -> Response:
        conversation = self.conversations(request, phone).first()
        lead = conversation.lead
        facts = lead_facts(lead) if lead else None
        known = {
            "product": bool(facts and facts.has_product),
            "budget": bool(facts and facts.has_budget),
            "zone": bool(facts and facts.has_zone),
            "address": bool(facts and facts.has_full_address),
            "name": bool(conversation.contact.name),
        }
        return Response({
            "conversation": conversation.pk,
            "contact": conversation.contact_id,
            "lead": lead.pk if lead else None,
            "status": lead.status if lead else None,
            "score": lead.score if lead else 0,
            "classification": lead.classification if lead else None,
            "known": known,
            "missing": [k for k, v in known.items() if not v],
            "completeness": round(100 * sum(known.values()) / len(known)),
            "needs_human": conversation.needs_human,
        })


class ByPhoneHistoryApi(generics.ListAPIView):
    """Every message with this customer, over all their conversations, oldest first (paginated)."""

    serializer_class = MessageSerializer
    permission_classes = [RolePermission]
    permission_model = Conversation

    def get_queryset(self) -> QuerySet[Message]:
        conversations = _ByPhoneApi().conversations(self.request, self.kwargs["phone"])
        return Message.objects.filter(conversation__in=conversations).select_related("author").order_by(
            "created_at", "pk"
        )


class ByPhoneResetApi(_ByPhoneApi):
    """Start the qualification over: the AI's reading of the chat is cleared and the score recomputed."""

    permission_actions = {"POST": "change"}

    @extend_schema(request=None, responses=dict)
    def post(self, request: Request, phone: str) -> Response:
        conversation = self.conversations(request, phone).first()
        if conversation.lead is not None:
            lead_update(actor=request.user, lead=conversation.lead, data={"ai_analysis": {}, "intent": ""})
        return Response({"conversation": conversation.pk, "reset": True})


class ConversationSuggestReplyApi(_ConversationApi):
    """A reply the AI would send, for the agent's composer (nothing is sent)."""

    @extend_schema(request=None, responses=dict)
    def post(self, request: Request, pk: int) -> Response:
        from conversations.services.assistant import conversation_suggest_reply

        return Response({"text": conversation_suggest_reply(conversation=self.conversation(request, pk))})


class ConversationSummaryApi(_ConversationApi):
    """A short summary of the conversation for the agent taking it over."""

    @extend_schema(responses=dict)
    def get(self, request: Request, pk: int) -> Response:
        from conversations.services.assistant import conversation_summary

        return Response({"summary": conversation_summary(conversation=self.conversation(request, pk))})
