"""Shapes of the reports API (users) and of the staff moderation API. Output serializers are read-only."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from moderation.models import Action, Case, CaseNote, Category, Decision, ModerationLogEntry, Report, Rule, TargetType
from moderation.services.reports import MAX_COMMENT, MAX_RELATED


class TargetInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TargetType.choices)
    id = serializers.UUIDField()


class ReportInputSerializer(serializers.Serializer):
    target = TargetInputSerializer()
    category = serializers.ChoiceField(choices=Category.choices)
    rule = serializers.PrimaryKeyRelatedField(
        queryset=Rule.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text="A rule's id (GET rules/).",
    )
    comment = serializers.CharField(max_length=MAX_COMMENT, required=False, allow_blank=True, default="")
    related = TargetInputSerializer(many=True, required=False, max_length=MAX_RELATED, default=list,
                                    help_text=f"Up to {MAX_RELATED} other items of the same user.")  # fmt: skip


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = ["id", "title", "description"]
        read_only_fields = fields


class TargetOutputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TargetType.choices, source="target_type", read_only=True)
    id = serializers.CharField(source="target_id", read_only=True)


class RelatedOutputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TargetType.choices, read_only=True)
    id = serializers.CharField(read_only=True)


class ReportOutputSerializer(serializers.ModelSerializer):
    """A report as its reporter sees it: what they said and its status, never the decision's details."""

    target = TargetOutputSerializer(source="*", read_only=True)
    rule = RuleSerializer(read_only=True, allow_null=True)
    related = RelatedOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = ["id", "target", "category", "rule", "comment", "related", "status", "created_at", "resolved_at"]
        read_only_fields = fields


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    handle = serializers.CharField(read_only=True)


class CaseListSerializer(serializers.ModelSerializer):
    target = TargetOutputSerializer(source="*", read_only=True)
    target_user = PersonSerializer(read_only=True, allow_null=True)
    assigned_to = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id", "target", "target_label", "target_user", "status", "category", "urgent", "priority",
            "reporters_count", "reach", "assigned_to", "assigned_at", "first_action_at", "resolved_at", "resolution",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class StaffReportSerializer(serializers.ModelSerializer):
    reporter = PersonSerializer(read_only=True, allow_null=True)
    rule = RuleSerializer(read_only=True, allow_null=True)
    related = RelatedOutputSerializer(many=True, read_only=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "reporter", "category", "rule", "comment", "related", "evidence", "status", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_evidence(self, report: Report) -> dict:
        """The snapshot taken at report time (see docs/moderation.md for its keys)."""
        return report.evidence


class NoteSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CaseNote
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    by = PersonSerializer(read_only=True, allow_null=True)
    rule = RuleSerializer(read_only=True, allow_null=True)
    target = TargetOutputSerializer(source="*", read_only=True)
    account_action = serializers.UUIDField(source="account_action_id", read_only=True, allow_null=True)
    effects = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id", "case", "action", "rule", "reason", "by", "target", "days", "hide_chat", "notify_user",
            "account_action", "effects", "reversed_at", "reverse_reason", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_effects(self, decision: Decision) -> dict:
        """What a suspension or ban did in each domain (``access``, ``sockets``, ``streams``...)."""
        return decision.effects


class StrikeSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    lifted_at = serializers.DateTimeField(read_only=True, allow_null=True)


class HistorySerializer(serializers.Serializer):
    account_age_days = serializers.IntegerField(read_only=True, allow_null=True)
    standing = serializers.ChoiceField(choices=["good", "restricted", "suspended", "banned", "gone"], read_only=True)
    reports_against = serializers.IntegerField(read_only=True)
    strikes = StrikeSerializer(many=True, read_only=True)
    earlier_cases = CaseListSerializer(many=True, read_only=True)


class CaseDetailSerializer(serializers.Serializer):
    case = CaseListSerializer(read_only=True)
    reports = StaffReportSerializer(many=True, read_only=True)
    notes = NoteSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    history = HistorySerializer(read_only=True)


class AssignInputSerializer(serializers.Serializer):
    assignee = serializers.UUIDField(
        allow_null=True, help_text="A moderator's id (your own to take it); null unassigns."
    )


class NoteInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ActionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Action.choices)
    reason = serializers.CharField(max_length=2000)
    rule = serializers.PrimaryKeyRelatedField(queryset=Rule.objects.all(), required=False, allow_null=True)
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, allow_null=True,
                                    help_text="For restrict and suspend.")  # fmt: skip
    hide_chat = serializers.BooleanField(default=False, help_text="Suspend and ban: hide the account's chat lines.")
    notify_user = serializers.BooleanField(default=True)


class BulkActionInputSerializer(ActionInputSerializer):
    cases = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=100)


class BulkFailureSerializer(serializers.Serializer):
    case = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    detail = serializers.CharField(read_only=True)


class BulkResultSerializer(serializers.Serializer):
    decisions = DecisionSerializer(many=True, read_only=True)
    failed = BulkFailureSerializer(many=True, read_only=True)


class TargetsActionInputSerializer(ActionInputSerializer):
    targets = TargetInputSerializer(
        many=True,
        min_length=1,
        max_length=100,
        help_text="1 to 100 posts, comments, videos, streams, chat lines or users.",
    )


class TargetFailureSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True)
    id = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    detail = serializers.CharField(read_only=True)


class TargetsResultSerializer(serializers.Serializer):
    decisions = DecisionSerializer(many=True, read_only=True)
    failed = TargetFailureSerializer(many=True, read_only=True)


class ReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class LogEntrySerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)
    target_user = PersonSerializer(read_only=True, allow_null=True)
    before = serializers.SerializerMethodField()
    after = serializers.SerializerMethodField()
    details = serializers.SerializerMethodField()

    class Meta:
        model = ModerationLogEntry
        fields = [
            "id", "created_at", "actor", "source", "action", "target_type", "target_id", "target_user", "case_id",
            "decision_id", "rule", "reason", "before", "after", "details",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_before(self, entry) -> dict:
        return entry.before

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_after(self, entry) -> dict:
        return entry.after

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_details(self, entry) -> dict:
        return entry.details


class PendingWorkSerializer(serializers.Serializer):
    open_cases = serializers.IntegerField(read_only=True)
    unassigned = serializers.IntegerField(read_only=True)
    urgent = serializers.IntegerField(read_only=True)


class MonthlyFiguresSerializer(serializers.Serializer):
    month = serializers.DateField(read_only=True)
    reports_total = serializers.IntegerField(read_only=True)
    reports_by_category = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    median_seconds_to_first_action = serializers.FloatField(read_only=True, allow_null=True)
    actions_by_type = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    appeals_upheld = serializers.IntegerField(read_only=True)
    appeals_overturned = serializers.IntegerField(read_only=True)
