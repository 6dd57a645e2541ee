"""The same report in every format gives the same figures.

Each report (the corpus, and the dev seeds where ``../shared`` is present) is rendered by
``tests/render_formats.py`` into .docx, .pdf (real text layer in a CJK font), .html (inside a news
site's chrome) and GB18030 text, read back through :func:`chanjia_nlp.readers.read_document`, and
its quantities (text, value, interval, qualifier, unit) compared with those of the UTF-8 text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import chanjia_nlp
from chanjia_nlp.readers import decode, read_document

from .conftest import ROOT, SHARED
from .render_formats import FORMATS, cjk_font

CORPUS = sorted((ROOT / "corpus").glob("*.txt"))
SEEDS = sorted((SHARED / "seeds").glob("*.txt")) if (SHARED / "seeds").is_dir() else []


def figures(text: str) -> list[tuple]:
    found = []
    for record in chanjia_nlp.extract(text):
        q = getattr(record, "quantity", record)
        if q.type == "quantity":
            found.append((q.text, q.value, q.low, q.high, q.qualifier, q.unit))
    return found


def _cases():
    for source in CORPUS + SEEDS:
        for suffix in FORMATS:
            yield pytest.param(source, suffix, id=f"{source.parent.name}/{source.stem}{suffix}")


@pytest.mark.slow
@pytest.mark.parametrize(("source", "suffix"), list(_cases()))
def test_every_format_gives_the_figures_of_the_plain_text(source: Path, suffix: str, tmp_path):
    if suffix == ".pdf" and cjk_font() is None:
        pytest.skip("no CJK font installed (fc-list :lang=zh found none; apt-get install fonts-wqy-microhei)")
    text, _ = decode(source.read_bytes())
    target = tmp_path / (source.stem + suffix)
    target.write_bytes(FORMATS[suffix](text))
    doc, read = read_document(target)
    assert doc.status == "ok", doc.error
    assert doc.format == suffix.rsplit(".", 1)[-1]
    expected = figures(text)
    assert expected, "a report without figures tests nothing"
    assert figures(read) == expected


def test_seeds_are_checked_where_present(shared):
    assert SEEDS, "../shared/seeds holds no .txt reports"
