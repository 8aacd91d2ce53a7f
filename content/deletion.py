"""What the account purge does with content: a purged account's posts and videos go, files too.

The account itself stays as a tombstone (accounts/deletion.py), so nothing cascades from it:
each kind of content is removed here, before accounts' own step.
"""

from accounts.deletion import PurgeStep, register
from content.models import Post, Video
from content.services.posts import posts_purge_of_author
from content.services.videos import videos_purge_of_owner


def purge_content(user) -> list[PurgeStep]:
    steps = []
    posts = Post.all_objects.filter(author=user).count()
    if posts:
        steps.append(PurgeStep(f"delete {posts} posts with their images", lambda: posts_purge_of_author(user=user)))
    videos = Video.all_objects.filter(owner=user).count()
    if videos:
        steps.append(PurgeStep(f"delete {videos} videos with their files", lambda: videos_purge_of_owner(user=user)))
    return steps


register("content", purge_content)
