"""Profile and time one home-feed page in-process (Django's test client with a session; no server).

Not collected by the suite (its name): run it by hand, ``pytest tests/social/prof_home_feed.py -s
-p no:cacheprovider`` (``N``: timed requests, 200; ``TAG``: names the outputs). Writes the first 5
pages' JSON, the profile (text and pstats) under ``/tmp/feedperf``; see bench/README.md (home_feed,
"Rendering cost")."""

import cProfile
import io
import json
import os
import pstats
import random
import statistics
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from content.models import PostImage
from content.services import posts as post_services
from social.services import graph as services
from tests.content.post_factories import VerifiedUserFactory, make_poll_post, make_post
from tests.content.video_factories import VideoFactory

pytestmark = pytest.mark.django_db

OUT = os.environ.get("FEEDPERF_OUT", "/tmp/feedperf")


def _network():
    rng = random.Random(7)
    viewer = VerifiedUserFactory(handle="viewer")
    authors = [VerifiedUserFactory(handle=f"author{i}", display_name=f"Author {i}") for i in range(50)]
    for a in authors:
        services.follow_create(follower=viewer, followee=a)
    posts = []
    for i in range(300):
        a = rng.choice(authors)
        r = rng.random()
        if r < 0.1 and posts:
            p = post_services.post_repost(user=a, post=rng.choice(posts))
        elif r < 0.2 and posts:
            content = post_services.PostContent(text=f"quote {i} #art")
            p, _ = post_services.post_quote(user=a, post=rng.choice(posts), content=content)
        elif r < 0.27:
            p = make_poll_post(a)
        elif r < 0.32:
            VideoFactory(owner=a)
            continue
        else:
            text = f"post {i} #inktober with @author{rng.randrange(50)}" if r < 0.5 else f"post {i} plain text"
            p = make_post(a, text=text)
            if r > 0.75:
                for pos in range(rng.randrange(1, 4)):
                    PostImage.objects.create(
                        post=p,
                        position=pos,
                        full=f"posts/{p.pk}/{pos}-full.webp",
                        feed=f"posts/{p.pk}/{pos}-feed.webp",
                        width=2048,
                        height=1536,
                        alt_text="alt",
                    )
        posts.append(p)
    return viewer


def test_profile_home_feed():
    os.makedirs(OUT, exist_ok=True)
    viewer = _network()
    client = Client()
    client.force_login(viewer)
    url = "/api/v1/feed/home/"
    pages = []
    cursor = None
    for _ in range(5):
        r = client.get(url, {"page_size": 20, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.content[:300]
        pages.append(r.json())
        cursor = r.json()["next_cursor"]
    tag = os.environ.get("TAG", "run")
    with open(f"{OUT}/pages-{tag}.json", "w") as f:
        json.dump(pages, f, indent=1, sort_keys=True)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    print("queries per page:", len(ctx.captured_queries))
    for q in ctx.captured_queries:
        print("  ", q["sql"][:120])
    for _ in range(20):
        client.get(url)
    times = []
    for _ in range(int(os.environ.get("N", "200"))):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p99 = times[max(int(len(times) * 0.99) - 1, 0)]
    mean, p50 = statistics.mean(times), statistics.median(times)
    print(f"\n{tag}: n={len(times)} mean={mean:.2f} p50={p50:.2f} p99={p99:.2f} ms")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(30):
        client.get(url)
    prof.disable()
    prof.dump_stats(f"{OUT}/prof-{tag}.pstats")
    s = io.StringIO()
    st = pstats.Stats(prof, stream=s)
    st.sort_stats("cumulative").print_stats(60)
    st.sort_stats("tottime").print_stats(40)
    with open(f"{OUT}/prof-{tag}.txt", "w") as f:
        f.write(s.getvalue())
