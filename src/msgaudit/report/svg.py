"""A tiny SVG writer: every text and attribute value is escaped, so untrusted names cannot break out."""

from __future__ import annotations

from markupsafe import escape

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

# Colours chosen to stay distinguishable in greyscale print and to pass contrast on white.
SEVERITY_COLOURS = {
    "critical": "#7f1d1d", "high": "#c2410c", "medium": "#b45309", "low": "#1d4ed8", "info": "#4b5563",
}
GOOD, BAD, NEUTRAL = "#15803d", "#b91c1c", "#6b7280"
# Tooltips repeat labels (a system name, a period); a hostile 100,000-character name stays out of the file.
TOOLTIP_MAX = 160


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def _attrs(attrs: dict[str, object]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        shown = _num(value) if isinstance(value, int | float) else str(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{escape(shown)}"')
    return " ".join(parts)


class Svg:
    def __init__(self, width: int, height: int, title: str) -> None:
        self.width, self.height, self.title = width, height, title
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, **attrs: object) -> None:
        self.parts.append(f"<rect {_attrs({'x': x, 'y': y, 'width': max(w, 0), 'height': max(h, 0), 'fill': fill, **attrs})}/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = "#9ca3af", **attrs: object) -> None:
        self.parts.append(f"<line {_attrs({'x1': x1, 'y1': y1, 'x2': x2, 'y2': y2, 'stroke': stroke, **attrs})}/>")

    def path(self, d: str, **attrs: object) -> None:
        self.parts.append(f"<path {_attrs({'d': d, **attrs})}/>")

    def text(self, x: float, y: float, content: str, size: float = 11, anchor: str = "start",
             fill: str = "#111827", **attrs: object) -> None:
        a = _attrs({"x": x, "y": y, "font_size": size, "text_anchor": anchor, "fill": fill, **attrs})
        self.parts.append(f"<text {a}>{escape(content)}</text>")

    def tooltip(self, content: str) -> None:
        """A <title> for the element opened just before; browsers show it on hover. Cut like any label (textcap)."""
        last = self.parts.pop()
        self.parts.append(last[:-2] + f"><title>{escape(truncate(content, TOOLTIP_MAX))}</title></{last[1:last.index(' ')]}>")

    def render(self) -> str:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
                f'width="{self.width}" height="{self.height}" role="img" font-family="{FONT}">'
                f"<title>{escape(self.title)}</title>")
        return head + "".join(self.parts) + "</svg>"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def wrap(text: str, limit: int, lines: int) -> list[str]:
    """Up to `lines` lines of at most `limit` characters, breaking at spaces; the last one truncated."""
    words, out, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > limit:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[: lines - 1] + [" ".join(out[lines - 1:])]
    return [truncate(line, limit) for line in out] or [""]
