"""axe-core in the browser tests: where it is, how it runs, what fails a test.

axe-core comes from npm (package.json, installed by `make install`); a test
that needs it skips without it. It is loaded with the context's init script,
which the Content-Security-Policy does not cover, so the policy stays on.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# What fails a test; axe's "moderate" and "minor" findings are advice.
FAILING_IMPACTS = {"serious", "critical"}

RUN_AXE = """
async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((rule) => ({
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    targets: rule.nodes.map((node) => node.target.join(" ")),
  }));
}
"""


def violations(page, label: str) -> list[tuple[str, str]]:
    """Every axe violation on `page`, as (impact, "label: rule at element -
    help") pairs, one per element."""
    return [
        (
            rule["impact"],
            f"{label}: {rule['id']} ({rule['impact']}) at {target} - {rule['help']}",
        )
        for rule in page.evaluate(RUN_AXE)
        for target in rule["targets"]
    ]
