"""Inline SVG plots for the HTML report, drawn server-side so they need no JS.

Every label goes through ``esc`` (system and metric names are user text).
Colours are presentation attributes, not ``style=`` attributes, so the
report's Content-Security-Policy needs no 'unsafe-inline'.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def esc(text: Any) -> str:
    return str(escape(str(text)))


def num(v: float | None, kind: str | None = None) -> str:
    """Counts (``kind`` of the metric) and large values with one decimal, the rest with three."""
    if v is None:
        return "–"
    if kind == "count" or abs(v) >= 100:
        return f"{v:.1f}"
    return f"{v:.3f}"


def tick(v: float) -> str:
    """Axis numbers without exponents: 1,000 · 62.5 · 0.25 · 0.0004."""
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}" if abs(v) >= 1e-4 else f"{v:.1e}"


def _scale_max(metric: str, values: list[float]) -> float:
    top = max(values, default=1.0)
    if top <= 1.0 and min(values, default=0.0) >= 0.0:
        return 1.0
    return nice_ceiling(top)


def nice_ceiling(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * exp:
            return m * exp
    return 10 * exp


def metric_bars(metric: str, rows: list[dict[str, Any]], kind: str | None = None) -> Markup:
    """Horizontal bar per system (mean) with a 95% CI whisker."""
    label_w, plot_w, row_h, top = 96, 170, 22, 8
    h = top + row_h * len(rows) + 22
    vals = [v for r in rows for v in (r["cells"][metric]["mean"], r["cells"][metric]["hi"]) if v is not None]
    vmax = _scale_max(metric, vals)
    x = lambda v: label_w + plot_w * max(0.0, min(v, vmax)) / vmax  # noqa: E731
    out = [f'<svg class="plot bars" viewBox="0 0 {label_w + plot_w + 52} {h}" role="img" '
           f'aria-label="{esc(metric)} by system">']
    for i, r in enumerate(rows):
        c = r["cells"][metric]
        y = top + i * row_h
        out.append(f'<text class="lbl" x="{label_w - 6}" y="{y + 14}" text-anchor="end">{esc(r["system"][:14])}</text>')
        if c["mean"] is None:
            out.append(f'<text class="muted" x="{label_w + 4}" y="{y + 14}">no values</text>')
            continue
        w = x(c["mean"]) - label_w
        tip = f'{r["system"]}: {num(c["mean"], kind)} [{num(c["lo"], kind)}, {num(c["hi"], kind)}] n={c["n"]}'
        out.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color(i)}" '
                   f'opacity="0.85"><title>{esc(tip)}</title></rect>')
        if c["lo"] is not None and c["hi"] is not None and c["hi"] > c["lo"]:
            x0, x1, ym = x(c["lo"]), x(c["hi"]), y + row_h / 2
            out.append(f'<path class="whisker" d="M{x0:.1f} {ym}H{x1:.1f}M{x0:.1f} {ym - 5}V{ym + 5}'
                       f'M{x1:.1f} {ym - 5}V{ym + 5}"/>')
        mark = " ★" if c.get("best") else ""
        out.append(f'<text class="val" x="{label_w + plot_w + 4}" y="{y + 14}">{num(c["mean"], kind)}{mark}</text>')
    base = top + row_h * len(rows)
    out.append(f'<path class="axis" d="M{label_w} {top}V{base}H{label_w + plot_w}"/>')
    for t in (0, 0.5, 1):
        out.append(f'<text class="tick" x="{label_w + plot_w * t:.1f}" y="{base + 14}" text-anchor="middle">'
                   f'{num(vmax * t, kind) if vmax != 1 else t}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def pareto(points: list[tuple[float, float, int]]) -> list[int]:
    """Indices not dominated: no other point is at most as costly and at least as good (one strictly)."""
    front = []
    for cx, qy, i in points:
        dominated = any((ox <= cx and oy >= qy) and (ox < cx or oy > qy) for ox, oy, _ in points)
        if not dominated:
            front.append(i)
    return front


def cost_quality(rows: list[dict[str, Any]], metric: str, xkey: str, xlabel: str, sign: int = 1,
                 kind: str | None = None) -> Markup:
    """Scatter of one quality metric against cost (or latency) per item, Pareto front joined.

    ``sign`` is the metric's direction (-1: lower is better, e.g. violations).
    """
    pts = [(r[xkey], r["cells"][metric]["mean"], i) for i, r in enumerate(rows)
           if r.get(xkey) is not None and r["cells"].get(metric, {}).get("mean") is not None]
    W, H, L, B, T, R = 520, 300, 64, 44, 16, 120
    pw, ph = W - L - R, H - T - B
    if not pts:
        return Markup(f'<p class="muted">No system has both {esc(xlabel)} and {esc(metric)}.</p>')
    xmax = nice_ceiling(max(p[0] for p in pts) * 1.1 or 1.0)
    ys = [p[1] for p in pts]
    ymax = _scale_max(metric, ys)
    sx = lambda v: L + pw * v / xmax  # noqa: E731
    sy = lambda v: T + ph - ph * v / ymax  # noqa: E731
    out = [f'<svg class="plot scatter" viewBox="0 0 {W} {H}" role="img" '
           f'aria-label="{esc(metric)} against {esc(xlabel)}">',
           f'<path class="axis" d="M{L} {T}V{T + ph}H{L + pw}"/>']
    for k in range(5):
        gx, gy = xmax * k / 4, ymax * k / 4
        out.append(f'<path class="grid" d="M{sx(gx):.1f} {T}V{T + ph}M{L} {sy(gy):.1f}H{L + pw}"/>')
        out.append(f'<text class="tick" x="{sx(gx):.1f}" y="{T + ph + 14}" text-anchor="middle">{tick(gx)}</text>')
        out.append(f'<text class="tick" x="{L - 6}" y="{sy(gy) + 4:.1f}" text-anchor="end">{tick(gy)}</text>')
    out.append(f'<text class="axlbl" x="{L + pw / 2}" y="{H - 6}" text-anchor="middle">{esc(xlabel)}</text>')
    out.append(f'<text class="axlbl" transform="translate(14 {T + ph / 2}) rotate(-90)" '
               f'text-anchor="middle">{esc(metric)} (mean)</text>')
    best = set(pareto([(cx, qy * (-1 if sign < 0 else 1), i) for cx, qy, i in pts]))
    front = sorted((p for p in pts if p[2] in best), key=lambda p: p[0])
    if len(front) > 1:
        d = "M" + "L".join(f"{sx(a):.1f} {sy(b):.1f}" for a, b, _ in front)
        out.append(f'<path class="front" d="{d}"><title>Pareto front</title></path>')
    on_front = {p[2] for p in front}
    label_y = spread_labels([(sx(cx), sy(qy) + 4, i) for cx, qy, i in pts])
    for cx, qy, i in pts:
        r = rows[i]
        tip = f'{r["system"]}: {metric} {num(qy, kind)}, {xlabel} {cx:.4g}' + (" — Pareto-optimal" if i in on_front else "")
        cls = "pt front-pt" if i in on_front else "pt"
        out.append(f'<circle class="{cls}" cx="{sx(cx):.1f}" cy="{sy(qy):.1f}" r="6" fill="{color(i)}">'
                   f'<title>{esc(tip)}</title></circle>')
        ly = label_y[i]
        if abs(ly - (sy(qy) + 4)) > 1:  # moved away from its point: draw a leader line
            out.append(f'<path class="grid leader" d="M{sx(cx) + 6:.1f} {sy(qy):.1f}L{sx(cx) + 9:.1f} {ly - 4:.1f}"/>')
        out.append(f'<text class="lbl" x="{sx(cx) + 9:.1f}" y="{ly:.1f}">{esc(r["system"][:18])}'
                   f'{" ◆" if i in on_front else ""}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def spread_labels(anchors: list[tuple[float, float, int]], gap: float = 13.0, width: float = 110.0) -> dict[int, float]:
    """Label baselines that do not overlap: labels near in x are pushed apart vertically."""
    placed: list[tuple[float, float]] = []
    out: dict[int, float] = {}
    for x, y, i in sorted(anchors, key=lambda a: (a[1], a[0])):
        while any(abs(px - x) < width and abs(py - y) < gap for px, py in placed):
            y += 2
        placed.append((x, y))
        out[i] = y
    return out


def distribution(metric: str, systems: list[str], values: dict[str, list[float]], kind: str | None = None,
                 bins: int = 20) -> Markup:
    """Per-system histogram of per-item values, with the median marked."""
    allv = [v for vs in values.values() for v in vs]
    if not allv:
        return Markup(f'<p class="muted">No per-item values for {esc(metric)}.</p>')
    lo = min(0.0, min(allv))
    hi = _scale_max(metric, allv)
    hi = hi if hi > lo else lo + 1
    label_w, plot_w, row_h, top = 96, 360, 44, 6
    H = top + row_h * len(systems) + 22
    out = [f'<svg class="plot dist" viewBox="0 0 {label_w + plot_w + 110} {H}" role="img" '
           f'aria-label="distribution of {esc(metric)} per item">']
    sx = lambda v: label_w + plot_w * (v - lo) / (hi - lo)  # noqa: E731
    for si, name in enumerate(systems):
        vs = sorted(values.get(name, []))
        y0 = top + si * row_h
        out.append(f'<text class="lbl" x="{label_w - 6}" y="{y0 + row_h / 2 + 4}" text-anchor="end">{esc(name[:14])}</text>')
        if not vs:
            continue
        counts = [0] * bins
        for v in vs:
            counts[min(bins - 1, max(0, int((v - lo) / (hi - lo) * bins)))] += 1
        peak = max(counts)
        bw = plot_w / bins
        for b, n in enumerate(counts):
            if n:
                bh = (row_h - 8) * n / peak
                out.append(f'<rect x="{label_w + b * bw + 0.5:.1f}" y="{y0 + row_h - 4 - bh:.1f}" width="{bw - 1:.1f}" '
                           f'height="{bh:.1f}" fill="{color(si)}" opacity="0.8"><title>{n} item(s) in '
                           f'[{lo + b * (hi - lo) / bins:.3g}, {lo + (b + 1) * (hi - lo) / bins:.3g})</title></rect>')
        med = vs[len(vs) // 2] if len(vs) % 2 else (vs[len(vs) // 2 - 1] + vs[len(vs) // 2]) / 2
        out.append(f'<path class="median" d="M{sx(med):.1f} {y0 + 2}V{y0 + row_h - 3}"><title>median '
                   f'{num(med, kind)}</title></path>')
        out.append(f'<text class="val" x="{label_w + plot_w + 6}" y="{y0 + row_h / 2 + 4}">med {num(med, kind)} '
                   f'n={len(vs)}</text>')
    base = top + row_h * len(systems)
    out.append(f'<path class="axis" d="M{label_w} {base}H{label_w + plot_w}"/>')
    for t in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<text class="tick" x="{label_w + plot_w * t:.1f}" y="{base + 14}" text-anchor="middle">'
                   f'{tick(lo + (hi - lo) * t)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
