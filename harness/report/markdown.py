"""Human-readable output of a run: the terminal table and report.md.

Reads run folders only; never calls a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.core.files import write_atomic
from harness.core.metrics import Catalog, catalog_of
from harness.core.table import render_text_table
from harness.report.data import records_warning
from harness.results.metrics import read_metrics
from harness.results.store import load_run, read_manifest


def fmt(kind: str | None, value: float | None) -> str:
    """Counts with one decimal (a mean of word counts), everything else with three."""
    if value is None:
        return "–"
    if kind == "count":
        return f"{value:.1f}"
    return f"{value:.3f}"


def metric_names(metrics: dict[str, Any], catalog: Catalog) -> list[str]:
    """Every metric of a metrics.json, headline metrics first."""
    names: set[str] = set()
    for s in metrics["systems"].values():
        names |= set(s["metrics"])
    return catalog.order(names)


def table_rows(metrics: dict[str, Any], catalog: Catalog, columns: list[str] | None = None
               ) -> tuple[list[str], list[list[str]]]:
    systems = metrics["systems"]
    cols = columns or metric_names(metrics, catalog)
    header = ["system", *cols, "n", "errors"]
    rows = []
    for name, s in systems.items():
        n = max((m["n"] for m in s["metrics"].values()), default=0)
        rows.append([name, *(fmt(catalog.kind(c), s["metrics"].get(c, {}).get("mean")) for c in cols),
                     str(n), str(s["errors"])])
    return header, rows


def console_table(run_dir: Path, max_cols: int = 8) -> str:
    manifest = read_manifest(run_dir)  # the records are not needed: metrics.json has the means
    metrics = read_metrics(run_dir)
    catalog = catalog_of(manifest)
    return render_text_table(*table_rows(metrics, catalog, metric_names(metrics, catalog)[:max_cols]))


def md_escape(text: str) -> str:
    """Model output shown as text: no HTML, no entities, no links or images (``![x](url)`` would be
    fetched by the viewer), no table breaks."""
    return (text.replace("\\", "\\\\").replace("&", "&amp;").replace("|", "\\|").replace("<", "&lt;")
            .replace(">", "&gt;").replace("[", "\\[").replace("]", "\\]").replace("\n", " "))


def write_markdown_report(run_dir: Path) -> Path:
    manifest, records = load_run(run_dir)
    metrics = read_metrics(run_dir)
    # tolerate hand-made or older manifests: every field but status may be missing
    suite = manifest.get("suite") if isinstance(manifest.get("suite"), dict) else {}
    git = manifest.get("git") if isinstance(manifest.get("git"), dict) else {}
    n_items = suite.get("n_items", len({r.item_id for r in records}))
    out = [f"# sumbench run: {md_escape(str(suite.get('name', run_dir.name)))}", "",
           f"- run: `{run_dir.name}` — status **{manifest['status']}**",
           f"- started {manifest.get('started')}, finished {manifest.get('finished')}",
           f"- dataset sha256 `{str(suite.get('dataset_sha256') or 'n/a')[:12]}`, {n_items} items",
           f"- git {str(git.get('commit') or 'n/a')[:12]}" + (" (dirty)" if git.get("dirty") else ""), ""]
    tampered = records_warning(run_dir, manifest)
    if tampered:
        out[2:2] = [f"**Warning:** {md_escape(tampered)}", ""]  # right under the title
    dups = manifest.get("duplicates", {}).get("items", {})
    if dups:
        out += ["## Duplicated paragraphs removed before summarizing", ""]
        out += [f"- `{md_escape(k)}`: {md_escape(v)}" for k, v in dups.items()] + [""]
    out += ["## Systems (mean, 95% bootstrap CI)", ""]
    catalog = catalog_of(manifest)
    cols = metric_names(metrics, catalog)
    out.append("| system | " + " | ".join(cols) + " | errors |")
    out.append("|---" * (len(cols) + 2) + "|")
    for name, s in metrics["systems"].items():
        cells = []
        for c in cols:
            m = s["metrics"].get(c)
            if not m or m["mean"] is None:
                cells.append("–")
            else:
                kind = catalog.kind(c)
                cells.append(f"{fmt(kind, m['mean'])} [{fmt(kind, m['ci_low'])}, {fmt(kind, m['ci_high'])}]")
        out.append(f"| {md_escape(name)} | " + " | ".join(cells) + f" | {s['errors']} |")
    out += ["", "## Items", ""]
    for r in sorted(records, key=lambda r: (r.item_id, r.system)):
        out.append(f"### `{md_escape(r.item_id)}` — {md_escape(r.system)}")
        out.append("")
        if r.error:
            out.append(f"**error:** {md_escape(r.error)}")
        if r.summary is not None:
            out += ["> " + md_escape(line) for line in r.summary.splitlines() or [""]]
            out.append("")
            out.append(" · ".join(f"{k} {fmt(catalog.kind(k), v)}" for k, v in r.scores.items()))
            ck = r.details.get("checklist") or {}
            if ck.get("missed") or ck.get("violated"):
                out.append("")
                out.append(f"missed: {', '.join(ck.get('missed', [])) or 'none'}; "
                           f"violated: {', '.join(ck.get('violated', [])) or 'none'}")
        out.append("")
    path = run_dir / "report.md"
    write_atomic(path, "\n".join(out) + "\n")
    return path
