from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.models import Appeal, ModerationAction


class ReferenceSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='"app_label.model", e.g. "content.post".')
    id = serializers.CharField()

    def validate(self, attrs):
        app_label, _, model = attrs["type"].partition(".")
        try:
            content_type = ContentType.objects.get_by_natural_key(app_label, model)
            return content_type.get_object_for_this_type(pk=attrs["id"])
        except (ObjectDoesNotExist, DjangoValidationError, ValueError):
            raise serializers.ValidationError("No such object.", code="invalid_reference") from None


class WarnInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    severity = serializers.ChoiceField(choices=ModerationAction.Severity.choices, default="medium")
    reference = ReferenceSerializer(required=False)


class SuspendInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    until = serializers.DateTimeField()
    reference = ReferenceSerializer(required=False)


class BanInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    reference = ReferenceSerializer(required=False)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RoleChangeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, default="")


class AppealDecisionInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)


class AppealInputSerializer(serializers.Serializer):
    action = serializers.UUIDField()
    message = serializers.CharField(max_length=2000)
    appeal_token = serializers.CharField(required=False, help_text="For suspended or banned users, who cannot log in.")


class AppealOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "action", "message", "status", "decision_reason", "decided_at", "created_at"]
        read_only_fields = fields


class ModerationActionOutputSerializer(serializers.ModelSerializer):
    reference = serializers.SerializerMethodField()
    appeal = serializers.SerializerMethodField()

    class Meta:
        model = ModerationAction
        fields = [
            "id", "kind", "severity", "reason", "reference", "ends_at", "created_at",
            "lifted_at", "lift_reason", "appeal",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reference(self, action) -> dict | None:
        if action.reference_type_id is None:
            return None
        return {
            "type": f"{action.reference_type.app_label}.{action.reference_type.model}",
            "id": action.reference_id,
            "label": action.reference_label,
        }

    def get_appeal(self, action) -> dict | None:
        appeal = getattr(action, "appeal", None)
        return None if appeal is None else {"id": str(appeal.id), "status": appeal.status}


class StaffModerationActionOutputSerializer(ModerationActionOutputSerializer):
    created_by = serializers.CharField(source="created_by.handle", default=None)

    class Meta(ModerationActionOutputSerializer.Meta):
        fields = [*ModerationActionOutputSerializer.Meta.fields, "created_by"]
        read_only_fields = fields


class StaffAppealOutputSerializer(AppealOutputSerializer):
    user = serializers.CharField(source="user.handle")
    action = StaffModerationActionOutputSerializer()

    class Meta(AppealOutputSerializer.Meta):
        fields = [*AppealOutputSerializer.Meta.fields, "user"]
        read_only_fields = fields
