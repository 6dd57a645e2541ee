"""OCR speed: scanned pages per second through ``chanjia extract``'s code path, and peak memory.

    python benchmarks/ocr.py [--pages 8] [--workers 2] [--dpi 200]

Renders ``--pages`` A4 pages of made-up report sentences with WenQuanYi Micro Hei at ``--dpi``,
saves them as one image-only PDF per page (a scanner's output) in a temporary folder, and runs
:func:`chanjia_nlp.runner.iter_results` over it with ``--workers`` processes. Prints pages per
second, the figures found with the value they were drawn with, the figures marked damaged, and
the peak resident memory of this process and of the largest worker. Needs
``pip install 'chanjia_nlp[ocr]'``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SENTENCES = [  # made up, not from any real report
    ("{y}年，全区新增高技能人才{n}名，培训职工{m}万人次。", 1200, "3.5"),
    ("投入帮扶资金{n}万元，慰问困难职工{m}户。", 860, "2316"),
    ("新建职工之家{n}个，其中省级示范点{m}个。", 47, "12"),
    ("全年开展劳动竞赛{n}场次，参与职工{m}万人。", 153, "8.6"),
    ("发放助学金{n}万元，资助学生{m}名。", 126, "418"),
]


def render_pages(count: int, dpi: int, folder: Path) -> list[str]:
    """Write the pages; the figures drawn, as the quantity texts they should give (``1207名``)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, round(10.5 / 72 * dpi))  # 五号 (10.5 pt)
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    drawn: list[str] = []
    for p in range(count):
        page = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(page)
        y = dpi
        for k in range(24):
            template, n, m = SENTENCES[(p + k) % len(SENTENCES)]
            n += p * 7 + k
            line = template.format(y=2023, n=n, m=m)
            draw.text((dpi, y), line, font=font, fill="black")
            tail = template.split("{n}")[1]
            drawn.append(f"{n}{tail[:min(tail.index(c) for c in '，。' if c in tail)]}")
            y += round(font.size * 1.9)
        page.save(folder / f"page{p + 1:03d}.pdf", "PDF", resolution=dpi)
    return drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dpi", type=int, default=200)
    args = parser.parse_args()
    from chanjia_nlp import ocr
    from chanjia_nlp.runner import iter_results

    if not ocr.available():
        raise SystemExit(f"the OCR engine is not installed: {ocr.INSTALL}")
    with tempfile.TemporaryDirectory() as folder:
        drawn = render_pages(args.pages, args.dpi, Path(folder))
        started = time.perf_counter()
        results = list(iter_results([folder], workers=args.workers))
        elapsed = time.perf_counter() - started
    trusted, damaged = set(), set()
    for result in results:
        for record in result.records:
            if record["type"] == "quantity":
                (damaged if record["damaged"] else trusted).add(record["text"])
    found = sum(1 for text in drawn if text in trusted)
    flagged = sum(1 for text in drawn if text not in trusted and text in damaged)
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.pages} pages at {args.dpi} dpi, {args.workers} workers: {elapsed:.1f} s, "
          f"{args.pages / elapsed:.2f} pages/s (engine start-up included)")
    print(f"figures drawn {len(drawn)}: read right and trusted {found}, read right but marked damaged {flagged}, "
          f"misread or missed {len(drawn) - found - flagged} (the second figure of each sentence is not counted)")
    note = f", largest finished worker {child_mb:.0f} MB" if child_mb else ""
    if args.workers > 1 and not child_mb:
        note = " (the workers' is not seen here: run with --workers 1 to measure it in this process)"
    print(f"peak memory: this process {self_mb:.0f} MB{note}")


if __name__ == "__main__":
    main()
