"""Moderation over the API: staff act on users and decide appeals; users see their record and appeal."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.api import moderation_serializers as s
from accounts.models import Appeal, ModerationAction, User
from accounts.otp_permissions import IsStaffWithSecondFactor
from accounts.permissions import HasPermission
from accounts.services import moderation, roles
from core.errors import NotFoundError
from core.openapi import error_responses

MODERATOR = [IsAuthenticated, IsStaffWithSecondFactor, HasPermission.of("accounts.moderate_users")]
REVIEWER = [IsAuthenticated, IsStaffWithSecondFactor, HasPermission.of("accounts.review_appeals")]
ROLE_ADMIN = [IsAuthenticated, IsStaffWithSecondFactor, HasPermission.of("accounts.change_roles")]


def _target(user_id) -> User:
    return get_object_or_404(User.objects.all(), pk=user_id)


def _created(action) -> Response:
    return Response(s.StaffModerationActionOutputSerializer(action).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["staff"])
class WarnView(APIView):
    permission_classes = MODERATOR

    @extend_schema(
        request=s.WarnInputSerializer,
        responses={201: s.StaffModerationActionOutputSerializer},
        examples=[OpenApiExample("Warning about a post", value={"reason": "Spam links", "severity": "low"})],
    )
    def post(self, request, user_id):
        data = _validated(s.WarnInputSerializer, request)
        action = moderation.user_warn(
            user=_target(user_id), by=request.user, reason=data["reason"], severity=data["severity"],
            reference=data.get("reference"),
        )  # fmt: skip
        return _created(action)


@extend_schema(tags=["staff"])
class SuspendView(APIView):
    permission_classes = MODERATOR

    @extend_schema(
        request=s.SuspendInputSerializer,
        responses={201: s.StaffModerationActionOutputSerializer},
        examples=[OpenApiExample("A week", value={"reason": "Harassment", "until": "2026-12-01T00:00:00Z"})],
    )
    def post(self, request, user_id):
        data = _validated(s.SuspendInputSerializer, request)
        action = moderation.user_suspend(
            user=_target(user_id), by=request.user, reason=data["reason"], until=data["until"],
            reference=data.get("reference"),
        )  # fmt: skip
        return _created(action)


@extend_schema(tags=["staff"])
class BanView(APIView):
    permission_classes = MODERATOR

    @extend_schema(
        request=s.BanInputSerializer,
        responses={201: s.StaffModerationActionOutputSerializer, **error_responses(409)},
        examples=[OpenApiExample("Ban", value={"reason": "Repeated fraud"})],
    )
    def post(self, request, user_id):
        data = _validated(s.BanInputSerializer, request)
        action = moderation.user_ban(
            user=_target(user_id), by=request.user, reason=data["reason"], reference=data.get("reference")
        )
        return _created(action)


@extend_schema(tags=["staff"])
class UserModerationActionsView(ListAPIView):
    permission_classes = MODERATOR
    serializer_class = s.StaffModerationActionOutputSerializer

    def get_queryset(self):
        return selectors.moderation_actions_of(user=_target(self.kwargs["user_id"])).select_related("created_by")


@extend_schema(tags=["staff"])
class LiftView(APIView):
    permission_classes = MODERATOR

    @extend_schema(
        request=s.ReasonInputSerializer,
        responses={200: s.StaffModerationActionOutputSerializer, **error_responses(409)},
        examples=[OpenApiExample("Lift", value={"reason": "Issued in error"})],
    )
    def post(self, request, action_id):
        data = _validated(s.ReasonInputSerializer, request)
        action = get_object_or_404(ModerationAction, pk=action_id)
        action = moderation.moderation_action_lift(action=action, by=request.user, reason=data["reason"])
        return Response(s.StaffModerationActionOutputSerializer(action).data)


@extend_schema(tags=["staff"], parameters=[OpenApiParameter("status", enum=Appeal.Status.values, required=False)])
class AppealQueueView(ListAPIView):
    permission_classes = REVIEWER
    serializer_class = s.StaffAppealOutputSerializer

    def get_queryset(self):
        wanted = self.request.query_params.get("status")
        return selectors.appeals_for_review(status=wanted if wanted in Appeal.Status.values else None)


@extend_schema(tags=["staff"])
class AppealDecisionView(APIView):
    permission_classes = REVIEWER

    @extend_schema(
        request=s.AppealDecisionInputSerializer,
        responses={200: s.StaffAppealOutputSerializer, **error_responses(409)},
        examples=[OpenApiExample("Accept", value={"accept": True, "reason": "The post was satire."})],
    )
    def post(self, request, appeal_id):
        data = _validated(s.AppealDecisionInputSerializer, request)
        appeal = get_object_or_404(Appeal, pk=appeal_id)
        appeal = moderation.appeal_decide(appeal=appeal, by=request.user, accept=data["accept"], reason=data["reason"])
        return Response(s.StaffAppealOutputSerializer(appeal).data)


@extend_schema(tags=["staff"])
class RoleView(APIView):
    permission_classes = ROLE_ADMIN

    @extend_schema(request=s.RoleChangeInputSerializer, responses={200: None})
    def put(self, request, user_id, role):
        data = _validated(s.RoleChangeInputSerializer, request)
        changed = roles.role_grant(user=_target(user_id), role=role, by=request.user, reason=data["reason"])
        return Response({"role": role, "granted": True, "changed": changed})

    @extend_schema(request=s.RoleChangeInputSerializer, responses={200: None})
    def delete(self, request, user_id, role):
        data = _validated(s.RoleChangeInputSerializer, request)
        changed = roles.role_revoke(user=_target(user_id), role=role, by=request.user, reason=data["reason"])
        return Response({"role": role, "granted": False, "changed": changed})


@extend_schema(tags=["accounts"])
class MyModerationActionsView(ListAPIView):
    """The caller's own warnings, suspensions and bans."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.ModerationActionOutputSerializer

    def get_queryset(self):
        return selectors.moderation_actions_of(user=self.request.user)


@extend_schema(tags=["accounts"])
class AppealCreateView(APIView):
    """Appeal an action: signed in as its target, or with the ``appeal_token`` a refused login returned."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=s.AppealInputSerializer,
        responses={201: s.AppealOutputSerializer, **error_responses(409)},
        examples=[OpenApiExample("Appeal", value={"action": "0193b0a8-...", "message": "I did not post that."})],
    )
    def post(self, request):
        data = _validated(s.AppealInputSerializer, request)
        action = ModerationAction.objects.select_related("user").filter(pk=data["action"]).first()
        if action is None:
            raise NotFoundError()
        token = data.get("appeal_token")
        if token:
            if not moderation.appeal_token_valid(token=token, action=action):
                raise NotFoundError()
            appellant = action.user
        elif request.user.is_authenticated:
            appellant = request.user
        else:
            raise NotFoundError()
        appeal = moderation.appeal_submit(action=action, user=appellant, message=data["message"])
        return Response(s.AppealOutputSerializer(appeal).data, status=status.HTTP_201_CREATED)


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
