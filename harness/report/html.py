"""report.html: one self-contained file (inline CSS, JS and SVG; no network).

Safety, in layers: jinja2 autoescapes every value in the template; data for
the script is JSON in a ``<script type="application/json">`` block with
``< > &`` and U+2028/9 escaped so no text can close the tag; the script
builds the drill-down with ``textContent`` only (never ``innerHTML``); and a
Content-Security-Policy allows exactly the one inline script and style (by
hash) and nothing from anywhere, so even a missed escape cannot run or load.

A run judged by ``[pairwise]`` also gets a "Pairwise judge" section, and its
shown items' verdicts in a second data block read by ``pairwise.js`` (appended
to the one script, with ``pairwise.css``): a run without pairwise.jsonl gets
none of it, so its page is what it was before the judge existed.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

from harness.core.errors import UserError
from harness.core.files import write_atomic
from harness.report.compare import build_comparison, plan_sides
from harness.report.data import ReportData, load_report_data
from harness.report.pairwise import PairwiseView, html_payload, load_pairwise
from harness.report.svg import PALETTE, cost_quality, distribution, metric_bars, num
from harness.results.scan import RunScan

COMPRESS_OVER = 1_000_000  # characters of item JSON above which it is gzipped

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> str:
    """JSON that is safe inside <script type="application/json"> (cannot close the tag)."""
    return _escape(_json(data))


def _escape(text: str) -> str:
    for ch, rep in _JSON_ESCAPES.items():
        text = text.replace(ch, rep)
    return text


def _json(data: Any) -> str:
    """Compact JSON; NaN/inf become null. Tries the plain dump first: walking a big
    report's data to look for NaN costs more than dumping it twice when one is there."""
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError):
        return json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _finite(obj: Any) -> Any:
    """NaN/inf become null (JSON has no NaN; JSON.parse would reject it)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _asset(name: str) -> str:
    return resources.files("harness.report").joinpath("templates", name).read_text(encoding="utf-8")


def main_metrics(data: ReportData) -> list[str]:
    """The headline metrics shown up front; the rest sit behind a 'more' toggle."""
    main = [m for m in data.metric_names if data.catalog.is_headline(m)]
    return main if len(main) >= 3 else data.metric_names[:8]


def plots(data: ReportData, primary: str | None) -> dict[str, Any]:
    rows = data.table
    kind = data.catalog.kind
    bars = [(m, metric_bars(m, rows, kind(m))) for m in data.metric_names]
    main = set(main_metrics(data))
    dists = [(m, distribution(m, data.systems, per_item_values(data, m), kind(m))) for m in data.metric_names]
    has_cost = any(r["cost_per_item"] is not None for r in rows)
    xkey, xlabel = ("cost_per_item", "cost per item (USD)") if has_cost else ("latency_ms", "mean latency per item (ms)")
    notes = []
    if not has_cost:
        notes.append("No system in this run recorded a cost (offline and extractive backends are free), "
                     "so quality is plotted against mean latency per item instead.")
    else:
        missing = [r["system"] for r in rows if r["cost_per_item"] is None]
        if missing:
            notes.append(f"Not plotted (no cost recorded): {', '.join(missing)}.")
    chosen = [m for m in main_metrics(data) if data.dirs.get(m)]
    if primary in chosen:
        chosen.remove(primary)
    if primary and data.dirs.get(primary):
        chosen.insert(0, primary)
    scatters = [(m, cost_quality(rows, m, xkey, xlabel, data.dirs[m], kind(m))) for m in chosen]
    return {"bars": [b for b in bars if b[0] in main], "more_bars": [b for b in bars if b[0] not in main],
            "dists": dists, "scatters": scatters, "scatter_notes": notes,
            "scatter_title": "Quality vs cost" if has_cost else "Quality vs latency",
            "scatter_better": "cheaper" if has_cost else "faster"}


def per_item_values(data: ReportData, metric: str) -> dict[str, list[float]]:
    """Every finite per-item value of ``metric``, per system (all records, not only the shown items)."""
    out = {}
    for name, cols in data.scan.systems.items():
        out[name] = [v for v in cols.values(metric, range(len(cols))) if math.isfinite(v)]
    return out


def check_report_args(run_dir: Path, out: Path | None, compare: Path | None, sys_a: str | None,
                      sys_b: str | None) -> None:
    """Fail on a bad --html/--compare/--a/--b before anything is written."""
    _check_out(out)
    plan_sides(run_dir, compare, sys_a, sys_b)


def _check_out(out: Path | None) -> None:
    if out is not None and out.is_dir():
        raise UserError("--html names a folder", file=out, fix="give a file name, e.g. --html /tmp/report.html")


def data_block(payload: dict[str, Any], compress_over: int) -> tuple[str, str]:
    """(encoding, text) of the item data: plain escaped JSON, or gzip+base64 when large.

    Articles dominate a big run's report; gzip shrinks them ~3x, keeping a
    500-item report well under its 5 MB budget. Small reports stay plain
    JSON, readable with a text editor. mtime=0 keeps the output reproducible.
    """
    text = _json(payload)  # dumped once: escaping for the page, or gzip, works on the same string
    if len(text) <= compress_over:
        return "json", _escape(text)
    return "gzip+base64", base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)
                                           ).decode("ascii")


def pairwise_assets(view: PairwiseView | None, shown: set[str], compress_over: int) -> tuple[str, str, Any]:
    """(extra css, extra js, (encoding, text) of the item verdicts or None): all empty without a judge."""
    if view is None or not view.lines:
        return "", "", None
    import jinja2

    encoding, text = data_block(html_payload(view, shown), compress_over)
    return _asset("pairwise.css"), _asset("pairwise.js"), (encoding, jinja2.utils.markupsafe.Markup(text))


def render_report(run_dir: Path, compare: Path | None = None, sys_a: str | None = None,
                  sys_b: str | None = None, compress_over: int = COMPRESS_OVER, scan: RunScan | None = None) -> str:
    import jinja2

    from harness.core.version import __version__
    from harness.results.store import utc_now

    data = load_report_data(run_dir, scan)
    primary = data.primary
    cmp = build_comparison(run_dir, compare, sys_a, sys_b, primary)
    pw = load_pairwise(run_dir, data.manifest)
    pw_css, pw_js, pw_data = pairwise_assets(pw, data.selection.ids, compress_over)
    css, js = _asset("report.css") + pw_css, _asset("report.js") + pw_js
    payload = {"systems": data.systems, "metrics": data.metric_names, "main": main_metrics(data),
               "dir": data.dirs, "counts": [m for m in data.metric_names if data.catalog.kind(m) == "count"],
               "primary": primary, "items": data.items}
    if not data.selection.complete:
        payload["total_items"] = data.selection.total
    encoding, data_text = data_block(payload, compress_over)
    env = jinja2.Environment(loader=jinja2.PackageLoader("harness.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v, metric="": num(v, data.catalog.kind(metric))
    template = env.get_template("report.html.j2")
    return template.render(
        h=data.header, notes=data.notes, table=data.table, metrics=data.metric_names, systems=data.systems,
        dirs=data.dirs, primary=primary, plots=plots(data, primary),
        comparison=cmp, pairwise=pw, pairwise_data=pw_data, palette=PALETTE, n_items=len(data.items),
        selection=data.selection,
        version=__version__, generated=utc_now(),
        css=jinja2.utils.markupsafe.Markup(css), js=jinja2.utils.markupsafe.Markup(js),
        data_encoding=encoding, data_text=jinja2.utils.markupsafe.Markup(data_text),
        csp=f"default-src 'none'; style-src {csp_hash(css)}; script-src {csp_hash(js)}; img-src data:; "
            "base-uri 'none'; form-action 'none'")


def write_html_report(run_dir: Path, out: Path | None = None, compare: Path | None = None,
                      sys_a: str | None = None, sys_b: str | None = None,
                      compress_over: int = COMPRESS_OVER, scan: RunScan | None = None) -> Path:
    """Render and write atomically; returns the path written."""
    _check_out(out)
    html = render_report(run_dir, compare, sys_a, sys_b, compress_over, scan)
    path = out or run_dir / "report.html"
    write_atomic(path, html)
    return path
