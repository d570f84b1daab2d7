"""Audits over the API: parse, call a selector or a service, answer.

Rows come from ``quality.selectors`` (the one role policy): an audit the user may not see is a 404 (an agent sees
only their own, once sent). Who may do what is the roles' permissions and the audit services' rules: starting an
audit and changing its answers need the analyst's permissions (supervisors, admins), otherwise a 403; the agent
acknowledges or disputes their own audit; a supervisor or an admin resolves a dispute. A move the audit's state
does not allow (answering a sent audit, sending an incomplete one) is a 400 with the service's message.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from calls.models import Call
from calls.selectors import calls_visible
from conversations.models import Conversation
from conversations.selectors import conversation_visible_queryset
from quality.api.serializers import (
    AcknowledgeInputSerializer,
    AuditDetailSerializer,
    AuditFilterSerializer,
    AuditSerializer,
    AuditStartInputSerializer,
    AuditUpdateInputSerializer,
    DisputeInputSerializer,
    ResolveInputSerializer,
)
from quality.models import Audit, EvaluationMatrix
from quality.selectors import audit_get_visible, audits_visible
from quality.services.audits import (
    AnswerInput,
    audit_acknowledge,
    audit_dispute,
    audit_resolve,
    audit_save,
    audit_start,
    audit_submit,
)

ERROR_RESPONSE = OpenApiResponse(
    description="`{detail, code}` for a move the audit's state or the rules refuse, or `{detail, code, errors}` "
                "for field errors.",
)
FORBIDDEN = OpenApiResponse(description="`{detail, code}`: the user's role may not do this.")

LIST_RELATED = ("agent", "analyst", "team", "matrix")


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _answers(items: list[dict[str, Any]]) -> list[AnswerInput]:
    return [AnswerInput(criterion_id=item["criterion"], answer=item["answer"], comment=item["comment"],
                        evidence=item["evidence"], evidence_at=item["evidence_at"]) for item in items]


def _require_perm(user: User, codename: str) -> None:
    if not user.has_perm(f"quality.{codename}"):
        raise PermissionDenied(_("Your role may not do this with audits."))


def _detail(request: Request, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
    audit = audit_get_visible(request.user, pk)
    return Response(AuditDetailSerializer(audit, context={"request": request}).data, status=status_code)


def _subject(user: User, values: dict[str, Any]) -> tuple[Call | None, Conversation | None]:
    """The call or conversation named in the input, if the user may see it (else a 400 on that field)."""
    if values["call"]:
        call = calls_visible(user).filter(pk=values["call"]).first()
        if call is None:
            raise serializers.ValidationError({"call": [_("No call with that id.")]})
        return call, None
    conversation = conversation_visible_queryset(user=user).filter(pk=values["conversation"]).first()
    if conversation is None:
        raise serializers.ValidationError({"conversation": [_("No conversation with that id.")]})
    return None, conversation


def _matrix(matrix_id: int | None) -> EvaluationMatrix | None:
    if not matrix_id:
        return None
    matrix = EvaluationMatrix.objects.filter(pk=matrix_id, status=EvaluationMatrix.Status.PUBLISHED).first()
    if matrix is None:
        raise serializers.ValidationError({"matrix": [_("No published scorecard with that id.")]})
    return matrix


@extend_schema(parameters=[AuditFilterSerializer])
class AuditListCreateApi(generics.ListAPIView):
    """GET: the audits the user may see, newest first (an agent: their own, once sent).
    POST: start an audit of a call or a conversation (supervisors and admins); the AI proposes answers first."""

    serializer_class = AuditSerializer

    def get_queryset(self) -> QuerySet[Audit]:
        params = AuditFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        values = params.validated_data
        qs = audits_visible(self.request.user).select_related(*LIST_RELATED)
        for name in ("status", "agent", "team", "matrix", "call", "conversation"):
            if values.get(name):
                qs = qs.filter(**{name: values[name]})
        if values.get("date_from"):
            qs = qs.filter(submitted_at__gte=_day_start(values["date_from"]))
        if values.get("date_to"):
            qs = qs.filter(submitted_at__lt=_day_start(values["date_to"] + timedelta(days=1)))
        return qs.order_by("-created_at", "-pk")

    @extend_schema(
        request=AuditStartInputSerializer,
        responses={201: AuditDetailSerializer, 400: ERROR_RESPONSE, 403: FORBIDDEN},
        examples=[OpenApiExample("Audit a call", value={"call": 42}, request_only=True),
                  OpenApiExample("Audit a chat with a given scorecard", value={"conversation": 7, "matrix": 3},
                                 request_only=True)],
    )
    def post(self, request: Request) -> Response:
        _require_perm(request.user, "add_audit")
        data = AuditStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call, conversation = _subject(request.user, data.validated_data)
        audit = audit_start(analyst=request.user, call=call, conversation=conversation,
                            matrix=_matrix(data.validated_data["matrix"]),
                            prescore=data.validated_data["prescore"])
        return _detail(request, audit.pk, status.HTTP_201_CREATED)


class AuditDetailApi(APIView):
    """GET: one audit with every answer beside the AI's. PATCH: answers and feedback while it is a draft."""

    @extend_schema(responses=AuditDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)

    @extend_schema(
        request=AuditUpdateInputSerializer,
        responses={200: AuditDetailSerializer, 400: ERROR_RESPONSE, 403: FORBIDDEN},
        examples=[OpenApiExample("Change one answer and write the feedback", request_only=True, value={
            "answers": [{"criterion": 11, "answer": "no", "comment": "No ofreció el siguiente paso",
                         "evidence": "Bueno, eso sería todo.", "evidence_at": 182.5}],
            "feedback": "Buen saludo; recuerda cerrar con una propuesta."})],
    )
    def patch(self, request: Request, pk: int) -> Response:
        audit = audit_get_visible(request.user, pk)
        _require_perm(request.user, "change_audit")
        data = AuditUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        audit_save(audit, by=request.user, answers=_answers(data.validated_data["answers"]),
                   feedback=data.validated_data["feedback"])
        return _detail(request, pk)


class AuditSubmitApi(APIView):
    """The analyst sends the audit to the agent (every criterion answered)."""

    @extend_schema(request=None, responses={200: AuditDetailSerializer, 400: ERROR_RESPONSE, 403: FORBIDDEN})
    def post(self, request: Request, pk: int) -> Response:
        audit = audit_get_visible(request.user, pk)
        _require_perm(request.user, "change_audit")
        audit_submit(audit, by=request.user)
        return _detail(request, pk)


class AuditAcknowledgeApi(APIView):
    """The agent acknowledges their audit, with an optional comment."""

    @extend_schema(request=AcknowledgeInputSerializer,
                   responses={200: AuditDetailSerializer, 400: ERROR_RESPONSE, 403: FORBIDDEN})
    def post(self, request: Request, pk: int) -> Response:
        audit = audit_get_visible(request.user, pk)
        data = AcknowledgeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        audit_acknowledge(audit, by=request.user, comment=data.validated_data["comment"])
        return _detail(request, pk)


class AuditDisputeApi(APIView):
    """The agent disputes their audit, saying why."""

    @extend_schema(request=DisputeInputSerializer,
                   responses={200: AuditDetailSerializer, 400: ERROR_RESPONSE, 403: FORBIDDEN})
    def post(self, request: Request, pk: int) -> Response:
        audit = audit_get_visible(request.user, pk)
        data = DisputeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        audit_dispute(audit, by=request.user, reason=data.validated_data["reason"])
        return _detail(request, pk)


class AuditResolveApi(APIView):
    """A supervisor or an admin resolves a dispute: the audit upheld, or amended with changed answers."""

    @extend_schema(request=ResolveInputSerializer,
                   responses={200: AuditDetailSerializer, 400: ERROR_RESPONSE, 403: FORBIDDEN},
                   examples=[OpenApiExample("Amend one answer", request_only=True, value={
                       "resolution": "amended", "note": "El cliente sí escuchó el aviso de grabación.",
                       "answers": [{"criterion": 9, "answer": "yes"}]})])
    def post(self, request: Request, pk: int) -> Response:
        audit = audit_get_visible(request.user, pk)
        _require_perm(request.user, "change_audit")
        data = ResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        audit_resolve(audit, by=request.user, resolution=values["resolution"], note=values["note"],
                      answers=_answers(values["answers"]))
        return _detail(request, pk)
