"""The table of check codes: one rule per code, its severity from its letter, every code the checks use in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder import lint, releasegate, source, sourcevalues, typecheck
from builder.errors import Location
from builder.lintrules import LINT_RULES, LOADER_RULES, RULES, finding

SEVERITY = {"E": "error", "L": "error", "W": "warning"}


def test_each_code_has_one_rule_whose_severity_its_letter_says() -> None:
    codes = [rule.code for rule in LOADER_RULES + LINT_RULES]
    assert len(codes) == len(set(codes)) == len(RULES)
    assert {rule.code: rule.severity for rule in RULES.values()} == {code: SEVERITY[code[0]] for code in codes}
    assert all(rule.code.startswith("E") for rule in LOADER_RULES)
    assert not any(rule.code.startswith("E") for rule in LINT_RULES)


@pytest.mark.parametrize("module", [lint, releasegate, source, sourcevalues, typecheck])
def test_every_code_a_check_reports_is_in_the_table(module: object) -> None:
    text = Path(module.__file__).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    used = set(re.findall(r'"([EWL]\d{3})"', text))
    assert used and used <= set(RULES)


@pytest.mark.parametrize(("code", "severity"), [("L301", "error"), ("W208", "warning")])
def test_a_finding_takes_its_rules_severity(code: str, severity: str) -> None:
    assert finding(Location(Path("deck.yaml"), 3), code, "message").severity == severity
