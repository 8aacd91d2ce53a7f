"""The hashtag feed reads an index of ids per tag (``content_hashtagitem``), kept by triggers on
the posts' and videos' tag arrays, filled here from the rows already there (docs/social.md,
"The hashtag feed query")."""

from django.db import migrations, models

ITEMS = """
CREATE FUNCTION content_hashtagitems_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_tags varchar[];
    new_tags varchar[];
BEGIN
    IF TG_ARGV[0] = 'post' THEN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN old_tags := OLD.hashtags; END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN new_tags := NEW.hashtags; END IF;
    ELSE
        IF TG_OP IN ('DELETE', 'UPDATE') THEN old_tags := OLD.tags; END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN new_tags := NEW.tags; END IF;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM content_hashtagitem
        WHERE tag = ANY(old_tags) AND kind = TG_ARGV[0] AND item_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO content_hashtagitem (tag, kind, item_id)
            SELECT DISTINCT tag, TG_ARGV[0], NEW.id FROM unnest(new_tags) AS tag WHERE tag IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION content_hashtagitems_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM content_hashtagitem WHERE kind = TG_ARGV[0];
    RETURN NULL;
END $$;
CREATE TRIGGER content_post_hashtagitems AFTER INSERT OR DELETE ON content_post
    FOR EACH ROW EXECUTE FUNCTION content_hashtagitems_apply('post');
CREATE TRIGGER content_post_hashtagitems_update AFTER UPDATE OF hashtags ON content_post
    FOR EACH ROW WHEN (OLD.hashtags IS DISTINCT FROM NEW.hashtags) EXECUTE FUNCTION content_hashtagitems_apply('post');
CREATE TRIGGER content_post_hashtagitems_truncate AFTER TRUNCATE ON content_post
    FOR EACH STATEMENT EXECUTE FUNCTION content_hashtagitems_truncate('post');
CREATE TRIGGER content_video_hashtagitems AFTER INSERT OR DELETE ON content_video
    FOR EACH ROW EXECUTE FUNCTION content_hashtagitems_apply('video');
CREATE TRIGGER content_video_hashtagitems_update AFTER UPDATE OF tags ON content_video
    FOR EACH ROW WHEN (OLD.tags IS DISTINCT FROM NEW.tags) EXECUTE FUNCTION content_hashtagitems_apply('video');
CREATE TRIGGER content_video_hashtagitems_truncate AFTER TRUNCATE ON content_video
    FOR EACH STATEMENT EXECUTE FUNCTION content_hashtagitems_truncate('video');
INSERT INTO content_hashtagitem (tag, kind, item_id)
    SELECT DISTINCT tag, 'post', p.id FROM content_post p, unnest(p.hashtags) AS tag WHERE tag IS NOT NULL;
INSERT INTO content_hashtagitem (tag, kind, item_id)
    SELECT DISTINCT tag, 'video', v.id FROM content_video v, unnest(v.tags) AS tag WHERE tag IS NOT NULL;
ANALYZE content_hashtagitem;
"""
ITEMS_REVERSE = """
DROP TRIGGER content_post_hashtagitems ON content_post;
DROP TRIGGER content_post_hashtagitems_update ON content_post;
DROP TRIGGER content_post_hashtagitems_truncate ON content_post;
DROP TRIGGER content_video_hashtagitems ON content_video;
DROP TRIGGER content_video_hashtagitems_update ON content_video;
DROP TRIGGER content_video_hashtagitems_truncate ON content_video;
DROP FUNCTION content_hashtagitems_apply();
DROP FUNCTION content_hashtagitems_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("content", "0006_post_minimum_tier")]

    operations = [
        migrations.CreateModel(
            name="HashtagItem",
            fields=[
                ("pk", models.CompositePrimaryKey("tag", "kind", "item_id", blank=True, editable=False, primary_key=True, serialize=False)),
                ("tag", models.CharField(max_length=100)),
                ("kind", models.CharField(max_length=5)),
                ("item_id", models.UUIDField()),
            ],
        ),
        migrations.RunSQL(ITEMS, ITEMS_REVERSE),
    ]
