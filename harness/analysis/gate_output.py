"""What ``sumbench check`` prints and writes: console table, JUnit XML, Markdown.

JUnit: ``<testsuites><testsuite><testcase/>…`` with one testcase per rule and
system, a ``<failure>`` child for each regression — the subset every CI
system (GitHub, GitLab, Jenkins) reads. Markdown: a heading and a table,
for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from harness.analysis.gate import ALL_SYSTEMS, GateResult, Outcome


def _num(v: float | None) -> str:
    return "-" if v is None else (str(v) if isinstance(v, int) else f"{v:.4f}")


def _change(o: Outcome) -> str:
    s = o.stats
    if s is None or s.diff is None:
        return "-"
    return f"{s.diff:+.4f} [{s.ci_low:+.4f}, {s.ci_high:+.4f}]"


def _p(o: Outcome) -> str:
    if o.p_holm is None:
        return "-"
    return "<0.0001" if o.p_holm < 0.0001 else f"{o.p_holm:.4f}"


def headline(res: GateResult) -> str:
    n, bad = len(res.outcomes), len(res.failures)
    if not bad:
        return f"check passed: {n} of {n} rules hold (suite {res.suite})"
    return f"check FAILED: {bad} of {n} rules broken (suite {res.suite})"


def console(res: GateResult) -> str:
    rows = [["result", "system", "rule", "value", "baseline", "change [95% CI]", "p Holm"]]
    for o in res.outcomes:
        rows.append(["ok" if o.passed else "FAIL", o.system, o.name, _num(o.value), _num(o.baseline),
                     _change(o), _p(o)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for o in res.failures:
        lines.append(f"FAIL {o.system}: {o.name}: {o.message}")
    lines += [f"note: {n}" for n in res.notes]
    lines.append(headline(res))
    return "\n".join(lines)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    """Characters XML 1.0 cannot hold (control codes from a hand-edited records file) become '?'."""
    return _NOT_XML.sub("?", text)


def junit_xml(res: GateResult) -> str:
    """JUnit XML: testsuites > testsuite > testcase (> failure). Text is escaped by ElementTree."""
    root = ET.Element("testsuites", name="sumbench check", tests=str(len(res.outcomes)),
                      failures=str(len(res.failures)), errors="0")
    suite = ET.SubElement(root, "testsuite", name=f"sumbench.{res.suite}", tests=str(len(res.outcomes)),
                          failures=str(len(res.failures)), errors="0", skipped="0", time="0")
    for o in res.outcomes:
        classname = f"sumbench.{res.suite}" + ("" if o.system == ALL_SYSTEMS else f".{o.system}")
        case = ET.SubElement(suite, "testcase", classname=_x(classname), name=_x(o.name), time="0")
        if not o.passed:
            fail = ET.SubElement(case, "failure", message=_x(o.message), type="QualityRegression")
            fail.text = _x(o.message)
        else:
            ET.SubElement(case, "system-out").text = _x(o.message)
    if res.notes:
        ET.SubElement(suite, "system-out").text = _x("\n".join(res.notes))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cell(text: str) -> str:
    """Markdown table cell: pipes escaped, no newlines, HTML-significant characters neutralised."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", " "))


def markdown(res: GateResult) -> str:
    icon = "✅" if not res.failures else "❌"
    lines = [f"### {icon} sumbench {_cell(headline(res))}", "",
             "| result | system | rule | value | baseline | change [95% CI] | p (Holm) | details |",
             "|---|---|---|---:|---:|---:|---:|---|"]
    for o in res.outcomes:
        lines.append("| " + " | ".join([
            "✅ pass" if o.passed else "❌ **fail**", _cell(o.system), _cell(o.name), _num(o.value),
            _num(o.baseline), _change(o), _cell(_p(o)), _cell(o.message)]) + " |")
    lines.append("")
    lines.append(f"max_drop fails only when the drop is larger than max_drop **and** significant "
                 f"(paired permutation test, Holm-adjusted, alpha {res.alpha:g}).")
    for n in res.notes:
        lines += ["", f"> note: {_cell(n)}"]
    return "\n".join(lines) + "\n"
