"""Small made-up reports for the review server's tests, and a database holding them."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HOSTILE_NAME = "<img src=x onerror=window.__pwned=1>.txt"
HOSTILE_TEXT = "X"  # filled below

REPORTS = {
    "huishan_2022.txt": (
        "惠山区总工会2022年工作总结\n\n"
        "2022年，惠山区新增高技能人才1200余名，累计奖励金额近265万元。\n"
        "截至2022年底，惠山区共有省级试点单位25家。\n"
        "全年，惠山区开展职业技能培训3260人次。\n"
    ),
    "liangxi_2022.txt": (
        "梁溪区产改工作简报\n\n"
        "2022年，梁溪区新增高技能人才860名。\n"
        "截至2022年底，梁溪区共有省级试点单位14家。\n"
    ),
    HOSTILE_NAME: (
        "<script>window.__pwned=1</script>锡山区工作简报\n\n"
        "2022年，锡山区新增高技能人才\"><img src=x onerror=window.__pwned=1>415名。\n"
        "</textarea><svg onload=window.__pwned=1>截至2022年底，锡山区共有省级试点单位9家。\n"
    ),
}


def write_reports(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def fill(target_cli: list[str], folder: Path) -> None:
    """Extract the sample reports into the database of ``target_cli`` (``--db …``)."""
    from click.testing import CliRunner

    from chanjia_nlp.cli import cli

    result = CliRunner().invoke(cli, ["extract", str(write_reports(folder)), *target_cli, "--quiet"])
    assert result.exit_code == 0, result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_process(args: list[str], *, wait: float = 60) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``chanjia serve ARGS`` as its own process on a free port; yields its base URL (once it
    answers) and the process."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "chanjia_nlp", "serve", *args, "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + wait
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"chanjia serve did not start: {process.stdout.read() if process.stdout else ''}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
