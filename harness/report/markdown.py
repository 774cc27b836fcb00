"""Human-readable output of a run: the terminal table and report.md.

Reads run folders only; never calls a model. report.md lists every item of a
run with at most ``MD_ITEMS`` items (fewer with more than three systems: ``md_item_limit``);
a bigger run gets a selection (the worst,
the largest spread between systems, failed, flagged, a seeded sample: see
``report.selection``) and its failures grouped by message, so it stays a file
someone can read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.core.files import write_atomic
from harness.core.metrics import Catalog, catalog_of
from harness.core.models import Record
from harness.core.table import render_text_table
from harness.report.data import records_warning, report_metrics, select_shown
from harness.report.pairwise import load_pairwise
from harness.report.selection import MD_ITEMS, Selection, md_item_limit
from harness.results.metrics import read_metrics
from harness.results.scan import RunScan, read_selected, scan_run
from harness.results.store import read_manifest


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


def write_markdown_report(run_dir: Path, scan: RunScan | None = None) -> Path:
    """report.md: run facts, the systems table (every record) and a bounded number of items in full."""
    scan = scan or scan_run(run_dir)
    manifest = scan.manifest
    metrics = read_metrics(run_dir, scan)
    # tolerate hand-made or older manifests: every field but status may be missing
    suite = manifest.get("suite") if isinstance(manifest.get("suite"), dict) else {}
    git = manifest.get("git") if isinstance(manifest.get("git"), dict) else {}
    n_items = suite.get("n_items", len(scan.items))
    out = [f"# sumbench run: {md_escape(str(suite.get('name', run_dir.name)))}", "",
           f"- run: `{run_dir.name}` — status **{manifest['status']}**",
           f"- started {manifest.get('started')}, finished {manifest.get('finished')}",
           f"- dataset sha256 `{str(suite.get('dataset_sha256') or 'n/a')[:12]}`, {n_items} items",
           f"- git {str(git.get('commit') or 'n/a')[:12]}" + (" (dirty)" if git.get("dirty") else ""), ""]
    tampered = records_warning(run_dir, manifest, scan)
    if tampered:
        out[2:2] = [f"**Warning:** {md_escape(tampered)}", ""]  # right under the title
    dups = manifest.get("duplicates", {}).get("items", {})
    if dups:
        out += ["## Duplicated paragraphs removed before summarizing", ""]
        shown = list(dups.items())[:MD_ITEMS]
        out += [f"- `{md_escape(k)}`: {md_escape(v)}" for k, v in shown]
        if len(dups) > len(shown):
            out.append(f"- … and {len(dups) - len(shown)} more (manifest.json, `duplicates.items`)")
        out.append("")
    catalog = catalog_of(manifest)
    out += systems_table(metrics, catalog)
    out += pairwise_table(run_dir, manifest)
    out += ["", "## Items", ""]
    out += items_section(run_dir, scan, catalog, report_metrics(scan, metrics, catalog))
    path = run_dir / "report.md"
    write_atomic(path, "\n".join(out) + "\n")
    return path


def systems_table(metrics: dict[str, Any], catalog: Catalog) -> list[str]:
    out = ["## Systems (mean, 95% bootstrap CI)", ""]
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
    return out


def pairwise_table(run_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """The [pairwise] judge's pairs, as ``sumbench compare`` counts them; [] for a run without a judge."""
    view = load_pairwise(run_dir, manifest)
    if view is None:
        return []
    out = ["", "## Pairwise judge (both orders per item; a win only when they agree; ties count half)", ""]
    if view.note:
        return out + [f"**Note:** {md_escape(view.note)}"]
    out += ["| A | B | items | wins A | wins B | ties | undecided | win rate of B [95% CI] | sign test p "
            "| position consistency | first-position rate |", "|---" * 11 + "|"]
    for r in view.pairs:
        out.append(f"| {md_escape(r['a'])} | {md_escape(r['b'])} | {r['judge_lines']} | {r['wins_a']} "
                   f"| {r['wins_b']} | {r['ties']} | {r['undecided']} | {fmt(None, r['win_rate_b'])} "
                   f"[{fmt(None, r['ci_low'])}, {fmt(None, r['ci_high'])}] | {fmt(None, r['p'])} "
                   f"| {fmt(None, r['position_consistency'])} | {fmt(None, r['first_position_rate'])} |")
    warnings = [f"- **Warning** ({md_escape(r['a'])} vs {md_escape(r['b'])}): {md_escape(w)}"
                for r in view.pairs for w in r["warnings"]]
    return out + ([""] + warnings if warnings else [])


def items_section(run_dir: Path, scan: RunScan, catalog: Catalog, names: list[str]) -> list[str]:
    """Every item of a small run; for a big one the selection (on the same metric as report.html's),
    said as such, and its failures."""
    sel = select_shown(scan, names, catalog, md_item_limit(len(scan.systems)))
    if sel.complete:  # as it always was: every record, by item and system
        return [line for r in sorted(read_selected(run_dir, sel.ids), key=lambda r: (r.item_id, r.system))
                for line in record_lines(r, catalog, None)]
    rank = {item: k for k, item in enumerate(sel.reasons)}  # in pick order: failed, worst, spread, ...
    out = selection_intro(sel) + failures_by_error(scan)
    for r in sorted(read_selected(run_dir, sel.ids), key=lambda r: (rank[r.item_id], r.system)):
        out += record_lines(r, catalog, sel.reasons[r.item_id])
    return out


def selection_intro(sel: Selection) -> list[str]:
    groups = "; ".join(f"{why}: {n}" for why, n in sel.groups.items())
    out = [f"This run has {sel.total:,} items; {len(sel.reasons):,} are listed below ({md_escape(groups)}). "
           f"The other {sel.left_out:,} are left out here: every record is in records.jsonl, and the table "
           "above uses all of them.", ""]
    return out


def failures_by_error(scan: RunScan, ids_per_error: int = 20, max_groups: int = 50) -> list[str]:
    """Each failure message (the item's id taken out) with its count and first item ids, so every
    failed record is accounted for in a few lines however many there are."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name, cols in scan.systems.items():
        for item, p in cols.latest().items():
            if cols.error[p]:
                message = cols.error_text.get(p, "error").replace(item, "{item}")
                groups.setdefault((name, message), []).append(item)
    if not groups:
        return []
    out = ["### Failed records, by error", ""]
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for (name, err), items in ranked[:max_groups]:
        shown = ", ".join(f"`{md_escape(i)}`" for i in sorted(items)[:ids_per_error])
        more = f" and {len(items) - ids_per_error:,} more" if len(items) > ids_per_error else ""
        out.append(f"- {md_escape(name)}, {len(items):,} × {md_escape(err)}: {shown}{more}")
    if len(ranked) > max_groups:
        rest = sum(len(items) for _, items in ranked[max_groups:])
        out.append(f"- … {rest:,} more failed records with {len(ranked) - max_groups:,} other messages "
                   "(see 'error' in records.jsonl)")
    return out + [""]


def record_lines(r: Record, catalog: Catalog, why: list[str] | None) -> list[str]:
    out = [f"### `{md_escape(r.item_id)}` — {md_escape(r.system)}", ""]
    if why:
        out += [f"*shown as: {md_escape('; '.join(why))}*", ""]
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
    return out
