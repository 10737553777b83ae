"""The report as JUnit XML, for CI dashboards: a test suite per agent+model, a test case per attempt."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Sequence

from agentspec.store.sqlite import AttemptRecord
from agentspec.store.stats import entry_label


def render_junit(records: Sequence[AttemptRecord]) -> str:
    """Attempts as JUnit XML: passed attempts pass, failed ones fail, errored ones are errors."""
    suites = ElementTree.Element("testsuites", name="agentspec")
    groups: dict[str, list[AttemptRecord]] = defaultdict(list)
    for record in records:
        groups[entry_label(record.agent, record.model)].append(record)
    for label, group in sorted(groups.items()):
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=label,
            tests=str(len(group)),
            failures=str(sum(r.outcome == "failed" for r in group)),
            errors=str(sum(r.outcome == "error" for r in group)),
            time=f"{sum(r.duration_s for r in group):.3f}",
        )
        for record in sorted(group, key=lambda r: (r.task, r.trial)):
            case = ElementTree.SubElement(
                suite, "testcase", classname=record.task, name=f"trial {record.trial}", time=f"{record.duration_s:.3f}"
            )
            if record.outcome != "passed":
                tag = "error" if record.outcome == "error" else "failure"
                detail = ElementTree.SubElement(case, tag, type=record.failure_kind or record.outcome)
                detail.set(
                    "message",
                    f"{record.failure_kind or record.outcome}: {record.tests_passed}/{record.tests_total} tests passed",
                )
                detail.text = record.error or ""
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
