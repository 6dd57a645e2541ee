"""README's Python section runs as written, and what it shows is what the code gives."""

from __future__ import annotations

import re

import pytest

import chanjia_nlp

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON = README.split("\n## Python\n", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]


def test_the_documented_quantity_is_what_extract_quantities_gives():
    call = re.search(r'chanjia_nlp\.extract_quantities\("([^"]+)"\)', PYTHON)
    shown = re.search(r"Quantity\(text='([^']+)', start=(\d+), end=(\d+), value=Decimal\('([^']+)'\)", PYTHON)
    assert call and shown, "README's Python section shows an extract_quantities call and its first result"
    first = chanjia_nlp.extract_quantities(call.group(1))[0]
    assert (first.text, first.start, first.end, str(first.value)) == (
        shown.group(1), int(shown.group(2)), int(shown.group(3)), shown.group(4))
    assert call.group(1)[first.start : first.end] == first.text


@pytest.mark.slow
def test_the_python_section_runs():
    namespace = {"text": (ROOT / "corpus" / "02_district_summary_2022.txt").read_text(encoding="utf-8")}
    exec(compile(PYTHON, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert [s.text for s in namespace["doc"].spans["chanjia_nlp.quantities"]] == ["25家"]
    assert namespace["claims"] and all(isinstance(c, chanjia_nlp.Claim) for c in namespace["claims"])
