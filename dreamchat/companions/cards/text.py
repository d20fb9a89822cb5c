"""Card text made safe: HTML and {{macros}} removed, invisible characters dropped, lengths capped, slugs."""
from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from dreamchat.companions.cards.spec import SLUG_MAX

TRANSLITERATE = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe",
                               "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d",

                               "Ð": "d", "þ": "th", "Þ": "th", "ı": "i"})


def slugify(name: str) -> str:
    """Lower-case ASCII letters, digits and dashes, at most 40; '' when nothing is left."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKD", name.translate(TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


class _TextExtractor(HTMLParser):
    """The text of an HTML fragment: tags dropped, entities decoded, block tags -> line breaks."""

    BLOCKS = {"br", "p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
              "blockquote", "pre", "hr", "section", "article", "header", "footer"}
    HIDDEN = {"script", "style", "template", "head", "title", "noscript", "iframe", "object", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


# A complete tag, comment-like declaration or processing instruction, with no '<' inside: a failed
# match stops at the next '<', so the scans of all failed matches together read the text once.
_COMPLETE_TAG = re.compile(r"""</?[A-Za-z](?:[^<>"']|"[^"<]{0,8192}"|'[^'<]{0,8192}'){0,4096}>|<[!?][^<>]{0,8192}>""")


def _defang(text: str) -> str:
    """The text with every '<' that does not open a complete tag or comment written as '&lt;'.

    html.parser rescans to the end of the text for each construct it cannot close ('<a b=\'' over
    and over): quadratic time. Given only complete constructs it reads the text once.
    """
    out: list[str] = []
    i = 0
    comments_end = True  # False once no '-->' is left after some point: none is after any later one
    while True:
        j = text.find("<", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        if text.startswith("<!--", j):
            k = text.find("-->", j + 4) if comments_end else -1
            if k >= 0:
                out.append(text[j:k + 3])
                i = k + 3
                continue
            comments_end = False
        else:
            match = _COMPLETE_TAG.match(text, j)
            if match:
                out.append(match.group())
                i = match.end()
                continue
        out.append("&lt;")
        i = j + 1


def strip_html(text: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(_defang(text) if "<" in text else text)
        parser.close()
    except Exception:  # HTMLParser is lenient; this is belt and braces
        return re.sub(r"<[^>]*>", "", text)
    return "".join(parser.parts)


LEGACY_CHAR = re.compile(r"<\s*bot\s*>", re.I)
LEGACY_USER = re.compile(r"<\s*user\s*>", re.I)
MACRO_CHAR = re.compile(r"\{\{\s*char\s*\}\}", re.I)
MACRO_USER = re.compile(r"\{\{\s*user\s*\}\}", re.I)
MACRO_NEWLINE = re.compile(r"\{\{\s*newline\s*\}\}", re.I)
MACRO_INNER = re.compile(r"\{\{[^{}]*\}\}")
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def remove_macros(text: str) -> str:
    text = MACRO_NEWLINE.sub("\n", text)
    for _ in range(20):  # innermost first, so nested macros go too
        text, count = MACRO_INNER.subn("", text)
        if not count:
            break
    return text.replace("{{", "").replace("}}", "")


def _normalise(text: str, single_line: bool) -> str:
    text = INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        return re.sub(r"\s+", " ", text).strip()
    lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_text(value: object, name: str = "", single_line: bool = False) -> str:
    """Card text made safe: {{char}} -> name, {{user}} -> 'you', no HTML, no other macros."""
    if not isinstance(value, str):
        return ""
    text = LEGACY_USER.sub("{{user}}", LEGACY_CHAR.sub("{{char}}", value))
    text = strip_html(text)
    text = MACRO_USER.sub("you", MACRO_CHAR.sub(lambda _: name, text))
    return _normalise(remove_macros(text), single_line)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when one is near, ending in '…'."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" \n,;:-") + "…"


def first_sentence(text: str) -> str:
    """The first sentence of the first non-empty line."""
    line = next((line.strip() for line in text.split("\n") if line.strip()), "")
    match = re.search(r"[.!?…](?=\s|$)", line)
    return line[:match.end()] if match else line
