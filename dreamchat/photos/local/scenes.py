"""The backgrounds of the local photo maker: sky, sun or moon, and one drawn scene per place (beach, city, café...)."""
from __future__ import annotations

import math
import random
from collections.abc import Callable

from dreamchat.photos.local.canvas import INK, RGB, WHITE, Canvas, dim, ellipse_points, mix, rgb, rgba
from dreamchat.photos.local.look import Look

SKIES: dict[str, tuple[str, ...]] = {
    "day": ("#5fa8ea", "#9fd0f5", "#d9effb"), "sunset": ("#3f3a8c", "#b4558d", "#ff8f6b", "#ffd59a"),
    "night": ("#070b24", "#17204f", "#2f3670"),
}


def _sky(canvas: Canvas, time: str, tint: RGB, bottom: float) -> None:
    canvas.gradient([mix(rgb(c), tint, 0.12) for c in SKIES[time]], 0.0, bottom)


def _sky_objects(canvas: Canvas, rng: random.Random, time: str, sky_bottom: float) -> float:
    """Stars and moon, or sun and clouds; returns the x of the moon or sun."""
    if time == "night":
        for _ in range(70):
            x, y, r = rng.random(), rng.random() * sky_bottom, rng.uniform(0.001, 0.0035)
            canvas.ellipse(x, y, r, r, fill=rgba(WHITE, rng.randint(120, 255)))
        for _ in range(4):
            x, y, r = rng.uniform(0.05, 0.95), rng.uniform(0.03, sky_bottom * 0.6), rng.uniform(0.008, 0.014)
            canvas.glow(x, y, r * 2, (255, 244, 200), 30, 3)
            canvas.polygon([(x - r, y), (x, y - r * 0.18), (x + r, y), (x, y + r * 0.18)], (255, 250, 225))
            canvas.polygon([(x, y - r), (x + r * 0.18, y), (x, y + r), (x - r * 0.18, y)], (255, 250, 225))
        mx, my = rng.choice((0.16, 0.82)), 0.15
        canvas.glow(mx, my, 0.14, (255, 240, 200), 5, 14)
        canvas.fill_masked(lambda d: (d.ellipse(canvas._box(mx, my, 0.055, 0.055), fill=255),
                                      d.ellipse(canvas._box(mx + 0.028, my - 0.018, 0.05, 0.05), fill=0)),
                           (255, 241, 196))
        return mx
    sun_x, sun_y = rng.choice((0.15, 0.2, 0.8, 0.85)), (0.14 if time == "day" else sky_bottom - 0.06)
    sun = (255, 246, 205) if time == "day" else (255, 196, 120)
    canvas.glow(sun_x, sun_y, 0.18, sun, 7, 16)
    canvas.ellipse(sun_x, sun_y, 0.055, 0.055, fill=sun)
    for _ in range(rng.randint(2, 3)):
        cx, cy, w = rng.uniform(0.05, 0.95), rng.uniform(0.06, sky_bottom * 0.55), rng.uniform(0.06, 0.1)
        color = (246, 249, 253) if time == "day" else mix((255, 205, 200), rgb(SKIES[time][1]), 0.3)
        for dx, dy, r in ((-w, 0.012, 0.45), (-w * 0.35, -0.01, 0.7), (w * 0.35, 0.0, 0.6), (w, 0.015, 0.4)):
            canvas.ellipse(cx + dx, cy + dy, w * r, w * r * 0.75, fill=color)
    return sun_x


def _scene_beach(canvas: Canvas, rng: random.Random, time: str, look: Look) -> None:
    horizon = 0.56
    _sky(canvas, time, look.palette[1], horizon)
    light_x = _sky_objects(canvas, rng, time, horizon)
    sea = {"day": ("#2a8fd0", "#6fd0e6"), "sunset": ("#5a4a92", "#e08a86"), "night": ("#0e1a45", "#23346e")}[time]
    canvas.gradient([rgb(sea[0]), rgb(sea[1])], horizon, 0.8)
    for row in range(7):
        y = horizon + 0.02 + row * 0.03
        for _ in range(3 + row):
            x, w = rng.random(), rng.uniform(0.02, 0.05) * (1 + row * 0.2)
            canvas.arc(x, y, w, w * 0.25, 200, 340, rgba(WHITE, 70 + row * 12), 0.003)
    if time != "day":
        for row in range(9):
            half, y = 0.06 - row * 0.005, horizon + 0.008 + row * 0.02
            canvas.rect(light_x - half, y, light_x + half, y + 0.006, rgba((255, 226, 170), 150 - row * 12), 0.003)
    if rng.random() < 0.7:
        bx = rng.choice((0.12, 0.86))
        canvas.polygon([(bx, horizon - 0.055), (bx, horizon - 0.008), (bx + 0.03, horizon - 0.008)], (250, 250, 245))
        canvas.polygon([(bx - 0.03, horizon - 0.006), (bx + 0.04, horizon - 0.006), (bx + 0.03, horizon + 0.004),
                        (bx - 0.02, horizon + 0.004)], mix(look.palette[0], INK, 0.2))
    canvas.gradient([dim((246, 222, 172), time), dim((232, 196, 136), time)], 0.78, 1.0)
    foam = [(x / 20, 0.78 + 0.008 * math.sin(x * 1.7 + rng.random())) for x in range(21)]
    canvas.polygon(foam + [(1.0, 0.77), (0.0, 0.77)], rgba(dim(WHITE, time), 200))
    for _ in range(2):
        gx, gy = rng.uniform(0.05, 0.3) + rng.choice((0, 0.62)), rng.uniform(0.2, 0.33)
        canvas.line([(gx - 0.02, gy - 0.008), (gx, gy), (gx + 0.02, gy - 0.008)], rgba(INK, 150), 0.003)


def _scene_city(canvas: Canvas, rng: random.Random, time: str, look: Look) -> None:
    _sky(canvas, time, look.palette[1], 0.9)
    _sky_objects(canvas, rng, time, 0.5)
    night = time == "night"
    for layer, (base, top) in enumerate(((0.62, 0.3), (0.85, 0.45))):
        shade = mix(rgb(SKIES[time][-1]), (40, 40, 70) if night else (90, 100, 135), 0.45 + layer * 0.3)
        x = -0.02
        while x < 1.02:
            w, h = rng.uniform(0.07, 0.13), rng.uniform(0.12, top)
            canvas.rect(x, base - h, x + w, 1.0, shade, 0.004)
            if layer:
                lit = (255, 214, 120) if night else mix(rgb("#cfe6ff"), shade, 0.3)
                for wy in range(int(h / 0.045)):
                    for wx in range(int(w / 0.035)):
                        if rng.random() < (0.55 if night else 0.8):
                            x0, y0 = x + 0.012 + wx * 0.035, base - h + 0.02 + wy * 0.045
                            canvas.rect(x0, y0, x0 + 0.016, y0 + 0.022, lit)
            x += w + rng.uniform(0.0, 0.02)
        if look.paris and not layer:
            tx, ty = 0.8, 0.66
            canvas.polygon([(tx - 0.1, ty), (tx - 0.035, ty - 0.2), (tx - 0.008, ty - 0.42), (tx, ty - 0.5),
                            (tx + 0.008, ty - 0.42), (tx + 0.035, ty - 0.2), (tx + 0.1, ty), (tx + 0.055, ty),
                            (tx + 0.03, ty - 0.06), (tx, ty - 0.08), (tx - 0.03, ty - 0.06), (tx - 0.055, ty)],
                           mix(shade, INK, 0.25))
            for level, half in ((0.2, 0.05), (0.34, 0.028)):
                canvas.rect(tx - half, ty - level - 0.008, tx + half, ty - level + 0.004, mix(shade, INK, 0.35))
    canvas.gradient([(70, 72, 92), (48, 50, 66)], 0.86, 1.0)
    for lx in (0.08, 0.92):
        canvas.line([(lx, 0.88), (lx, 0.55)], (36, 36, 48), 0.008)
        canvas.glow(lx, 0.55, 0.06, (255, 220, 150), 22 if night else 8, 4)
        canvas.ellipse(lx, 0.55, 0.016, 0.016, fill=(255, 232, 170))


def _scene_night(canvas: Canvas, rng: random.Random, time: str, look: Look) -> None:
    _sky(canvas, "night", look.palette[1], 1.0)
    canvas.glow(0.5, 0.3, 0.6, (150, 150, 255), 3, 8)
    _sky_objects(canvas, rng, "night", 0.75)
    for layer, (y, color) in enumerate(((0.74, (32, 36, 78)), (0.84, (18, 20, 46)))):
        phase = rng.random() * 6
        hills = [(x / 24, y + 0.04 * math.sin(x / 24 * 7 + phase + layer)) for x in range(25)]
        canvas.polygon(hills + [(1.0, 1.0), (0.0, 1.0)], color)


def _pine(canvas: Canvas, x: float, base: float, height: float, color: RGB, snow: bool) -> None:
    canvas.rect(x - height * 0.04, base - height * 0.15, x + height * 0.04, base, (80, 55, 40))
    for tier in range(3):
        top, width = base - height * (0.45 + tier * 0.28), height * (0.36 - tier * 0.08)
        bottom = base - height * (0.1 + tier * 0.25)
        canvas.polygon([(x, top), (x + width, bottom), (x - width, bottom)], color)
        if snow:
            canvas.polygon([(x, top), (x + width * 0.35, top + (bottom - top) * 0.35),
                            (x - width * 0.35, top + (bottom - top) * 0.35)], (245, 248, 255))


def _landscape(canvas: Canvas, rng: random.Random, time: str, look: Look, snow: bool) -> None:
    _sky(canvas, time, look.palette[1], 0.7)
    _sky_objects(canvas, rng, time, 0.55)
    for layer, base in enumerate((0.62, 0.7)):
        color = dim(mix((120, 140, 190), (75, 95, 130), layer * 0.6), time)
        peaks, x = [], -0.1
        while x < 1.1:
            peaks += [(x, base), (x + 0.09, base - rng.uniform(0.12, 0.22) + layer * 0.05)]
            x += 0.18
        canvas.polygon(peaks + [(1.1, 1.0), (-0.1, 1.0)], color)
        for px_, py_ in peaks[1::2]:
            canvas.polygon([(px_, py_), (px_ + 0.03, py_ + 0.045), (px_ - 0.03, py_ + 0.045)], (240, 244, 252))
    ground = ((236, 242, 250), (210, 224, 240)) if snow else ((120, 176, 96), (84, 140, 72))
    canvas.gradient([dim(c, time) for c in ground], 0.74, 1.0)
    tree = dim((46, 104, 70), time)
    for _ in range(9):
        x = rng.choice((rng.uniform(-0.02, 0.28), rng.uniform(0.72, 1.02)))
        _pine(canvas, x, rng.uniform(0.76, 0.95), rng.uniform(0.18, 0.3), tree, snow)


def _scene_cafe(canvas: Canvas, rng: random.Random, time: str, look: Look) -> None:
    canvas.gradient([mix((250, 232, 212), look.palette[2], 0.15), (232, 200, 168)])
    canvas.rect(0.04, 0.08, 0.3, 0.5, (120, 86, 64), 0.01)
    window = Canvas(canvas.px(0.24))
    _sky(window, time, look.palette[1], 1.0)
    canvas.image.paste(window.image.resize((canvas.px(0.24), canvas.px(0.4))), (canvas.px(0.05), canvas.px(0.09)))
    canvas.line([(0.17, 0.09), (0.17, 0.49)], (120, 86, 64), 0.008)
    canvas.line([(0.05, 0.29), (0.29, 0.29)], (120, 86, 64), 0.008)
    for lx in (0.74, 0.9):
        canvas.line([(lx, 0.0), (lx, 0.16)], (80, 60, 50), 0.003)
        canvas.glow(lx, 0.21, 0.09, (255, 220, 150), 14, 5)
        canvas.polygon([(lx - 0.025, 0.16), (lx + 0.025, 0.16), (lx + 0.05, 0.21), (lx - 0.05, 0.21)], look.palette[2])
    for shelf_y in (0.3, 0.42):
        canvas.rect(0.7, shelf_y, 0.98, shelf_y + 0.012, (140, 98, 70))
        for i in range(4):
            jar = look.palette[i % 3]
            canvas.rect(0.72 + i * 0.065, shelf_y - 0.05, 0.765 + i * 0.065, shelf_y, mix(jar, WHITE, 0.35), 0.01)


def _scene_gym(canvas: Canvas, rng: random.Random, time: str, look: Look) -> None:
    canvas.gradient([(92, 108, 140), (136, 150, 180)])
    for i in range(1, 5):
        canvas.line([(i / 5, 0.0), (i / 5, 1.0)], rgba(WHITE, 30), 0.003)
        canvas.line([(0.0, i / 5), (1.0, i / 5)], rgba(WHITE, 30), 0.003)
    holds = [*look.palette, (255, 214, 90), (120, 220, 140), (255, 130, 80)]
    for _ in range(26):
        x, y, r = rng.random(), rng.uniform(0.02, 0.9), rng.uniform(0.014, 0.03)
        points = ellipse_points(x, y, r * rng.uniform(1.0, 1.6), r, rng.uniform(0, 180), 9)
        canvas.polygon([(px_ + 0.004, py_ + 0.006) for px_, py_ in points], rgba((20, 20, 40), 80))
        canvas.polygon(points, rng.choice(holds))
    canvas.line([(0.88, 0.0), (0.9, 0.5), (0.87, 1.0)], look.palette[2], 0.008)


def _scene_bedroom(canvas: Canvas, rng: random.Random, time: str, look: Look) -> None:
    wall = mix(mix(look.palette[1], (250, 240, 236), 0.78), (110, 80, 110), 0.3 if time == "night" else 0.0)
    canvas.gradient([wall, mix(wall, (120, 100, 120), 0.25)])
    window = Canvas(canvas.px(0.26))
    _sky(window, time, look.palette[1], 1.0)
    if time == "night":
        _sky_objects(window, rng, time, 1.0)
    canvas.rect(0.05, 0.12, 0.33, 0.52, (250, 250, 250), 0.01)
    canvas.image.paste(window.image.resize((canvas.px(0.26), canvas.px(0.38))), (canvas.px(0.06), canvas.px(0.13)))
    for side in (0.03, 0.3):
        canvas.rect(side, 0.1, side + 0.05, 0.58, mix(look.palette[0], WHITE, 0.35), 0.02)
    canvas.rect(0.72, 0.16, 0.92, 0.4, (250, 250, 250), 0.008)
    canvas.rect(0.735, 0.175, 0.905, 0.385, mix(look.palette[2], WHITE, 0.2), 0.004)
    canvas.ellipse(0.82, 0.3, 0.05, 0.05, fill=mix(look.palette[0], WHITE, 0.2))
    bulbs = [(i / 14, 0.05 + 0.06 * math.sin(math.pi * i / 14)) for i in range(15)]
    canvas.line(bulbs, (90, 80, 70), 0.003)
    for i, (bx, by) in enumerate(bulbs[1:-1]):
        canvas.glow(bx, by + 0.014, 0.03, (255, 220, 140), 20, 3)
        canvas.ellipse(bx, by + 0.014, 0.008, 0.011, fill=(255, 236, 170) if i % 2 else look.palette[2])
    canvas.rect(0.0, 0.8, 1.0, 1.0, mix(look.palette[1], WHITE, 0.55), 0.04)
    for px_ in (0.05, 0.78):
        canvas.rect(px_, 0.76, px_ + 0.17, 0.88, mix(look.palette[0], WHITE, 0.55), 0.05)


def _scene_selfie(canvas: Canvas, rng: random.Random, time: str, look: Look) -> None:
    first, second, third = look.palette
    canvas.gradient([mix(second, WHITE, 0.55), mix(first, WHITE, 0.6), mix(third, WHITE, 0.55)])
    canvas.glow(0.5, 0.5, 0.42, WHITE, 6, 12)
    for _ in range(16):
        x, y, r = rng.random(), rng.random() * 0.85, rng.uniform(0.03, 0.09)
        color = mix(rng.choice(look.palette), WHITE, 0.45)
        canvas.ellipse(x, y, r, r, fill=rgba(color, 70), outline=rgba(WHITE, 60), width=0.003)
        canvas.ellipse(x - r * 0.2, y - r * 0.2, r * 0.6, r * 0.6, fill=rgba(WHITE, 30))


def foreground(canvas: Canvas, scene: str, rng: random.Random, look: Look) -> None:
    if scene == "cafe":
        canvas.rect(-0.05, 0.86, 1.05, 1.05, (176, 122, 82), 0.02)
        canvas.rect(-0.05, 0.86, 1.05, 0.875, (200, 150, 105))
        cup, cx = mix(look.palette[1], WHITE, 0.7), 0.8
        canvas.ellipse(cx, 0.905, 0.1, 0.022, fill=(250, 250, 250))
        canvas.ellipse(cx + 0.065, 0.84, 0.03, 0.03, outline=cup, width=0.012)
        canvas.rect(cx - 0.065, 0.78, cx + 0.065, 0.9, cup, 0.03)
        canvas.ellipse(cx, 0.785, 0.065, 0.014, fill=(120, 72, 44))
        for i in (-1, 0, 1):
            canvas.line([(cx + i * 0.025 + 0.01 * math.sin(t), 0.76 - t * 0.012) for t in range(10)],
                        rgba(WHITE, 150), 0.006)
        canvas.ellipse(0.2, 0.91, 0.1, 0.025, fill=(250, 250, 250))
        for i, color in enumerate(look.palette):
            canvas.ellipse(0.15 + i * 0.05, 0.89, 0.025, 0.02, fill=mix(color, WHITE, 0.3))
    elif scene == "snow":
        for _ in range(60):
            x, y, r = rng.random(), rng.random(), rng.uniform(0.003, 0.01)
            canvas.ellipse(x, y, r, r, fill=rgba(WHITE, rng.randint(150, 240)))


SCENES: dict[str, Callable[[Canvas, random.Random, str, Look], None]] = {
    "beach": _scene_beach, "city": _scene_city, "night": _scene_night, "cafe": _scene_cafe, "gym": _scene_gym,
    "bedroom": _scene_bedroom, "selfie": _scene_selfie,
    "forest": lambda c, r, t, look: _landscape(c, r, t, look, snow=False),
    "snow": lambda c, r, t, look: _landscape(c, r, t, look, snow=True)}
