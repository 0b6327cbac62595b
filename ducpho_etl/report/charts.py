"""Inline SVG charts (no library, no script): horizontal bars, 100 % stacked bars, small line charts.

Every chart is a string `<svg ...>` with a viewBox, so it scales with the page and prints sharply.
Numbers are written in Vietnamese format.
"""

from __future__ import annotations

import textwrap
from html import escape

from ducpho_etl.report.numbers import fmt_int, fmt_pct

FONT = "font-family:'Segoe UI',Roboto,'Noto Sans','DejaVu Sans',Arial,sans-serif"
PALETTE = {"raw": "#9fb3c8", "cleaned": "#1f6f43", "duplicate": "#8e6bbf", "deceased": "#444444",
           "review": "#d99a00", "not_found": "#3d7cc9", "rejected": "#c0392b"}


def _wrap(text: str, width: int, lines: int = 2) -> list[str]:
    """Wrap into at most `lines` lines of balanced length (no lone last word), '…' if cut."""
    parts = textwrap.wrap(text, width) or [""]
    if 1 < len(parts) <= lines:
        even = -(-len(text) // len(parts)) + 2
        balanced = textwrap.wrap(text, even)
        if len(balanced) == len(parts):
            parts = balanced
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: max(1, width - 1)].rstrip() + "…"
    return parts


def _label(x: float, y: float, lines: list[str], anchor: str = "end", size: int = 13,
           weight: str = "normal", line_height: int = 16) -> str:
    top = y - (len(lines) - 1) * line_height / 2
    spans = "".join(f'<tspan x="{x:.1f}" y="{top + i * line_height:.1f}">{escape(t)}</tspan>'
                    for i, t in enumerate(lines))
    return (f'<text text-anchor="{anchor}" dominant-baseline="middle" font-size="{size}" '
            f'font-weight="{weight}" fill="#222">{spans}</text>')


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (f'<svg viewBox="0 0 {width} {height}" '
            f'width="100%" style="max-width:{width}px;{FONT}" role="img" aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title>{body}</svg>')


def _legend(items: list[tuple[str, str]], x: float, y: float) -> str:
    out, cx = [], x
    for name, color in items:
        out.append(f'<rect x="{cx:.1f}" y="{y - 6}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{cx + 17:.1f}" y="{y}" dominant-baseline="middle" font-size="13" '
                   f'fill="#222">{escape(name)}</text>')
        cx += 17 + 7.2 * len(name) + 22
    return "".join(out)


def grouped_bars(title: str, categories: list[str], series: list[tuple[str, str, list[int]]],
                 width: int = 1000, label_width: int = 330, label_chars: int = 42) -> str:
    """Horizontal bars, one group per category, one bar per series, values at the bar ends."""
    bar, gap, group_gap = 16, 3, 18
    group_h = len(series) * (bar + gap) - gap
    top = 40
    height = top + len(categories) * (group_h + group_gap) + 10
    value_room = 90
    plot_w = width - label_width - value_room - 10
    peak = max([v for _, _, values in series for v in values] + [1])
    body = [_legend([(n, c) for n, c, _ in series], label_width, 16)]
    for i, category in enumerate(categories):
        y0 = top + i * (group_h + group_gap)
        body.append(_label(label_width - 10, y0 + group_h / 2, _wrap(category, label_chars)))
        for j, (name, color, values) in enumerate(series):
            v = values[i]
            y = y0 + j * (bar + gap)
            w = max(plot_w * v / peak, 1 if v else 0)
            body.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar}" fill="{color}">'
                        f'<title>{escape(category)} – {escape(name)}: {fmt_int(v)}</title></rect>')
            body.append(f'<text x="{label_width + w + 5:.1f}" y="{y + bar / 2}" dominant-baseline="middle" '
                        f'font-size="12" fill="#222">{fmt_int(v)}</text>')
    body.append(f'<line x1="{label_width}" y1="{top - 6}" x2="{label_width}" y2="{height - 8}" '
                f'stroke="#888"/>')
    return _svg(width, height, title, "".join(body))


def stacked_shares(title: str, categories: list[str], parts: list[tuple[str, str, list[int]]],
                   width: int = 1000, label_width: int = 330, label_chars: int = 42,
                   unit: str = "dòng") -> str:
    """One 100 % bar per category split by parts (shares in %, shown where wide enough), with the
    category's total after the bar."""
    bar, gap, top = 24, 14, 36
    height = top + len(categories) * (bar + gap) + 4
    plot_w = width - label_width - 100
    body = [_legend([(n, c) for n, c, _ in parts], label_width, 14)]
    for i, category in enumerate(categories):
        y = top + i * (bar + gap)
        total = sum(values[i] for _, _, values in parts) or 1
        body.append(_label(label_width - 10, y + bar / 2, _wrap(category, label_chars)))
        x = float(label_width)
        for name, color, values in parts:
            v = values[i]
            w = plot_w * v / total
            if w <= 0:
                continue
            body.append(f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{bar}" fill="{color}">'
                        f'<title>{escape(category)} – {escape(name)}: {fmt_int(v)} '
                        f'({fmt_pct(v, total)})</title></rect>')
            share = fmt_pct(v, total)
            if w > 8 * len(share) + 6:
                body.append(f'<text x="{x + w / 2:.1f}" y="{y + bar / 2}" text-anchor="middle" '
                            f'dominant-baseline="middle" font-size="12" fill="#fff">{share}</text>')
            x += w
        body.append(f'<text x="{label_width + plot_w + 6:.1f}" y="{y + bar / 2}" dominant-baseline="middle" '
                    f'font-size="12" fill="#222">{fmt_int(total)} {escape(unit)}</text>')
    return _svg(width, height, title, "".join(body))


def simple_bars(title: str, items: list[tuple[str, int]], color: str, width: int = 1000,
                label_width: int = 470, label_chars: int = 60, note: str = "") -> str:
    """One bar per item (reason text, count), longest first as given."""
    bar, gap, top = 22, 12, 10 + (22 if note else 0)
    if not items:
        return _svg(width, 40, title, _label(10, 20, ["Không có dòng nào."], anchor="start"))
    height = top + len(items) * (bar + gap) + 4
    plot_w = width - label_width - 80
    peak = max(v for _, v in items) or 1
    body = [f'<text x="10" y="14" font-size="12" fill="#555">{escape(note)}</text>'] if note else []
    for i, (text, v) in enumerate(items):
        y = top + i * (bar + gap)
        body.append(_label(label_width - 10, y + bar / 2, _wrap(text, label_chars), size=12,
                           line_height=14))
        w = max(plot_w * v / peak, 1)
        body.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar}" fill="{color}">'
                    f'<title>{escape(text)}: {fmt_int(v)}</title></rect>')
        body.append(f'<text x="{label_width + w + 5:.1f}" y="{y + bar / 2}" dominant-baseline="middle" '
                    f'font-size="12" fill="#222">{fmt_int(v)}</text>')
    return _svg(width, height, title, "".join(body))


def line_panel(title: str, x_labels: list[str], values: list[int | None], color: str = "#1f6f43",
               width: int = 320, height: int = 186) -> str:
    """A small line chart with its own scale: first/last values labelled, y axis from its minimum."""
    left, right, top, bottom = 12, 12, 44, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for v in values if v is not None]
    body = [_label(left, 20, _wrap(title, 38, 2), anchor="start", weight="bold"),
            f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#f6f8fa" stroke="#ddd"/>']
    if not known:
        body.append(_label(width / 2, top + plot_h / 2, ["chưa có số liệu"], anchor="middle", size=12))
        return _svg(width, height, title, "".join(body))
    lo, hi = min(known), max(known)
    pad = max((hi - lo) * 0.15, max(hi, 1) * 0.02)
    lo, hi = max(lo - pad, 0), hi + pad
    n = len(values)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w / 2 if n == 1 else 8 + (plot_w - 16) * i / (n - 1))
        return x, top + plot_h - (v - lo) / (hi - lo) * plot_h

    points = [xy(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')
    for i, v in enumerate(values):
        if v is None:
            continue
        x, y = xy(i, v)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}">'
                    f'<title>{escape(x_labels[i])}: {fmt_int(v)}</title></circle>')
    first = next(i for i, v in enumerate(values) if v is not None)
    last = max(i for i, v in enumerate(values) if v is not None)
    for i, anchor in ((first, "start"), (last, "end")):
        if i == first and i == last and anchor == "end":
            continue
        x, y = xy(i, values[i])
        ty = y - 9 if y - 9 > top + 10 else y + 14
        body.append(f'<text x="{x + (-2 if anchor == "end" else 2):.1f}" y="{ty:.1f}" '
                    f'text-anchor="{anchor if n > 1 else "middle"}" font-size="12" fill="#222">'
                    f'{fmt_int(values[i])}</text>')
    body.append(f'<text x="{left}" y="{height - 16}" font-size="11" fill="#555">'
                f'{escape(x_labels[0])}</text>')
    if n > 1:
        body.append(f'<text x="{width - right}" y="{height - 16}" text-anchor="end" font-size="11" '
                    f'fill="#555">{escape(x_labels[-1])}</text>')
    body.append(f'<text x="{left}" y="{height - 3}" font-size="11" fill="#777">'
                f'{fmt_int(n)} lần chạy</text>')
    return _svg(width, height, title, "".join(body))
