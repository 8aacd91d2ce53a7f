"""Inline SVG charts for the studio (no chart library, nothing from a CDN)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 560, 160, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str


def bar_chart(*, values: list[float], labels: list[str]) -> dict:
    """Bars scaled to the largest value; each bar carries its value and label for a tooltip."""
    top = max(values, default=0) or 1
    slot = (WIDTH - 2 * PAD) / max(len(values), 1)
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        height = (HEIGHT - 2 * PAD) * value / top
        bars.append(Bar(x=PAD + index * slot + 1, y=HEIGHT - PAD - height, width=max(slot - 2, 1), height=height,
                        value=value, label=label))  # fmt: skip
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "top": top, "total": sum(values)}


def line_chart(*, values: list[float], labels: list[str], maximum: float = 100.0) -> dict:
    """A polyline over 0..maximum (the retention curve, in percent)."""
    if not values:
        return {"width": WIDTH, "height": HEIGHT, "points": "", "dots": []}
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    dots = [
        {"x": round(PAD + i * step, 1), "y": round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / maximum, 1), "value": v,
         "label": label}
        for i, (v, label) in enumerate(zip(values, labels, strict=True))
    ]  # fmt: skip
    return {"width": WIDTH, "height": HEIGHT, "points": " ".join(f"{d['x']},{d['y']}" for d in dots), "dots": dots}
