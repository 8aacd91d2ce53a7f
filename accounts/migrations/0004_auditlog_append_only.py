"""The database refuses to change or delete audit log entries.

One update stays allowed: clearing actor_id or target_user_id, which is what ON DELETE SET
NULL does when an account is removed for good. Everything else about an entry is fixed.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION accounts_auditlogentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit log is append-only: entries cannot be deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.id, NEW.created_at, NEW.action, NEW.reason, NEW.details, NEW.extra_metadata)
           IS DISTINCT FROM (OLD.id, OLD.created_at, OLD.action, OLD.reason, OLD.details, OLD.extra_metadata)
       OR (NEW.actor_id IS DISTINCT FROM OLD.actor_id AND NEW.actor_id IS NOT NULL)
       OR (NEW.target_user_id IS DISTINCT FROM OLD.target_user_id AND NEW.target_user_id IS NOT NULL) THEN
        RAISE EXCEPTION 'the audit log is append-only: entries cannot be changed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_auditlogentry_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditlogentry
    FOR EACH ROW EXECUTE FUNCTION accounts_auditlogentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_auditlogentry_append_only ON accounts_auditlogentry;
DROP FUNCTION IF EXISTS accounts_auditlogentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_moderation")]

    operations = [migrations.RunSQL(CREATE, DROP)]
