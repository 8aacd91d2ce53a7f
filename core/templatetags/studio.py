"""Template tags of the studio: ``{% chart spec %}`` (see core/dashboard/charts.py)."""

from django import template

register = template.Library()


@register.inclusion_tag("studio/_chart.html")
def chart(spec: dict, height: int = 260) -> dict:
    return {"spec": spec, "height": height, "data_id": f"chart-data-{spec['key']}"}


@register.filter
def duration(seconds) -> str:
    """Seconds as ``m:ss`` or ``h:mm:ss`` (a video's length)."""
    if seconds in (None, ""):
        return "-"
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def watch_time(seconds) -> str:
    """Watch time for people: seconds, minutes or hours with one decimal."""
    value = float(seconds or 0)
    if value < 60:
        return f"{value:.0f} s"
    if value < 3600:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"
