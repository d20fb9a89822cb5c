"""WCAG AA contrast of every text colour in every stylesheet in static/css/, in both themes.

The stylesheets are parsed here (no browser): custom properties are resolved from the `:root` rules
for each theme (the system light and dark settings and the in-app toggle's data-theme on <html>),
with each default companion's colours as --accent / --accent-2 (static/js/lib/dom.js applyAccent
sets them inline), with and without @supports (relative colours). Every rule that declares `color`
is checked against the background it sits on:

- SURFACES below, the first pattern found in the selector, when the text sits on something the
  rule itself does not paint (a user bubble's gradient, the photo placeholder);
- else the rule's own background (each gradient stop; a translucent one over every page surface);
- else every page surface (GENERIC_SURFACES): text without its own background must read on all.

4.5:1 for text, 3:1 for large text (24px, or 18.66px bold) and for icons (NON_TEXT). Colours this
file cannot evaluate fail the test, so a new stylesheet cannot slip past it unchecked.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CSS_DIR = ROOT / "static" / "css"
COMPANIONS = ROOT / "dreamchat" / "companions" / "default_companions.json"

TEXT_RATIO = 4.5
LARGE_RATIO = 3.0
NON_TEXT_RATIO = 3.0

GENERIC_SURFACES = ["var(--bg)", "var(--bg-chat)", "var(--surface)", "var(--surface-2)",
                    "var(--surface-raised)", "var(--input-bg)", "var(--bubble-girl)"]
USER_BUBBLE = ["var(--accent-strong)", "var(--accent-2-strong)"]

# Text on a surface its own rule does not paint: (selector substring, the backgrounds under it).
SURFACES: list[tuple[str, list[str]]] = [
    (".message--user .bubble", USER_BUBBLE),
    (".message--user .message__", USER_BUBBLE),
    ('.message[data-status="read"] .message__status', USER_BUBBLE),  # only a user's message is read
    (".photo-pending__text", ["color-mix(in oklab, var(--accent) 22%, var(--bubble-girl))",
                              "color-mix(in oklab, var(--accent-2) 26%, var(--bubble-girl))"]),
]

# Icons and graphics, which need 3:1 (WCAG 1.4.11), not text.
NON_TEXT = [".message__status", " svg", "__icon"]

# Not checked, and why.
EXEMPT = {
    ".logo__mark": "the logo (WCAG exempts logotypes)",
}

THEMES = {
    # name: (prefers-color-scheme, data-theme on <html> or None)
    "light": ("light", None),
    "dark": ("dark", None),
    "toggle-light-on-dark-system": ("dark", "light"),
    "toggle-dark-on-light-system": ("light", "dark"),
}


# ---------------------------------------------------------------------------------------- colours


@dataclass(frozen=True)
class Color:
    r: float  # sRGB 0..1
    g: float
    b: float
    a: float = 1.0

    def over(self, under: "Color") -> "Color":
        a = self.a + under.a * (1 - self.a)
        if a == 0:
            return Color(0, 0, 0, 0)
        mix = lambda top, bottom: (top * self.a + bottom * under.a * (1 - self.a)) / a  # noqa: E731
        return Color(mix(self.r, under.r), mix(self.g, under.g), mix(self.b, under.b), a)

    def hex(self) -> str:
        return "#" + "".join(f"{round(max(0, min(1, c)) * 255):02x}" for c in (self.r, self.g, self.b)) + (
            "" if self.a >= 1 else f"/{self.a:.2f}")


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    return 12.92 * c if c <= 0.0031308 else 1.055 * (c ** (1 / 2.4)) - 0.055


def luminance(color: Color) -> float:
    r, g, b = (_linear(max(0.0, min(1.0, c))) for c in (color.r, color.g, color.b))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: Color, second: Color) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def to_oklab(color: Color) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in (color.r, color.g, color.b))
    l_ = 0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b
    m_ = 0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b
    s_ = 0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b
    l_, m_, s_ = (math.copysign(abs(v) ** (1 / 3), v) for v in (l_, m_, s_))
    return (0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
            1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
            0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_)


def from_oklab(L: float, a: float, b: float, alpha: float = 1.0) -> Color:
    l_ = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3
    m_ = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3
    s_ = (L - 0.0894841775 * a - 1.2914855480 * b) ** 3
    r = 4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_
    g = -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_
    bl = -0.0041960863 * l_ - 0.7034186147 * m_ + 1.7076147010 * s_
    # Out-of-gamut results are clipped per channel, as Chromium paints them.
    return Color(*(_gamma(max(0.0, min(1.0, c))) for c in (r, g, bl)), alpha)


NAMED = {"white": Color(1, 1, 1), "black": Color(0, 0, 0), "transparent": Color(0, 0, 0, 0)}


class Unsupported(ValueError):
    """A colour expression this test cannot evaluate."""


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on sep outside parentheses."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0 if sep != " " else ch.isspace() and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def function_call(text: str) -> tuple[str, str] | None:
    """('name', 'inner') when text is exactly one function call."""
    match = re.match(r"^([a-zA-Z-]+)\((.*)\)$", text.strip(), re.S)
    if not match:
        return None
    depth = 0
    for i, ch in enumerate(text.strip()):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch == ")" and i != len(text.strip()) - 1:
            return None
    return match.group(1).lower(), match.group(2).strip()


def _number(text: str) -> float:
    text = text.strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


class Calc:
    """calc(), min(), max() and arithmetic over numbers and the channel keywords of a relative colour."""

    def __init__(self, text: str, names: dict[str, float]):
        self.tokens = re.findall(r"\d*\.\d+|\d+|[a-zA-Z-]+|[-+*/(),]", text)
        self.names = names
        self.pos = 0

    def value(self) -> float:
        result = self.expression()
        if self.pos != len(self.tokens):
            raise Unsupported(f"calc: {' '.join(self.tokens)}")
        return result

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expression(self) -> float:
        result = self.term()
        while self.peek() in ("+", "-"):
            result = result + self.term() if self.take() == "+" else result - self.term()
        return result

    def term(self) -> float:
        result = self.factor()
        while self.peek() in ("*", "/"):
            if self.take() == "*":
                result *= self.factor()
            else:
                divisor = self.factor()
                result = result / divisor if divisor else math.copysign(math.inf, result or 1)
        return result

    def factor(self) -> float:
        token = self.take()
        if token == "-":
            return -self.factor()
        if token == "(":
            result = self.expression()
            self.take()
            return result
        if token in ("calc", "min", "max"):
            self.take()  # (
            args = [self.expression()]
            while self.peek() == ",":
                self.take()
                args.append(self.expression())
            self.take()  # )
            return {"calc": lambda a: a[0], "min": min, "max": max}[token](args)
        if token in self.names:
            return self.names[token]
        try:
            return float(token)
        except ValueError:
            raise Unsupported(f"calc token {token!r}") from None


def color_stop(text: str) -> str:
    """The colour of a gradient stop or a colour-mix argument ('#fff 20%' → '#fff')."""
    parts = split_top(text, " ")
    return parts[0] if parts else text


def percent_of(text: str) -> float | None:
    parts = split_top(text, " ")
    for part in parts[1:]:
        if part.endswith("%"):
            return float(part[:-1]) / 100
    return None


class Theme:
    """Custom properties and the used color-scheme for one theme, companion and @supports answer."""

    def __init__(self, variables: dict[str, str], scheme: str):
        self.variables = variables
        self.scheme = scheme

    def substitute(self, text: str, depth: int = 0) -> str:
        if depth > 20:
            raise Unsupported(f"var() cycle in {text}")
        out, i = [], 0
        while True:
            start = text.find("var(", i)
            if start < 0:
                out.append(text[i:])
                return "".join(out)
            out.append(text[i:start])
            depth_count, j = 0, start + 3
            while True:
                depth_count += text[j] == "("
                depth_count -= text[j] == ")"
                if depth_count == 0:
                    break
                j += 1
            name, _, fallback = text[start + 4:j].partition(",")
            value = self.variables.get(name.strip(), fallback.strip() or None)
            if value is None:
                raise Unsupported(f"undefined {name.strip()}")
            out.append(self.substitute(value, depth + 1))
            i = j + 1

    def color(self, text: str) -> Color:
        return self._color(self.substitute(text).strip())

    def _color(self, text: str) -> Color:
        text = " ".join(text.split())
        lower = text.lower()
        if lower in NAMED:
            return NAMED[lower]
        if lower.startswith("#"):
            digits = lower[1:]
            if len(digits) in (3, 4):
                digits = "".join(ch * 2 for ch in digits)
            if len(digits) not in (6, 8):
                raise Unsupported(text)
            values = [int(digits[k:k + 2], 16) / 255 for k in range(0, len(digits), 2)]
            return Color(*values)
        call = function_call(text)
        if not call:
            raise Unsupported(text)
        name, inner = call
        if name == "light-dark":
            light, dark = split_top(inner)
            return self._color(light if self.scheme == "light" else dark)
        if name in ("rgb", "rgba"):
            inner = inner.replace("/", ",")
            parts = split_top(inner) if "," in inner else split_top(inner, " ")
            channels = [(_number(p) if p.endswith("%") else float(p) / 255) for p in parts[:3]]
            alpha = _number(parts[3]) if len(parts) > 3 else 1.0
            return Color(*channels, alpha)
        if name in ("oklab",):
            if inner.startswith("from "):
                origin_text, channels = self._relative(inner[5:])
                origin = self._color(origin_text)
                L, a, b = to_oklab(origin)
                names = {"l": L, "a": a, "b": b, "alpha": origin.a}
                values = [Calc(channel, names).value() for channel in channels[:3]]
                return from_oklab(*values, origin.a)
            parts = split_top(inner.replace("/", " / "), " ")
            return from_oklab(_number(parts[0]), float(parts[1]), float(parts[2]))
        if name == "oklch":
            if inner.startswith("from "):
                origin_text, channels = self._relative(inner[5:])
                origin = self._color(origin_text)
                L, a, b = to_oklab(origin)
                names = {"l": L, "c": math.hypot(a, b), "h": math.degrees(math.atan2(b, a)) % 360,
                         "alpha": origin.a}
                L, C, H = (Calc(channel, names).value() for channel in channels[:3])
            else:
                parts = split_top(inner.replace("/", " / "), " ")
                L, C, H = _number(parts[0]), float(parts[1]), float(parts[2].removesuffix("deg"))
                origin = Color(0, 0, 0)
            return from_oklab(L, C * math.cos(math.radians(H)), C * math.sin(math.radians(H)), origin.a)
        if name == "color-mix":
            space, first, second = split_top(inner)
            if space.strip() not in ("in oklab", "in srgb"):
                raise Unsupported(f"color-mix {space}")
            p1, p2 = percent_of(first), percent_of(second)
            if p1 is None and p2 is None:
                p1 = p2 = 0.5
            elif p1 is None:
                p1 = 1 - p2
            elif p2 is None:
                p2 = 1 - p1
            total = p1 + p2
            c1, c2 = self._color(color_stop(first)), self._color(color_stop(second))
            alpha = c1.a * p1 / total + c2.a * p2 / total
            if alpha == 0:
                return Color(0, 0, 0, 0)
            if space.strip() == "in srgb":
                v1, v2 = (c1.r, c1.g, c1.b), (c2.r, c2.g, c2.b)
            else:
                v1, v2 = to_oklab(c1), to_oklab(c2)
            mixed = [(x * c1.a * p1 + y * c2.a * p2) / total / alpha for x, y in zip(v1, v2)]
            alpha *= min(1.0, total)
            return Color(*mixed, alpha) if space.strip() == "in srgb" else from_oklab(*mixed, alpha)
        raise Unsupported(text)

    @staticmethod
    def _relative(text: str) -> tuple[str, list[str]]:
        parts = split_top(text, " ")
        return parts[0], parts[1:]

    def backgrounds(self, text: str) -> list[Color]:
        """The colours of a background value: every gradient stop of every layer, or its colour."""
        colors = []
        for layer in split_top(self.substitute(text)):
            call = function_call(color_stop(layer)) if not function_call(layer) else function_call(layer)
            if call and call[0] in ("linear-gradient", "radial-gradient", "conic-gradient"):
                for arg in split_top(call[1]):
                    try:
                        colors.append(self._color(color_stop(arg)))
                    except (Unsupported, ValueError, IndexError):
                        continue  # a direction, angle or shape
            elif layer.strip() in ("none",):
                continue
            else:
                try:
                    colors.append(self._color(color_stop(layer)))
                except (Unsupported, ValueError, IndexError):
                    colors.append(self._color(layer))
        return colors


# ---------------------------------------------------------------------------------------- CSS


@dataclass
class Rule:
    selector: str
    declarations: dict[str, str]
    conditions: tuple[str, ...]  # enclosing @media / @supports preludes
    source: str
    order: int = 0


def strip_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def parse_css(css: str, source: str = "") -> list[Rule]:
    rules: list[Rule] = []
    _parse_block(strip_comments(css), (), source, rules)
    for order, rule in enumerate(rules):
        rule.order = order
    return rules


def _parse_block(css: str, conditions: tuple[str, ...], source: str, rules: list[Rule]) -> None:
    i = 0
    while i < len(css):
        brace = css.find("{", i)
        if brace < 0:
            return
        prelude = css[i:brace].strip()
        depth, j = 1, brace + 1
        while depth and j < len(css):
            depth += css[j] == "{"
            depth -= css[j] == "}"
            j += 1
        body = css[brace + 1:j - 1]
        i = j
        if prelude.startswith("@"):
            if prelude.startswith(("@media", "@supports")):
                _parse_block(body, conditions + (prelude,), source, rules)
            continue  # @keyframes, @font-face: no text colours
        declarations = {}
        for declaration in split_top(body, ";"):
            name, colon, value = declaration.partition(":")
            if colon:
                declarations[name.strip().lower()] = value.replace("!important", "").strip()
        rules.append(Rule(" ".join(prelude.split()), declarations, conditions, source))


def applies(rule: Rule, system: str, supports: bool, width: int = 1280) -> bool:
    for condition in rule.conditions:
        if condition.startswith("@supports"):
            if not supports:
                return False
        elif "prefers-color-scheme" in condition:
            if f"prefers-color-scheme: {system}" not in condition.replace("  ", " "):
                return False
        # Other @media (width, hover, reduced motion): every width is checked, so they apply.
    return True


ROOT_SELECTOR = re.compile(r'^(?::root|html)(\[data-theme="?(light|dark)"?\])?$')


def root_theme(rules: list[Rule], system: str, toggle: str | None, supports: bool,
               accents: tuple[str, str] | None) -> Theme:
    """Custom properties on <html> for one theme; --accent / --accent-2 as applyAccent sets them."""
    variables: dict[str, str] = {}
    scheme_value = "normal"
    matching = []
    for rule in rules:
        if not applies(rule, system, supports):
            continue
        for selector in split_top(rule.selector):
            match = ROOT_SELECTOR.match(selector.strip())
            if match and (match.group(2) is None or match.group(2) == toggle):
                matching.append((1 if match.group(2) else 0, rule.order, rule))
                break
    for _, _, rule in sorted(matching, key=lambda item: item[:2]):
        for name, value in rule.declarations.items():
            if name.startswith("--"):
                variables[name] = value
            elif name == "color-scheme":
                scheme_value = value
    if accents:
        variables["--accent"], variables["--accent-2"] = accents
    words = scheme_value.split()
    if "light" in words and "dark" in words:
        scheme = system
    elif "dark" in words:
        scheme = "dark"
    else:
        scheme = "light"
    return Theme(variables, scheme)


# ---------------------------------------------------------------------------------------- checks


@dataclass
class Failure:
    source: str
    selector: str
    theme: str
    text: str
    background: str
    ratio: float
    needed: float

    def __str__(self) -> str:
        return (f"{self.source}: {self.selector} [{self.theme}] {self.text} on {self.background}: "
                f"{self.ratio:.2f}:1 < {self.needed}:1")


def _font_px(value: str | None) -> float | None:
    if not value:
        return None
    match = re.match(r"^([\d.]+)(px|rem)$", value.strip())
    if match:
        return float(match.group(1)) * (16 if match.group(2) == "rem" else 1)
    match = re.match(r"^clamp\(\s*([\d.]+)px", value.strip())  # the smallest size counts
    return float(match.group(1)) if match else None


def needed_ratio(rule: Rule) -> float:
    if any(marker in rule.selector for marker in NON_TEXT):
        return NON_TEXT_RATIO
    size = _font_px(rule.declarations.get("font-size"))
    weight = rule.declarations.get("font-weight", "400")
    bold = weight.isdigit() and int(weight) >= 700 or weight == "bold"
    if size and (size >= 24 or (bold and size >= 18.66)):
        return LARGE_RATIO
    return TEXT_RATIO


def backgrounds_for(rule: Rule) -> list[str] | None:
    for pattern, surfaces in SURFACES:
        if pattern in rule.selector:
            return surfaces
    declared = rule.declarations.get("background-color") or rule.declarations.get("background")
    if declared and declared.strip() not in ("none", "transparent", "inherit"):
        return [declared]
    return None


SKIPPED_COLORS = {"inherit", "currentcolor", "transparent", "unset", "initial", "revert"}


def check_rules(rules: list[Rule], theme: Theme, label: str) -> list[Failure]:
    failures = []
    pages = [c for surface in GENERIC_SURFACES for c in theme.backgrounds(surface)]
    for rule in rules:
        value = rule.declarations.get("color")
        if not value or value.lower() in SKIPPED_COLORS:
            continue
        if any(pattern in rule.selector for pattern in EXEMPT):
            continue
        if any("prefers-color-scheme" in c and theme.scheme not in c for c in rule.conditions):
            continue
        text = theme.color(value)
        surfaces = backgrounds_for(rule)
        if surfaces is None:
            unders = pages
        else:
            unders = [c for surface in surfaces for c in theme.backgrounds(surface)]
        opacity = float(rule.declarations.get("opacity", "1") or 1)
        if opacity == 0:
            continue  # hidden until another rule shows it
        needed = needed_ratio(rule)
        for under in unders:
            opaque_unders = [under] if under.a >= 1 else [under.over(page) for page in pages]
            for background in opaque_unders:
                shown = text.over(background)
                if opacity < 1:
                    shown = Color(*(s * opacity + b * (1 - opacity) for s, b in
                                    zip((shown.r, shown.g, shown.b), (background.r, background.g, background.b))))
                ratio = contrast(shown, background)
                if ratio < needed - 1e-9:
                    failures.append(Failure(rule.source, rule.selector, label, value, background.hex(),
                                            ratio, needed))
    return failures


def stylesheets() -> list[Rule]:
    rules: list[Rule] = []
    for path in sorted(CSS_DIR.glob("*.css"), key=lambda p: (p.name != "app.css", p.name)):
        rules.extend(parse_css(path.read_text(encoding="utf-8"), path.name))
    for order, rule in enumerate(rules):
        rule.order = order
    return rules


def companion_accents() -> list[tuple[str, str]]:
    companions = json.loads(COMPANIONS.read_text(encoding="utf-8"))
    companions = companions if isinstance(companions, list) else companions["companions"]
    return [(c["colors"][0], c["colors"][1]) for c in companions if len(c.get("colors", [])) >= 2]


# Imported character cards bring any colours: the extremes of the sRGB cube must work too.
EXTREME_ACCENTS = [("#ffffff", "#000000"), ("#00ff00", "#ffff00"), ("#0000ff", "#ff00ff"), ("#00ffff", "#ff0000")]


def all_failures(rules: list[Rule]) -> list[Failure]:
    failures = []
    for name, (system, toggle) in THEMES.items():
        for supports in (True, False):
            for accents in [None, *companion_accents(), *EXTREME_ACCENTS]:
                theme = root_theme(rules, system, toggle, supports, accents)
                rules_here = [rule for rule in rules if applies(rule, system, supports)
                              and not ROOT_SELECTOR.match(rule.selector)]
                label = f"{name}, {'relative colours' if supports else 'no relative colours'}, " \
                        f"accent {accents[0] if accents else 'default'}"
                failures.extend(check_rules(rules_here, theme, label))
    return failures


# ---------------------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def rules():
    return stylesheets()


def test_every_text_colour_meets_wcag_aa_in_both_themes(rules):
    worst: dict[tuple, Failure] = {}
    for failure in all_failures(rules):
        key = (failure.source, failure.selector, failure.theme.split(",")[0])
        if key not in worst or failure.ratio < worst[key].ratio:
            worst[key] = failure
    report = [str(worst[key]) for key in sorted(worst)]
    assert report == [], f"{len(report)} contrast failures (the worst per rule and theme):\n" + "\n".join(report)


def test_the_stylesheets_are_all_read(rules):
    sources = {rule.source for rule in rules}
    assert {path.name for path in CSS_DIR.glob("*.css") if path.read_text().strip()} - {"search.css", "sidebar.css", "reactions.css"} <= sources
    assert sum(1 for rule in rules if "color" in rule.declarations) > 80


def test_the_themes_resolve_differently(rules):
    light = root_theme(rules, "light", None, True, None)
    dark = root_theme(rules, "dark", None, True, None)
    toggled_light = root_theme(rules, "dark", "light", True, None)
    toggled_dark = root_theme(rules, "light", "dark", True, None)
    assert luminance(light.color("var(--surface)")) > 0.8
    assert luminance(dark.color("var(--surface)")) < 0.05
    # The toggle wins over the system setting.
    assert light.color("var(--text)") == toggled_light.color("var(--text)")
    assert dark.color("var(--text)") == toggled_dark.color("var(--text)")


def test_a_known_bad_pair_is_reported():
    css = """
    :root { color-scheme: light dark; --surface: light-dark(#ffffff, #171a20); --bg: #f3f4f8;
            --bg-chat: #eef0f6; --surface-2: #f6f7fb; --surface-raised: #fff; --input-bg: #f1f2f6;
            --bubble-girl: #fff; --faint: light-dark(#8a909c, #eeeeee); --accent: #ff6f91; --accent-2: #845ec2;
            --accent-strong: var(--accent); --accent-2-strong: var(--accent-2); }
    .hint { color: var(--faint); font-size: 13px; }
    .ok { color: #17181c; }
    .button { color: #fff; background: linear-gradient(135deg, #ff6f91, #845ec2); }
    .big { color: #8a909c; background: #fff; font-size: 26px; }
    """
    rules = parse_css(css, "bad.css")
    light = root_theme(rules, "light", None, True, None)
    failures = check_rules([r for r in rules if not ROOT_SELECTOR.match(r.selector)], light, "light")
    reported = {(f.selector, f.background) for f in failures}
    assert (".hint", "#ffffff") in reported  # #8a909c on white: 3.21:1
    assert any(f.selector == ".button" and f.background == "#ff6f91" for f in failures)  # 2.6:1
    assert not any(f.selector in (".ok", ".big") for f in failures)  # 26px needs only 3:1
    assert round(contrast(light.color("#8a909c"), light.color("#fff")), 2) == 3.21


def test_colour_maths_matches_chromium():
    theme = Theme({"--accent": "#00b4d8"}, "light")
    # color-mix with black in oklab scales linear RGB by the cube of the weight.
    mixed = theme.color("color-mix(in oklab, #ffffff 50%, #000)")
    assert abs(luminance(mixed) - 0.125) < 1e-3
    assert theme.color("color-mix(in oklab, #ff0000 40%, transparent)").a == pytest.approx(0.4)
    capped = theme.color("oklab(from var(--accent) calc(l * min(1, 0.5 / l)) calc(a * min(1, 0.5 / l)) calc(b * min(1, 0.5 / l)))")
    assert to_oklab(capped)[0] == pytest.approx(0.5, abs=1e-3)
    with pytest.raises(Unsupported):
        theme.color("hwb(0 0% 0%)")
