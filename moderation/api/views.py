"""Reports for users (``/api/v1/reports/``) and the staff moderation API (``/api/v1/staff/moderation/``)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.otp_permissions import IsStaffWithSecondFactor
from accounts.permissions import HasPermission, IsEmailVerified
from core.errors import ApplicationError
from core.openapi import error_responses
from core.pagination import CursorPagination
from moderation import selectors
from moderation.api import serializers as s
from moderation.models import Case, Decision, ModerationLogEntry
from moderation.services import actions, cases, reports

MODERATOR = [IsAuthenticated, IsStaffWithSecondFactor, HasPermission.of("moderation.handle_cases")]
STATS = [IsAuthenticated, IsStaffWithSecondFactor, HasPermission.of("moderation.view_moderation_stats")]
API = ModerationLogEntry.Source.API


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(tags=["reports"])
class ReportListCreateView(ListAPIView):
    """Report a user, post, comment, video, live stream or chat message; list your own reports."""

    permission_classes = [IsAuthenticated, IsEmailVerified]
    serializer_class = s.ReportOutputSerializer

    def get_queryset(self):
        return selectors.reports_of_reporter(reporter=self.request.user)

    @extend_schema(
        request=s.ReportInputSerializer,
        responses={
            201: s.ReportOutputSerializer,
            200: s.ReportOutputSerializer,
            **error_responses(409, 429),
        },
        description=(
            "201 with a new report; 200 with your earlier open report on the same target (nothing changes). "
            "400 `cannot_report_self`, `related_not_same_user`, `invalid_choice` (category), `max_length` "
            "(comment over 1000 characters, more than 5 related items); 404 (or 403 `followers_only`/"
            "`subscribers_only` for streams) when you cannot see the target, as its own endpoint answers; "
            "429 `report_rate_limited` with `Retry-After`; 409 `conflict` only if opening the target's case "
            "lost a race twice (try again)."
        ),
        examples=[
            OpenApiExample(
                "A harassing comment",
                value={
                    "target": {"type": "comment", "id": "0193b0a8-7c1e-7e4b-9d3c-5f2a1b0c9d8e"},
                    "category": "harassment",
                    "comment": "Keeps replying to insult me.",
                    "related": [{"type": "post", "id": "0193b0a8-7c1e-7e4b-9d3c-5f2a1b0c9d8f"}],
                },
            )
        ],
    )
    def post(self, request):
        data = _validated(s.ReportInputSerializer, request)
        report, created = reports.report_create(
            reporter=request.user,
            target_type=data["target"]["type"],
            target_id=data["target"]["id"],
            category=data["category"],
            rule=data.get("rule"),
            comment=data["comment"],
            related=[reports.RelatedItem(type=item["type"], id=item["id"]) for item in data["related"]],
        )
        return Response(
            s.ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(tags=["reports"])
class RuleListView(ListAPIView):
    """The platform's rules, to cite in a report."""

    permission_classes = [AllowAny]
    serializer_class = s.RuleSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.rules_active()


class QueuePagination(CursorPagination):
    ordering = ("-priority", "created_at")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema(
    tags=["staff"],
    parameters=[
        OpenApiParameter("status", enum=Case.Status.values, required=False, description="Default: open."),
        OpenApiParameter("assigned", enum=["me", "none"], required=False),
    ],
)
class CaseQueueView(ListAPIView):
    """The queue: cases by priority (urgent ones first), oldest first among equals."""

    permission_classes = MODERATOR
    serializer_class = s.CaseListSerializer
    pagination_class = QueuePagination

    def get_queryset(self):
        params = self.request.query_params
        wanted = params.get("status")
        assigned = params.get("assigned")
        return selectors.case_queue(
            status=wanted if wanted in Case.Status.values else Case.Status.OPEN,
            assigned_to_id=self.request.user.pk if assigned == "me" else None,
            unassigned=assigned == "none",
        )


def _case(case_id) -> Case:
    return get_object_or_404(Case.objects.select_related("target_user"), pk=case_id)


def _detail(case: Case) -> dict:
    history = selectors.target_history(case=case)
    return s.CaseDetailSerializer(
        {
            "case": selectors.case_get(case_id=case.pk),
            "reports": selectors.case_reports(case=case),
            "notes": list(case.notes.select_related("author")),
            "decisions": selectors.case_decisions(case=case),
            "history": history,
        }
    ).data


@extend_schema(tags=["staff"])
class CaseDetailView(APIView):
    """One case: its reports with their frozen evidence, notes, decisions, and the account's history."""

    permission_classes = MODERATOR

    @extend_schema(responses={200: s.CaseDetailSerializer})
    def get(self, request, case_id):
        return Response(_detail(_case(case_id)))


@extend_schema(tags=["staff"])
class CaseAssignView(APIView):
    permission_classes = MODERATOR

    @extend_schema(
        request=s.AssignInputSerializer,
        responses={200: s.CaseListSerializer, **error_responses(409)},
        description="400 `invalid_assignee` (not a moderator, or unknown); 409 `case_closed`.",
    )
    def post(self, request, case_id):
        data = _validated(s.AssignInputSerializer, request)
        assignee = None
        if data["assignee"] is not None:
            assignee = User.objects.filter(pk=data["assignee"]).first()
            if assignee is None:
                raise ApplicationError("No such moderator.", code="invalid_assignee")
        case = cases.case_assign(case=_case(case_id), by=request.user, assignee=assignee, source=API)
        return Response(s.CaseListSerializer(selectors.case_get(case_id=case.pk)).data)


@extend_schema(tags=["staff"])
class CaseNoteView(APIView):
    permission_classes = MODERATOR

    @extend_schema(request=s.NoteInputSerializer, responses={201: s.NoteSerializer})
    def post(self, request, case_id):
        data = _validated(s.NoteInputSerializer, request)
        note = cases.case_note_add(case=_case(case_id), by=request.user, text=data["text"])
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)


def _act(case: Case, request, data: dict) -> Decision:
    return actions.case_act(
        case=case, by=request.user, action=data["action"], reason=data["reason"], rule=data.get("rule"),
        days=data.get("days"), hide_chat=data["hide_chat"], notify_user=data["notify_user"], source=API,
    )  # fmt: skip


@extend_schema(tags=["staff"])
class CaseActionView(APIView):
    """Act on a case (the same actions as the admin): dismiss, remove, mark_sensitive, warn, restrict, suspend, ban."""

    permission_classes = MODERATOR

    @extend_schema(
        request=s.ActionInputSerializer,
        responses={201: s.DecisionSerializer, **error_responses(409)},
        description=(
            "400 `reason_required`, `action_not_applicable` (remove on a user, mark_sensitive on other than posts "
            "and videos), `invalid_days` (restrict and suspend need 1 to 365); 403 `not_allowed` (staff targets, "
            "for moderators); 409 `case_closed`, `target_gone`, `stream_not_live`, `already_banned`."
        ),
        examples=[
            OpenApiExample(
                "Suspend a week",
                value={"action": "suspend", "reason": "Repeated harassment", "days": 7, "hide_chat": True},
            )
        ],
    )
    def post(self, request, case_id):
        data = _validated(s.ActionInputSerializer, request)
        decision = _act(_case(case_id), request, data)
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["staff"])
class BulkActionView(APIView):
    """The same action on up to 100 cases; each case succeeds or fails on its own."""

    permission_classes = MODERATOR

    @extend_schema(request=s.BulkActionInputSerializer, responses={200: s.BulkResultSerializer})
    def post(self, request):
        data = _validated(s.BulkActionInputSerializer, request)
        done, failed = [], []
        found = {str(case.pk): case for case in Case.objects.filter(pk__in=data["cases"])}
        for case_id in dict.fromkeys(str(pk) for pk in data["cases"]):
            case = found.get(case_id)
            if case is None:
                failed.append({"case": case_id, "code": "not_found", "detail": "No such case."})
                continue
            try:
                done.append(_act(case, request, data))
            except ApplicationError as error:
                failed.append({"case": case_id, "code": error.code, "detail": error.message})
        return Response(s.BulkResultSerializer({"decisions": done, "failed": failed}).data)


@extend_schema(tags=["staff"])
class TargetsActionView(APIView):
    """The admin's bulk actions from its content lists: the same action on up to 100 targets."""

    permission_classes = MODERATOR

    @extend_schema(
        request=s.TargetsActionInputSerializer,
        responses={200: s.TargetsResultSerializer},
        description=(
            "Each target goes through its open case, or a case opened for it (no reports), and the same "
            "service as `cases/<id>/actions/`: checks, effects, the user notified unless `notify_user` is false, "
            "one log entry each. `dismiss` is not offered here. Account actions (warn, restrict, suspend, ban) act "
            "once per account: later targets of the same account fail with `same_account`. Each target succeeds "
            "or fails on its own; `failed` carries the code its own request would get (`not_found`, "
            "`action_not_applicable`, `stream_not_live`, `already_banned`, `not_allowed`, ...). 400 "
            "`reason_required`, `min_length`/`max_length` (1 to 100 targets)."
        ),
        examples=[
            OpenApiExample(
                "Remove two posts",
                value={"action": "remove", "reason": "Link farm", "notify_user": True,
                       "targets": [{"type": "post", "id": "01a24cb9-233a-759d-911b-390394b3e097"},
                                   {"type": "post", "id": "01a24cb9-233a-759d-911b-390394b3e098"}]},
                request_only=True,
            )
        ],
    )  # fmt: skip
    def post(self, request):
        data = _validated(s.TargetsActionInputSerializer, request)
        targets = list(dict.fromkeys((item["type"], str(item["id"])) for item in data["targets"]))
        done, failed = actions.targets_act(
            targets=targets, by=request.user, action=data["action"], reason=data["reason"], rule=data.get("rule"),
            days=data.get("days"), hide_chat=data["hide_chat"], notify_user=data["notify_user"], source=API,
        )  # fmt: skip
        return Response(s.TargetsResultSerializer({"decisions": done, "failed": failed}).data)


@extend_schema(tags=["staff"])
class DecisionReverseView(APIView):
    """Undo a decision; the user is told."""

    permission_classes = MODERATOR

    @extend_schema(
        request=s.ReverseInputSerializer,
        responses={200: s.DecisionSerializer, **error_responses(409)},
        description="409 `already_reversed`, `not_reversible` (a dismissal).",
    )
    def post(self, request, decision_id):
        data = _validated(s.ReverseInputSerializer, request)
        decision = get_object_or_404(Decision, pk=decision_id)
        decision = actions.decision_reverse(decision=decision, by=request.user, reason=data["reason"], source=API)
        return Response(s.DecisionSerializer(decision).data)


@extend_schema(
    tags=["staff"],
    parameters=[
        OpenApiParameter("moderator", OpenApiTypes.UUID, required=False),
        OpenApiParameter("target_user", OpenApiTypes.UUID, required=False),
        OpenApiParameter("action", str, required=False, description="e.g. suspend, remove, chat_delete"),
    ],
)
class LogView(ListAPIView):
    """The moderation log, newest first."""

    permission_classes = MODERATOR
    serializer_class = s.LogEntrySerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.log_entries(
            moderator_id=_uuid_or_none(params.get("moderator")),
            target_user_id=_uuid_or_none(params.get("target_user")),
            action=(params.get("action") or "")[:32] or None,
        )


def _uuid_or_none(value):
    import uuid

    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApplicationError("Not an id.", code="invalid_filter") from None


@extend_schema(tags=["staff"])
class PendingWorkView(APIView):
    permission_classes = MODERATOR

    @extend_schema(responses={200: s.PendingWorkSerializer})
    def get(self, request):
        return Response(s.PendingWorkSerializer(selectors.pending_work_counts()).data)


@extend_schema(
    tags=["staff"],
    parameters=[OpenApiParameter("month", str, required=False, description="YYYY-MM; default this month.")],
)
class StatsView(APIView):
    permission_classes = STATS

    @extend_schema(responses={200: s.MonthlyFiguresSerializer}, description="400 `invalid_month`.")
    def get(self, request):
        month = _month(request.query_params.get("month"))
        return Response(s.MonthlyFiguresSerializer(selectors.monthly_figures(month=month)).data)


def _month(value: str | None) -> dt.date:
    if not value:
        return timezone.now().date().replace(day=1)
    try:
        parsed = dt.date.fromisoformat(f"{value}-01") if len(value) == 7 else None
    except ValueError:
        raise ApplicationError("month is YYYY-MM.", code="invalid_month") from None
    if parsed is None or not 2000 <= parsed.year <= 2100:
        raise ApplicationError("month is YYYY-MM.", code="invalid_month")
    return parsed
