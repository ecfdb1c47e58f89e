"""The report of a run: the terminal lines, and a file in Markdown, JSON or JUnit XML (by its suffix).

JUnit XML lets a CI system show each check as a test case: a FAIL is a
``<failure>``, a SKIP ``<skipped>``; a WARN passes, with its detail in
``<system-out>``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from .results import FAIL, SKIP, WARN, Results

SUFFIXES = (".md", ".json", ".xml")


def as_dict(results: Results, about: dict[str, Any]) -> dict[str, Any]:
    passed, failed, warnings = results.counts()
    return {
        "run": about,
        "summary": {
            "passed": passed,
            "failed": failed,
            "warnings": warnings,
            "skipped": sum(r.outcome == SKIP for r in results.ordered()),
            "exit": results.exit_code,
        },
        "checks": [
            {
                "id": r.check.id,
                "title": r.check.title,
                "severity": r.check.severity,
                "outcome": r.outcome,
                "detail": r.detail,
                "source": r.check.source,
                "contradiction": r.check.contradiction,
            }
            for r in results.ordered()
        ],
    }


def as_markdown(results: Results, about: dict[str, Any]) -> str:
    lines = [f"# SETU Planning conformance: {about['base_url']}", ""]
    lines += [f"- {key}: {value}" for key, value in about.items() if key != "base_url"]
    lines += [
        "",
        f"**{results.summary()}**",
        "",
        "| outcome | check | severity | detail | source |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results.ordered():
        source = r.check.source + (f"; contradicted by {r.check.contradiction}" if r.check.contradiction else "")
        cells = [r.outcome, f"`{r.check.id}` {r.check.title}", r.check.severity, r.detail, source]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def as_junit(results: Results, about: dict[str, Any]) -> bytes:
    passed, failed, _ = results.counts()
    ordered = results.ordered()
    suite = Element(
        "testsuite",
        name="setu-planning conformance",
        tests=str(len(ordered)),
        failures=str(failed),
        skipped=str(sum(r.outcome == SKIP for r in ordered)),
        timestamp=about["started"],
    )
    properties = SubElement(suite, "properties")
    for key, value in about.items():
        SubElement(properties, "property", name=key, value=str(value))
    for r in ordered:
        case = SubElement(
            suite, "testcase", classname=r.check.id.split(".", 1)[0], name=f"{r.check.id} {r.check.title}"
        )
        if r.outcome == FAIL:
            SubElement(case, "failure", message=r.detail, type=r.check.severity).text = r.check.source
        elif r.outcome == SKIP:
            SubElement(case, "skipped", message=r.detail)
        else:
            out = SubElement(case, "system-out")
            out.text = f"{r.outcome} ({r.check.severity}): {r.detail}\nsource: {r.check.source}"
            if r.outcome == WARN and r.check.contradiction:
                out.text += f"\ncontradicted by: {r.check.contradiction}"
    return tostring(suite, encoding="utf-8", xml_declaration=True)


def write(path: Path, results: Results, about: dict[str, Any]) -> None:
    """Write the report in the format its suffix names (.md, .json, .xml)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(as_dict(results, about), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elif suffix == ".md":
        path.write_text(as_markdown(results, about), encoding="utf-8")
    elif suffix == ".xml":
        path.write_bytes(as_junit(results, about))
    else:
        raise ValueError(f"--report {path}: the suffix must be one of {', '.join(SUFFIXES)}")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
