"""The companion as the local photo maker draws her: hair, outfit, face and accessories, from her Look."""
from __future__ import annotations

import math
import random

from PIL import ImageDraw

from dreamchat.photos.local.canvas import INK, RGB, WHITE, Canvas, ellipse_points, mix, rgba
from dreamchat.photos.local.look import Look

def _draw_hair_back(canvas: Canvas, look: Look, hx: float, hy: float) -> None:
    hair = look.hair
    if look.hair_length == "short":
        canvas.ellipse(hx, hy - 0.02, 0.145, 0.162, fill=hair)
        return
    bottom = hy + (0.33 if look.hair_length == "long" else 0.17)
    if look.hair_texture == "curly":
        for t in range(18):
            angle = math.pi * (0.9 + 1.2 * t / 17)
            canvas.ellipse(hx + 0.17 * math.cos(angle), hy + 0.06 - 0.2 * math.sin(angle), 0.06, 0.06, fill=hair)
        for side in (-1, 1):
            for step in range(4):
                canvas.ellipse(hx + side * (0.17 - step * 0.008), hy + 0.06 + step * (bottom - hy) / 4, 0.06, 0.06,
                               fill=hair)
    canvas.ellipse(hx, hy - 0.01, 0.168, 0.18, fill=hair)
    canvas.rect(hx - 0.168, hy - 0.02, hx + 0.168, bottom, hair, 0.08)
    if look.hair_texture == "wavy":
        for side in (-1, 1):
            for step in range(int((bottom - hy) / 0.055)):
                canvas.ellipse(hx + side * (0.165 + 0.012 * (step % 2)), hy + 0.03 + step * 0.055, 0.03, 0.035,
                               fill=hair)


def _draw_outfit(canvas: Canvas, look: Look, hx: float) -> None:
    outfit, trim = look.outfit, mix(look.outfit, INK, 0.25)
    top, features = 0.72, look.features
    if "hoodie" in features:
        canvas.ellipse(hx, top + 0.01, 0.16, 0.07, fill=trim)
    canvas.rect(hx - 0.045, 0.58, hx + 0.045, top + 0.04, look.skin)
    canvas.ellipse(hx, 0.635, 0.05, 0.018, fill=rgba(mix(look.skin, INK, 0.3), 60))
    shoulders, body = canvas._box(hx, top + 0.13, 0.31, 0.13), [canvas.px(hx - 0.31), canvas.px(top + 0.13),
                                                                canvas.px(hx + 0.31), canvas.size]

    def torso(draw: ImageDraw.ImageDraw, fill: RGB | int) -> None:
        draw.ellipse(shoulders, fill=fill)
        draw.rectangle(body, fill=fill)

    torso(canvas.draw, look.skin if "dress" in features else outfit)
    if "dress" in features:
        canvas.polygon([(hx - 0.24, 0.8), (hx - 0.1, 0.78), (hx, 0.81), (hx + 0.1, 0.78), (hx + 0.24, 0.8),
                        (hx + 0.3, 1.0), (hx - 0.3, 1.0)], outfit)
        for side in (-1, 1):
            canvas.line([(hx + side * 0.17, 0.8), (hx + side * 0.14, top + 0.012)], outfit, 0.016)
        return
    if "stripes" in features:
        canvas.fill_masked(lambda d: (torso(d, 255),
                                      [d.rectangle([0, canvas.px(top + 0.03 + i * 0.045), canvas.size,
                                                    canvas.px(top + 0.052 + i * 0.045)], fill=0) for i in range(6)]),
                           (250, 248, 244))
    if "sweater" in features:
        canvas.fill_masked(lambda d: (torso(d, 255),
                                      [d.rectangle([canvas.px(hx + i * 0.03), 0, canvas.px(hx + i * 0.03 + 0.02),
                                                    canvas.size], fill=0) for i in range(-12, 12)]),
                           mix(outfit, WHITE, 0.08))
        canvas.chord(hx, top, 0.085, 0.055, 0, 180, trim)
    neckline = 0.065 if "sweater" not in features else 0.055
    canvas.chord(hx, top - 0.005, neckline, neckline * 0.7, 0, 180, look.skin)
    if "hoodie" in features:
        canvas.arc(hx, top + 0.005, 0.1, 0.06, 10, 170, trim, 0.02)
        for side in (-1, 1):
            canvas.line([(hx + side * 0.035, top + 0.06), (hx + side * 0.04, top + 0.16)], (245, 245, 245), 0.006)
    for side in (-1, 1):
        canvas.line([(hx + side * 0.2, 0.86), (hx + side * 0.215, 1.0)], rgba(INK, 40), 0.005)


def _draw_face(canvas: Canvas, look: Look, rng: random.Random, hx: float, hy: float) -> None:
    for side in (-1, 1):
        ex, ey = hx + side * 0.05, hy + 0.025
        canvas.ellipse(ex, ey, 0.02, 0.027, fill=mix(look.eyes, INK, 0.6))
        canvas.ellipse(ex, ey + 0.006, 0.015, 0.018, fill=look.eyes)
        canvas.ellipse(ex, ey + 0.004, 0.008, 0.01, fill=mix(look.eyes, INK, 0.8))
        canvas.ellipse(ex + 0.007, ey - 0.01, 0.006, 0.006, fill=WHITE)
        canvas.ellipse(ex - 0.006, ey + 0.011, 0.003, 0.003, fill=rgba(WHITE, 200))
        canvas.arc(ex, ey + 0.002, 0.023, 0.03, 200, 340, INK, 0.005)
        canvas.line([(ex + side * 0.021, ey - 0.012), (ex + side * 0.03, ey - 0.02)], INK, 0.004)
        canvas.arc(ex, ey - 0.03, 0.022, 0.012, 210, 330, mix(look.hair, INK, 0.4), 0.004)
        canvas.ellipse(hx + side * 0.075, hy + 0.07, 0.026, 0.013, fill=(255, 120, 140, 70))
    canvas.arc(hx, hy + 0.058, 0.006, 0.004, 20, 160, mix(look.skin, INK, 0.35), 0.003)
    if rng.random() < 0.5:
        canvas.chord(hx, hy + 0.083, 0.022, 0.018, 0, 180, (180, 70, 90))
        canvas.chord(hx, hy + 0.095, 0.012, 0.006, 180, 360, (255, 140, 150))
    else:
        canvas.arc(hx, hy + 0.075, 0.022, 0.016, 25, 155, (170, 70, 90), 0.005)
    if "freckles" in look.features:
        for side in (-1, 1):
            for dx, dy in ((0.035, 0.05), (0.05, 0.056), (0.042, 0.064), (0.06, 0.048)):
                canvas.ellipse(hx + side * dx, hy + dy, 0.0022, 0.0022, fill=rgba(mix(look.skin, INK, 0.5), 150))
    if "nose_ring" in look.features:
        canvas.arc(hx + 0.008, hy + 0.062, 0.006, 0.006, 300, 120, (225, 225, 235), 0.0025)


def _draw_accessories(canvas: Canvas, look: Look, hx: float, hy: float) -> None:
    features, accent, second = look.features, look.palette[2], look.palette[1]
    if "glasses" in features:
        frame = mix(look.hair, INK, 0.7)
        for side in (-1, 1):
            canvas.ellipse(hx + side * 0.05, hy + 0.027, 0.038, 0.036, fill=rgba(WHITE, 40), outline=frame,
                           width=0.005)
        canvas.arc(hx, hy + 0.02, 0.013, 0.008, 200, 340, frame, 0.004)
    if "beret" in features:
        canvas.polygon(ellipse_points(hx + 0.045, hy - 0.135, 0.145, 0.058, 12), second)
        canvas.polygon(ellipse_points(hx + 0.04, hy - 0.112, 0.12, 0.022, 12), mix(second, INK, 0.25))
        canvas.line([(hx + 0.03, hy - 0.19), (hx + 0.028, hy - 0.215)], second, 0.01)
    if "headphones" in features:
        canvas.arc(hx, hy - 0.01, 0.16, 0.175, 190, 350, mix(second, INK, 0.3), 0.018)
        for side in (-1, 1):
            canvas.rect(hx + side * 0.155 - 0.03, hy - 0.01, hx + side * 0.155 + 0.03, hy + 0.08, second, 0.025)
            canvas.rect(hx + side * 0.155 - 0.015, hy + 0.01, hx + side * 0.155 + 0.015, hy + 0.06, accent, 0.012)
    if "scarf" in features:
        canvas.rect(hx - 0.11, 0.71, hx + 0.11, 0.79, accent, 0.04)
        canvas.rect(hx + 0.04, 0.75, hx + 0.1, 0.93, mix(accent, INK, 0.12), 0.025)


def draw_figure(canvas: Canvas, look: Look, rng: random.Random, head_x: float | None = None) -> tuple[float, float]:
    """Draws her with her head centred at (head_x, 0.5), head_x a little off-centre by default; returns the centre."""
    hx, hy = (0.5 + rng.uniform(-0.04, 0.04) if head_x is None else head_x), 0.5
    _draw_hair_back(canvas, look, hx, hy)
    _draw_outfit(canvas, look, hx)
    if look.hair_length != "short":
        for side in (-1, 1):
            length = 0.17 if look.hair_length == "long" else 0.1
            canvas.polygon(ellipse_points(hx + side * 0.135, hy + 0.05 + length * 0.6, 0.045, length,
                                           side * -6), look.hair)
    for side in (-1, 1):
        canvas.ellipse(hx + side * 0.116, hy + 0.025, 0.022, 0.03, fill=mix(look.skin, INK, 0.06))
    canvas.ellipse(hx, hy, 0.118, 0.14, fill=look.skin)
    canvas.chord(hx, hy - 0.035, 0.128, 0.12, 180, 360, look.hair)
    canvas.polygon(ellipse_points(hx - 0.045, hy - 0.05, 0.095, 0.038, 22), look.hair)
    canvas.polygon(ellipse_points(hx + 0.085, hy - 0.045, 0.05, 0.03, -50), look.hair)
    canvas.arc(hx - 0.02, hy - 0.06, 0.07, 0.06, 200, 300, rgba(WHITE, 70), 0.006)
    _draw_face(canvas, look, rng, hx, hy)
    _draw_accessories(canvas, look, hx, hy)
    return hx, hy
