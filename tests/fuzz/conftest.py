"""The API fuzz run's figures, printed at the end of the session whatever ``-s`` or ``-q`` say.

tests/fuzz/test_api_fuzz.py counts into ``FIGURES``; the summary names the operations run, the cases sent,
the answers by status class and every server error, so the CI log shows how much was fuzzed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest


@dataclass
class Figures:
    operations: set[str] = field(default_factory=set)
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    phases: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    failed_operations: int = 0


FIGURES = Figures()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.failed and "tests/fuzz/" in report.nodeid:
        FIGURES.failed_operations += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES.cases:
        return
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(FIGURES.statuses.items()))
    terminalreporter.section("API fuzz (schemathesis)")
    terminalreporter.write_line(
        f"API fuzz: operations={len(FIGURES.operations)} cases={FIGURES.cases} "
        f"server_errors={len(FIGURES.server_errors)} failed_operations={FIGURES.failed_operations}"
    )
    phases = ", ".join(f"{k}: {v}" for k, v in sorted(FIGURES.phases.items()))
    terminalreporter.write_line(f"API fuzz: answers by status class: {statuses}; cases by phase: {phases}")
    for line in list(dict.fromkeys(FIGURES.server_errors))[:50]:  # a failing case is replayed once
        terminalreporter.write_line(f"API fuzz: 5xx {line}")
