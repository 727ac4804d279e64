"""The data-flow diagram: the organisation on the left, each system it uses on the right.

Arrows are green when the system's transfer mechanism held for the whole
audited period, red when a TRANSFER- finding says it did not, grey when the
data stays in the EEA and no transfer is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from msgaudit.report.svg import BAD, GOOD, NEUTRAL, Svg, truncate, wrap

FlowStatus = Literal["valid", "invalid", "none"]
COLOURS: dict[FlowStatus, str] = {"valid": GOOD, "invalid": BAD, "none": NEUTRAL}


@dataclass(frozen=True)
class FlowNode:
    name: str
    detail: str  # country and operator
    mechanisms: str  # what it declared, already translated
    status: FlowStatus
    label: str  # what the arrow says, already translated


def flow_diagram(organisation: str, org_detail: str, nodes: Sequence[FlowNode], *, title: str,
                 legend: dict[FlowStatus, str]) -> str:
    box_h, gap, top = 58, 14, 34
    w = 720
    rows = max(len(nodes), 1)
    h = top + rows * (box_h + gap) + 10
    svg = Svg(w, h, title)
    org_w, sys_x, sys_w = 200, 400, 310
    org_y = top + (rows * (box_h + gap) - gap) / 2 - box_h / 2
    lx = 10
    for status in ("valid", "invalid", "none"):
        svg.rect(lx, 8, 14, 6, COLOURS[status])
        svg.text(lx + 18, 15, legend[status], size=10, fill="#374151")
        lx += 30 + 6.2 * len(legend[status])
    for i, node in enumerate(nodes):
        y = top + i * (box_h + gap)
        colour = COLOURS[node.status]
        x0, y0 = 10 + org_w, org_y + box_h / 2
        x1, y1 = sys_x - 8, y + box_h / 2
        mid = (x0 + x1) / 2
        svg.path(f"M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}", fill="none",
                 stroke=colour, stroke_width=3 if node.status != "none" else 2,
                 stroke_dasharray="6 4" if node.status == "none" else None)
        svg.path(f"M{x1 - 1:.1f},{y1 - 6:.1f} L{x1 + 8:.1f},{y1:.1f} L{x1 - 1:.1f},{y1 + 6:.1f} Z", fill=colour)
        svg.text(sys_x - 14, y1 - 6, truncate(node.label, 24), size=10, anchor="end", fill=colour,
                 font_weight="bold")
        svg.rect(sys_x, y, sys_w, box_h, "#ffffff", stroke=colour, stroke_width=2, rx=6)
        svg.text(sys_x + 10, y + 18, truncate(node.name, 40), size=12, font_weight="bold")
        svg.text(sys_x + 10, y + 34, truncate(node.detail, 50), size=10, fill="#4b5563")
        svg.text(sys_x + 10, y + 49, truncate(node.mechanisms, 50), size=10, fill="#4b5563")
    name_lines = wrap(organisation, 26, 2)
    svg.rect(10, org_y, org_w, box_h, "#eff6ff", stroke="#1d4ed8", stroke_width=2, rx=6)
    for k, line in enumerate(name_lines):
        svg.text(20, org_y + 18 + 15 * k, line, size=12, font_weight="bold")
    svg.text(20, org_y + 18 + 15 * len(name_lines) + 2, truncate(org_detail, 32), size=10, fill="#4b5563")
    return svg.render()
