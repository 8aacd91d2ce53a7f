"""The moderation log is append-only in the database; moderators and admins get moderation's
permissions; the platform starts with a few rules and presets (managed in the admin after)."""

from django.db import migrations

from accounts.roles import grant_role_permissions

CREATE = """
CREATE FUNCTION moderation_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the moderation log is append-only: entries cannot be deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.id, NEW.created_at, NEW.source, NEW.action, NEW.target_type, NEW.target_id, NEW.case_id,
        NEW.decision_id, NEW.rule, NEW.reason, NEW.before, NEW.after, NEW.details, NEW.extra_metadata)
           IS DISTINCT FROM
       (OLD.id, OLD.created_at, OLD.source, OLD.action, OLD.target_type, OLD.target_id, OLD.case_id,
        OLD.decision_id, OLD.rule, OLD.reason, OLD.before, OLD.after, OLD.details, OLD.extra_metadata)
       OR (NEW.actor_id IS DISTINCT FROM OLD.actor_id AND NEW.actor_id IS NOT NULL)
       OR (NEW.target_user_id IS DISTINCT FROM OLD.target_user_id AND NEW.target_user_id IS NOT NULL) THEN
        RAISE EXCEPTION 'the moderation log is append-only: entries cannot be changed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER moderation_log_append_only
    BEFORE UPDATE OR DELETE ON moderation_moderationlogentry
    FOR EACH ROW EXECUTE FUNCTION moderation_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS moderation_log_append_only ON moderation_moderationlogentry;
DROP FUNCTION IF EXISTS moderation_log_append_only();
"""

RULES = [
    (1, "No spam", "No unsolicited advertising, scams, or repetitive posting meant to game the platform."),
    (2, "No harassment or hate", "No targeted harassment, threats, or attacks on people for who they are."),
    (3, "No violence or self-harm promotion", "No content that threatens, glorifies or encourages violence or self-harm."),
    (4, "Label adult content", "Sexual content involving adults must be marked sensitive; nothing involving minors, ever."),
    (5, "Be who you say you are", "No impersonation of people, brands or organisations."),
    (6, "Respect intellectual property", "Post only what you have the right to share."),
    (7, "No illegal goods or services", "No selling or promoting weapons, drugs or other illegal goods."),
]
PRESETS = [
    ("Spam: remove", "remove", 1, "Spam removed."),
    ("Unlabelled adult content: mark sensitive", "mark_sensitive", 4, "Adult content must carry a sensitive label."),
    ("Harassment: warn", "warn", 2, "Harassing other users breaks our rules."),
    ("Repeated harassment: suspend 7 days", "suspend", 2, "Repeated harassment after a warning."),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("moderation", "Rule")
    ActionPreset = apps.get_model("moderation", "ActionPreset")
    rules = {}
    for position, title, description in RULES:
        rules[position], _ = Rule.objects.get_or_create(
            title=title, defaults={"position": position, "description": description}
        )
    for label, action, rule, reason in PRESETS:
        ActionPreset.objects.get_or_create(
            label=label,
            defaults={"action": action, "rule": rules[rule], "reason": reason, "days": 7 if action == "suspend" else None},
        )


def grant(apps, schema_editor):
    grant_role_permissions(apps, "moderation")


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial"), ("accounts", "0012_moderation_restrictions")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
