"""The README's rule example is a real rule: it validates and its inline cases pass."""

from __future__ import annotations

import re
from pathlib import Path

from msgaudit.law import load_reference
from msgaudit.rules.loader import load_packs
from msgaudit.rules.testing import missing_cases, run_pack_tests

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_rule_example(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(pack: my-policy.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block, "the README lost its rule-pack example"
    pack = tmp_path / "my-policy.yaml"
    pack.write_text(block.group(1), encoding="utf-8")
    packs = load_packs([pack])
    results = run_pack_tests(packs, load_reference())
    assert [r.ok for r in results] == [True, True]
    assert missing_cases(packs) == []
