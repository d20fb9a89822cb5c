"""Drawing primitives of the local photo maker: colours, and a canvas in relative coordinates (0..1)."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PIL import Image, ImageColor, ImageDraw

RGB = tuple[int, int, int]
Fill = tuple[int, ...] | None
Points = Sequence[tuple[float, float]]


def rgb(color: str) -> RGB:
    return ImageColor.getrgb(color)[:3]  # type: ignore[return-value]


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def rgba(color: RGB, alpha: int) -> tuple[int, int, int, int]:
    return (*color, alpha)


WHITE, INK = (255, 255, 255), (45, 30, 45)
DIMMING = {"day": 0.0, "sunset": 0.2, "night": 0.55}


def dim(color: RGB, time: str) -> RGB:
    return mix(color, (20, 20, 50), DIMMING[time])


class Canvas:
    """Drawing in relative coordinates (0..1) on a square, alpha-blending RGB image."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.image = Image.new("RGB", (size, size))
        self.draw = ImageDraw.Draw(self.image, "RGBA")

    def px(self, value: float) -> int:
        return round(value * self.size)

    def _box(self, cx: float, cy: float, rx: float, ry: float) -> list[int]:
        return [self.px(cx - rx), self.px(cy - ry), self.px(cx + rx), self.px(cy + ry)]

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: Fill = None, outline: Fill = None,
                width: float = 0) -> None:
        self.draw.ellipse(self._box(cx, cy, rx, ry), fill=fill, outline=outline, width=max(1, self.px(width)))

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: Fill, radius: float = 0) -> None:
        self.draw.rounded_rectangle([self.px(x0), self.px(y0), self.px(x1), self.px(y1)], self.px(radius), fill)

    def polygon(self, points: Points, fill: Fill) -> None:
        self.draw.polygon([(self.px(x), self.px(y)) for x, y in points], fill=fill)

    def line(self, points: Points, fill: Fill, width: float) -> None:
        self.draw.line([(self.px(x), self.px(y)) for x, y in points], fill=fill, width=max(1, self.px(width)),
                       joint="curve")

    def arc(self, cx: float, cy: float, rx: float, ry: float, start: float, end: float, fill: Fill,
            width: float) -> None:
        self.draw.arc(self._box(cx, cy, rx, ry), start, end, fill=fill, width=max(1, self.px(width)))

    def chord(self, cx: float, cy: float, rx: float, ry: float, start: float, end: float, fill: Fill) -> None:
        self.draw.chord(self._box(cx, cy, rx, ry), start, end, fill=fill)

    def glow(self, cx: float, cy: float, radius: float, color: RGB, alpha: int = 14, rings: int = 6) -> None:
        for ring in range(rings, 0, -1):
            self.ellipse(cx, cy, radius * ring / rings, radius * ring / rings, fill=rgba(color, alpha))

    def gradient(self, colors: list[RGB], y0: float = 0.0, y1: float = 1.0) -> None:
        steps, top, bottom = 96, self.px(y0), self.px(y1)
        column = Image.new("RGB", (1, steps))
        spans = len(colors) - 1
        column.putdata([mix(colors[min(int(i / steps * spans), spans - 1)],
                             colors[min(int(i / steps * spans), spans - 1) + 1], (i / steps * spans) % 1)
                        for i in range(steps)])
        self.image.paste(column.resize((self.size, max(1, bottom - top)), Image.BILINEAR), (0, top))

    def fill_masked(self, draw_mask: Callable[[ImageDraw.ImageDraw], object], color: RGB) -> None:
        mask = Image.new("L", self.image.size, 0)
        draw_mask(ImageDraw.Draw(mask))
        self.image.paste(color, mask=mask)


def ellipse_points(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, steps: int = 36) -> Points:
    cos_a, sin_a = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return [(cx + rx * math.cos(t) * cos_a - ry * math.sin(t) * sin_a, cy + rx * math.cos(t) * sin_a
             + ry * math.sin(t) * cos_a) for t in (2 * math.pi * i / steps for i in range(steps))]
