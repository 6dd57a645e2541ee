"""OCR for scanned reports: image files and PDF pages without a usable text layer.

The engine is `rapidocr-onnxruntime <https://pypi.org/project/rapidocr-onnxruntime/>`_ (PP-OCRv4
Chinese detection and recognition models, shipped inside its wheel, run on onnxruntime), installed
with ``pip install 'chanjia_nlp[ocr]'``. Nothing is downloaded at run time. Without it, a scan is
a one-line error naming that command.

The text of an OCR'd page is its recognised lines in reading order: lines are grouped into rows
by their vertical position, a row's pieces are read left to right, and a row that runs to the
right edge of the text goes on in the next (word wrap, as the PDF reader joins lines); a shorter
row ends its paragraph. Pages are separated by a blank line.

Confidence: every recognised character keeps a confidence, the lowest probability the recogniser
gave any step of its CTC decoding from the previous character up to this one (so a digit the
recogniser half saw and dropped as a blank lowers the next character's confidence: a deletion is
caught, not only a substitution). The mean character probability PP-OCR reports for a whole line
hides a misread digit (a blurred 1200 read as 20 scores 0.96 for its line), so it is not used.
A character under :data:`CONFIDENCE_THRESHOLD` is *doubtful*: a figure with a doubtful character
in it or right next to it is marked ``damaged`` by the pipeline (never corrected). Lines whose
characters' mean confidence is under :data:`DROP_SCORE` are not read at all.

Boxes: the engine detects a box (a quadrilateral) per line and recognises the line's crop; it
gives no box per character. A character's box is approximated from where the CTC decoder emitted
it: the recogniser reads the crop (scaled to 48 px high) in steps of equal width, so the steps of
a character, as a fraction of the crop's width, place it along the line's box; its edges are
half-way to its neighbours' centres. The character's box is that stretch of the line's
quadrilateral, as an axis-aligned box in the page image's pixels (a skewed line keeps its slant).
Measured on generated pages (40 px text, straight and turned 2°): each character's centre within half a
character's width of where it was drawn (digits within a quarter; punctuation, drawn narrow in a
wide cell, is the furthest off).

All of it travels with the document: :meth:`OcrText.record` is the document record's ``ocr``
field (engine, pages, lines with their characters' boxes and confidences, and the ``doubtful``
spans), stored with the document, so extracting the stored text again
(``extract(text, ocr=document["ocr"])``) marks the same figures damaged.
"""

from __future__ import annotations

import bisect
import functools
import io
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, DocumentError, value_invalid_msg

__all__ = [
    "CONFIDENCE_THRESHOLD", "INSTALL", "MAX_OCR_PAGES", "OCR_MODES", "PAGE_SECONDS", "OcrLine", "OcrOptions",
    "OcrText", "available", "coerce_mode", "doubtful_spans", "span_boxes",
]

#: ``--ocr``: ``auto`` OCRs only pages without a usable text layer (and image files), ``always``
#: every PDF page too, ``never`` nothing (a scan is an error, as before OCR was supported).
OCR_MODES = ("auto", "always", "never")
INSTALL = "pip install 'chanjia_nlp[ocr]'"
ENGINE = "rapidocr-onnxruntime (PP-OCRv4)"
#: A character recognised with a confidence under this is doubtful. Measured on generated pages:
#: clean printed Chinese at 40 px gives every character 0.97–1.00; blurred or faint digits that
#: were misread or dropped gave 0.31–0.64 on the digit or its neighbour.
CONFIDENCE_THRESHOLD = 0.9
#: Lines under this score are not read at all (noise, stamps, specks).
DROP_SCORE = 0.5
#: A page with more than this share of isolated dark pixels is speckled (see :func:`despeckle`).
SPECKS = 0.0005
#: Resolution PDF pages are rendered at for OCR.
RENDER_DPI = 200
#: The longest side the text detector sees, in pixels (larger pages are scaled down for detection
#: only; recognition reads the full-resolution crops).
DETECT_MAX_SIDE = 1600
#: A row ending in one of these ends its paragraph even when it reaches the right edge.
SENTENCE_ENDS = ("。", "！", "？", "；", "：", ":", ";")
#: ``--max-pages``: at most this many pages (PDF pages or image frames) are OCR'd per file: an
#: image with more is refused, a PDF's later scanned pages are listed in ``needs_ocr_pages`` with
#: a warning.
MAX_OCR_PAGES = 300
#: ``--page-timeout``: a page whose recognition takes longer than this many seconds is given up
#: (checked between the recogniser's batches of lines, so a page stops within about a second of
#: it) and listed in ``needs_ocr_pages`` with a warning.
PAGE_SECONDS = 120.0

#: Image files read by OCR: magic bytes and what they are.
IMAGE_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class OcrOptions:
    """How scans are read: ``mode`` (:data:`OCR_MODES`), the most pages OCR'd per file
    (``max_pages``, ``--max-pages``) and the seconds one page may take (``page_seconds``,
    ``--page-timeout``).

    Raises:
        ConfigError: an unknown mode, or a limit that is not a positive number.
    """

    mode: str = "auto"
    max_pages: int = MAX_OCR_PAGES
    page_seconds: float = PAGE_SECONDS

    def __post_init__(self) -> None:
        if self.mode not in OCR_MODES:
            raise ConfigError(value_invalid_msg("ocr", self.mode, OCR_MODES))
        if isinstance(self.max_pages, bool) or not isinstance(self.max_pages, int) or self.max_pages < 1:
            raise ConfigError(
                f"--max-pages (max_pages=) = {self.max_pages!r} is invalid; it must be a whole number of pages, 1 or more"
            )
        if isinstance(self.page_seconds, bool) or not isinstance(self.page_seconds, int | float) or not (
            0 < self.page_seconds < math.inf
        ):
            raise ConfigError(
                f"--page-timeout (page_seconds=) = {self.page_seconds!r} is invalid; it must be a number of seconds above 0"
            )


def coerce_mode(mode: str | OcrOptions) -> OcrOptions:
    """``mode`` as :class:`OcrOptions` (a mode name gets the default limits); :class:`ConfigError`
    naming the valid modes for an unknown one."""
    if isinstance(mode, OcrOptions):
        return mode
    return OcrOptions(mode=mode)


def image_kind(data: bytes, suffix: str) -> str | None:
    """``"a PNG image"``… when ``data`` is an image file OCR reads, else ``None``. A ``BM`` start is
    taken as a bitmap only with a ``.bmp`` name (plain text may start with those letters)."""
    for magic, kind in IMAGE_MAGIC:
        if data.startswith(magic) and (magic != b"BM" or suffix == ".bmp"):
            return kind
    return None


@functools.cache
def available() -> bool:
    """Whether the OCR engine is installed."""
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One recognised line: its text, score (the mean of its characters' confidences), page (from
    1), box ``(x0, y0, x1, y1)`` in pixels, each character's confidence, and each character's box
    (approximated from the decoder's steps, see the module's doc; the line's box when not known)."""

    text: str
    score: float
    page: int
    box: Box
    chars: tuple[float, ...] = ()
    boxes: tuple[Box, ...] = ()

    def confidence(self, i: int) -> float:
        return self.chars[i] if i < len(self.chars) else self.score

    def char_box(self, i: int) -> Box:
        return self.boxes[i] if i < len(self.boxes) else self.box


class OcrTimeout(DocumentError):
    """A page took longer than its time limit to recognise."""


_LOCK = threading.Lock()
_CALL = threading.local()  # the deadline of the page being recognised in this thread


@functools.cache
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # pragma: no cover - checked by available() first
        raise DocumentError(f"OCR is not installed; {INSTALL}") from exc
    import logging

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    engine = RapidOCR(
        det_limit_type="max", det_limit_side_len=DETECT_MAX_SIDE, text_score=DROP_SCORE,
        intra_op_num_threads=1, inter_op_num_threads=1,  # the worker pool gives each file one core
    )
    rec: Any = getattr(engine, "text_rec", None)
    characters = getattr(getattr(rec, "postprocess_op", None), "character", None)
    # else (another engine version): each character gets its line's score
    if rec is not None and characters is not None:
        rec.postprocess_op = functools.partial(_decode, characters)
    return engine


class _PastDeadline(Exception):
    pass


def _decode(
    characters: Sequence[str], preds: Any, return_word_box: bool = False, **kwargs: Any
) -> list[tuple[str, float, list[float], list[tuple[float, float]]]]:
    """PP-OCR's CTC decoding (argmax, repeats merged, blanks dropped), keeping for each character
    the lowest step probability since the previous character (see the module's doc), and where
    along the line's crop it stands: ``(left, right)`` as fractions of the crop's width."""
    import numpy as np

    deadline = getattr(_CALL, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise _PastDeadline
    ratios = kwargs.get("wh_ratio_list") or []
    widest = kwargs.get("max_wh_ratio")
    best, prob = preds.argmax(axis=2), preds.max(axis=2)
    steps = best.shape[1]
    out = []
    for b in range(len(best)):
        chars: list[str] = []
        confs: list[float] = []
        runs: list[list[int]] = []  # each character's first and last step
        low, last = 1.0, 0
        for t, (index, p) in enumerate(zip(best[b].tolist(), prob[b].tolist())):
            low = min(low, p)
            if index != 0 and index != last and index < len(characters):
                chars.append(characters[index])
                confs.append(low)
                runs.append([t, t])
                low = 1.0
            elif index != 0 and index == last and runs:
                runs[-1][1] = t
            last = index
        if confs:
            confs[-1] = min(confs[-1], low)  # steps after the last character
        # the crop fills ratio/widest of the batch's padded width; the steps cover all of it
        scale = (widest / ratios[b]) if b < len(ratios) and ratios[b] and widest else 1.0
        centres = [min((s + e + 1) / 2 / steps * scale, 1.0) for s, e in runs]
        out.append(("".join(chars), float(np.mean(confs)) if confs else 0.0, confs, _extents(centres)))
    return out


def _extents(centres: list[float]) -> list[tuple[float, float]]:
    """Each character's ``(left, right)`` from the centres of all the line's characters: half-way
    to its neighbours, the outer edges as far out as the nearest gap."""
    out = []
    for i, c in enumerate(centres):
        before = c - centres[i - 1] if i else None
        after = centres[i + 1] - c if i + 1 < len(centres) else None
        left = before if before is not None else (after if after is not None else 2 * c)
        right = after if after is not None else (before if before is not None else 2 * (1 - c))
        out.append((max(0.0, c - left / 2), min(1.0, c + right / 2)))
    return out


def _stretch(points: Sequence[Sequence[float]], left: float, right: float) -> Box:
    """The axis-aligned box of the part ``[left, right]`` (fractions of its length) of a line's
    quadrilateral (top-left, top-right, bottom-right, bottom-left)."""
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = (tuple(map(float, p[:2])) for p in points[:4])
    xs, ys = [], []
    for f in (left, right):
        xs += [ax + f * (bx - ax), dx + f * (cx - dx)]
        ys += [ay + f * (by - ay), dy + f * (cy - dy)]
    return (min(xs), min(ys), max(xs), max(ys))


def despeckle(image: Any) -> Any:
    """``image`` (PIL) in RGB, through a 3×3 median filter when it is speckled: more than
    :data:`SPECKS` of its pixels dark with no dark neighbour (a fax, a dusty scanner glass). Print
    has none, so a clean page is left as it is (a median filter also thins strokes). Measured on a
    corpus report drawn at 200 dpi with 1% specks and JPEG: 75 of 79 figures read right without
    it, 79 of 79 with it."""
    import numpy as np
    from PIL import ImageFilter

    rgb = image.convert("RGB")
    dark = np.asarray(rgb.convert("L")) < 128
    padded = np.pad(dark, 1)
    rows, cols = dark.shape
    neighbours = sum(padded[1 + dy:1 + dy + rows, 1 + dx:1 + dx + cols]
                     for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)
    if dark.size and (dark & (neighbours == 0)).mean() > SPECKS:
        return rgb.filter(ImageFilter.MedianFilter(3))
    return rgb


def recognise(image: Any, page: int, *, seconds: float | None = None, turn: bool = True) -> list[OcrLine]:
    """The lines of one page image (a PIL image, despeckled first: :func:`despeckle`). ``turn``:
    lines the engine's direction
    classifier takes for upside down are turned before they are read (off for a table's cells:
    it turns a lone 6 into a 9).

    Raises:
        OcrTimeout: the page took more than ``seconds``.
        DocumentError: the engine failed on the image.
    """
    import numpy as np

    rgb = np.asarray(despeckle(image))[:, :, ::-1].copy()  # RapidOCR works in OpenCV's BGR
    with _LOCK:
        _CALL.deadline = None if seconds is None else time.monotonic() + seconds
        try:
            result, _ = _engine()(rgb, use_cls=turn)
        except DocumentError:
            raise
        except _PastDeadline:
            raise OcrTimeout(f"page {page} took more than {seconds:g} s to read by OCR") from None
        except Exception as exc:  # the engine on a strange image: say so, never crash the run
            raise DocumentError(
                f"OCR failed on page {page} ({type(exc).__name__}: {exc}); re-scan or re-save it"
            ) from exc
        finally:
            _CALL.deadline = None
    lines = []
    for points, text, score, *rest in result or ():
        xs = [float(p[0]) for p in points]
        ys = [float(p[1]) for p in points]
        box = (min(xs), min(ys), max(xs), max(ys))
        confs = list(rest[0]) if rest and len(rest[0]) == len(text) else [float(score)] * len(text)
        spans = list(rest[1]) if len(rest) > 1 and len(rest[1]) == len(text) else None
        lead = len(text) - len(text.lstrip())
        stripped = text.strip()
        if stripped:
            chars = confs[lead:lead + len(stripped)]
            if lead:  # a dropped space's doubt passes to the character after it
                chars[0] = min(chars[0], *confs[:lead])
            tail = confs[lead + len(stripped):]
            if tail:
                chars[-1] = min(chars[-1], *tail)
            boxes: tuple[Box, ...] = ()
            if spans is not None and len(points) >= 4:
                boxes = tuple(_stretch(points, a, b) for a, b in spans[lead:lead + len(stripped)])
            lines.append(OcrLine(stripped, float(score), page, box, tuple(chars), boxes))
    return lines


def recognise_box(image: Any, box: Box, page: int) -> OcrLine | None:
    """The text in ``box`` of a page image (a PIL image), read by the recogniser alone (no
    detection): for a piece of a line cut where the page shows a gap (a table's cells the detector
    joined). ``None`` when nothing is read."""
    import numpy as np

    x0, y0, x1, y1 = (int(round(v)) for v in box)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    crop = np.asarray(image.crop((x0, y0, x1, y1)).convert("RGB"))[:, :, ::-1].copy()
    with _LOCK:
        try:
            rec = _engine().text_rec
            found, _ = rec([crop])
        except Exception:  # the engine on a strange crop: the piece is not read
            return None
    if not found:
        return None
    text, score, *rest = found[0]
    confs = list(rest[0]) if rest and len(rest[0]) == len(text) else [float(score)] * len(text)
    spans = list(rest[1]) if len(rest) > 1 and len(rest[1]) == len(text) else None
    lead = len(text) - len(text.lstrip())
    stripped = text.strip()
    if not stripped or float(score) < DROP_SCORE:
        return None
    chars = confs[lead:lead + len(stripped)]
    if lead:
        chars[0] = min(chars[0], *confs[:lead])
    if confs[lead + len(stripped):]:
        chars[-1] = min(chars[-1], *confs[lead + len(stripped):])
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    boxes = tuple(_stretch(corners, a, b) for a, b in spans[lead:lead + len(stripped)]) if spans else ()
    return OcrLine(stripped, float(score), page, (float(x0), float(y0), float(x1), float(y1)), tuple(chars), boxes)


def layout(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """The lines of one page grouped into rows (by vertical overlap), top to bottom, each row left
    to right."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda l: ((l.box[1] + l.box[3]) / 2, l.box[0])):
        middle = (line.box[1] + line.box[3]) / 2
        if rows:
            last = rows[-1]
            top = min(l.box[1] for l in last)
            bottom = max(l.box[3] for l in last)
            if top <= middle <= bottom:
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda l: l.box[0]) for row in rows]


def page_text(lines: list[OcrLine]) -> tuple[str, list[tuple[int, int, OcrLine]]]:
    """``(text, pieces)`` of one page: its text in reading order, and where each line's text is in it."""
    rows = layout(lines)
    if not rows:
        return "", []
    left = min(l.box[0] for row in rows for l in row)
    right = max(row[-1].box[2] for row in rows)
    parts: list[str] = []
    pieces: list[tuple[int, int, OcrLine]] = []
    at = 0
    for i, row in enumerate(rows):
        height = max(l.box[3] - l.box[1] for l in row)
        tabbed = False
        for j, line in enumerate(row):
            if j:
                gap = line.box[0] - row[j - 1].box[2]
                sep = "\t" if gap > 2 * height else (" " if gap > height / 2 else "")
                tabbed = tabbed or sep == "\t"
                parts.append(sep)
                at += len(sep)
            pieces.append((at, at + len(line.text), line))
            parts.append(line.text)
            at += len(line.text)
        if i + 1 < len(rows):
            # a row reaching the right edge (within two characters) wraps into the next one
            # and does not end a sentence; a row of cells far apart (a table's) never does
            wraps = (not tabbed and row[-1].box[2] >= right - 2 * height and rows[i + 1][0].box[0] <= left + height
                     and not row[-1].text.endswith(SENTENCE_ENDS))
            sep = "" if wraps else "\n"
            parts.append(sep)
            at += len(sep)
    return "".join(parts), pieces


class OcrText:
    """Pages' OCR results put together: ``text``, the ``lines`` with their offsets in it, the
    ``pages`` read (number, image size, resolution), the pages given up, and :meth:`doubtful` spans."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.lines: list[tuple[int, int, OcrLine]] = []
        self.pages: list[dict[str, Any]] = []
        self.timed_out: list[int] = []
        self.length = 0

    def add_page(self, lines: list[OcrLine], page: int, *, size: tuple[int, int] = (0, 0), dpi: int | None = None,
                 before: str = "") -> None:
        """Append a page read by OCR: its lines, the image's ``size`` (pixels) and ``dpi`` (a
        rendered PDF page; ``None`` for an image file); ``before``: text that precedes it."""
        if before:
            self._append(before)
        text, pieces = page_text(lines)
        entry: dict[str, Any] = {"page": page, "width": int(size[0]), "height": int(size[1]), "dpi": dpi,
                                 "start": self.length, "end": self.length}
        if text:
            base = self._append(text)
            self.lines.extend((base + s, base + e, line) for s, e, line in pieces)
            entry["start"], entry["end"] = base, base + len(text)
        self.pages.append(entry)

    def add_text(self, text: str) -> None:
        if text:
            self._append(text)

    def _append(self, text: str) -> int:
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        base = self.length
        self.parts.append(text)
        self.length += len(text)
        return base

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def page_numbers(self) -> list[int]:
        return [entry["page"] for entry in self.pages]

    def doubtful(self, threshold: float = CONFIDENCE_THRESHOLD) -> tuple[tuple[int, int], ...]:
        """The spans of characters under ``threshold``, in order, runs merged."""
        spans: list[list[int]] = []
        for start, _end, line in self.lines:
            for i in range(len(line.text)):
                if line.confidence(i) < threshold:
                    at = start + i
                    if spans and spans[-1][1] == at:
                        spans[-1][1] = at + 1
                    else:
                        spans.append([at, at + 1])
        return tuple((s, e) for s, e in spans)

    def record(self) -> dict[str, Any]:
        """The document record's ``ocr`` field: ``engine``, ``threshold``, ``pages`` (``page``,
        ``width``, ``height`` in pixels, ``dpi`` of a rendered PDF page or null for an image file,
        ``start``/``end`` of its text), ``lines`` (``start``, ``end``, ``page``, ``score``,
        ``box`` and ``chars``: one ``[x0, y0, x1, y1, confidence]`` per character of the line's
        text) and ``doubtful`` (the ``[start, end]`` spans under the threshold)."""
        return {
            "engine": ENGINE,
            "threshold": CONFIDENCE_THRESHOLD,
            "pages": [dict(entry) for entry in self.pages],
            "lines": [
                {"start": s, "end": e, "page": line.page, "score": round(line.score, 4),
                 "box": [round(v) for v in line.box],
                 "chars": [[*(round(v) for v in line.char_box(i)), round(line.confidence(i), 3)]
                           for i in range(len(line.text))]}
                for s, e, line in self.lines
            ],
            "doubtful": [list(span) for span in self.doubtful()],
        }

    def metadata(self) -> dict[str, Any]:
        """``ocr`` (:meth:`record`), ``ocr_pages`` and the warnings for the document."""
        doubtful = self.doubtful()
        low = sorted({line.page for s, e, line in self.lines
                      if any(line.confidence(i) < CONFIDENCE_THRESHOLD for i in range(len(line.text)))})
        numbers = self.page_numbers
        warnings = []
        if numbers:
            warning = f"read by OCR ({ENGINE}): page{'s' if len(numbers) > 1 else ''} {_ranges(numbers)}"
            if doubtful:
                count = sum(e - s for s, e in doubtful)
                warning += (
                    f"; {count} character{'s' if count > 1 else ''} recognised with confidence under "
                    f"{CONFIDENCE_THRESHOLD} (page{'s' if len(low) > 1 else ''} {_ranges(low)}): figures on or next "
                    "to them are marked damaged, check them against the scan"
                )
            warnings.append(warning)
        if self.timed_out:
            many = len(self.timed_out) > 1
            warnings.append(
                f"page{'s' if many else ''} {_ranges(self.timed_out)} took longer than the OCR time limit per page "
                f"and {'were' if many else 'was'} not read; re-scan {'them' if many else 'it'} at 200-300 dpi, or "
                "raise --page-timeout"
            )
        return {"ocr": self.record(), "ocr_pages": numbers, "warnings": warnings}


def _ranges(numbers: list[int]) -> str:
    """``1-3, 5`` for ``[1, 2, 3, 5]``."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


# --- the document record's ocr field, read back ----------------------------------------------------


def doubtful_spans(ocr: Mapping[str, Any] | None) -> tuple[tuple[int, int], ...]:
    """The doubtful spans of a document record's ``ocr`` field, sorted and merged; ``()`` for
    ``None`` or a field that is not one (a record from elsewhere never makes the pipeline fail).

    >>> doubtful_spans({"doubtful": [[9, 10], [3, 5], ["x", 1]]})
    ((3, 5), (9, 10))
    """
    if not isinstance(ocr, Mapping):
        return ()
    spans = []
    for span in ocr.get("doubtful") or ():
        if (isinstance(span, Sequence) and len(span) == 2 and all(type(v) is int for v in span)
                and 0 <= span[0] < span[1]):
            spans.append((span[0], span[1]))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def span_boxes(ocr: Mapping[str, Any] | None, start: int, end: int) -> list[tuple[int, Box]]:
    """Where the characters ``[start, end)`` of an OCR'd text are on their pages: one
    ``(page, box)`` per page and line they are on, the union of their characters' boxes; ``[]``
    when they were not read by OCR (a text-layer page) or the field is not one."""
    if not isinstance(ocr, Mapping):
        return []
    out: list[tuple[int, Box]] = []
    for line in ocr.get("lines") or ():
        try:
            s, e, page, chars = int(line["start"]), int(line["end"]), int(line["page"]), line["chars"]
            if e <= start or s >= end:
                continue
            picked = [chars[i - s] for i in range(max(s, start), min(e, end)) if 0 <= i - s < len(chars)]
            if not picked:
                continue
            box = (float(min(c[0] for c in picked)), float(min(c[1] for c in picked)),
                   float(max(c[2] for c in picked)), float(max(c[3] for c in picked)))
        except (KeyError, TypeError, ValueError, IndexError):
            continue
        out.append((page, box))
    return out


def in_spans(spans: tuple[tuple[int, int], ...]) -> Callable[[int, int], bool]:
    """``covers(start, end)``: whether ``[start, end)`` overlaps one of ``spans`` (sorted, disjoint)."""
    starts = [s for s, _ in spans]

    def covers(start: int, end: int) -> bool:
        i = bisect.bisect_left(starts, end)  # the spans starting before ``end``; the last ends furthest
        return i > 0 and spans[i - 1][1] > start

    return covers


# --- readers ---------------------------------------------------------------------------------------


def need_engine(mode: str, what: str) -> None:
    """Raise :class:`DocumentError` (``what`` is, and how to read it) when OCR is off or not installed."""
    if mode == "never":
        raise DocumentError(f"{what}; OCR is off (--ocr never): use --ocr auto to read it")
    if not available():
        raise DocumentError(f"{what}; install OCR to read it: {INSTALL}")


def image_pages(data: bytes, kind: str, *, max_pages: int = MAX_OCR_PAGES) -> Any:
    """Yields ``(number, frame)`` for each page of an image file (each frame of a multi-page TIFF),
    loaded, as PIL images.

    Raises:
        DocumentError: the image cannot be decoded, is too large, or has more than ``max_pages`` pages.
    """
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            if frames > max_pages:
                raise DocumentError(
                    f"the image has {frames} pages, more than the OCR limit of {max_pages} (--max-pages); "
                    "split it into smaller files or raise --max-pages"
                )
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                frame.load()
                yield number, frame
    except DocumentError:
        raise
    except UnidentifiedImageError as exc:
        raise DocumentError(
            f"the file is {kind} that cannot be decoded (damaged or cut short); open it and save it again"
        ) from exc
    except Image.DecompressionBombError as exc:
        raise DocumentError(f"the file is {kind} too large to read ({exc}); scan it at 300 dpi or less") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DocumentError(f"the file is {kind} that cannot be decoded ({exc}); open it and save it again") from exc


def read_image(data: bytes, kind: str, *, mode: str | OcrOptions = "auto") -> tuple[str, str, dict[str, Any]]:
    """``(text, "image", metadata)`` of an image file (every frame of a multi-page TIFF)."""
    options = coerce_mode(mode)
    need_engine(options.mode, f"the file is {kind} (a scan or photo)")
    result = OcrText()
    frames = 0
    for number, frame in image_pages(data, kind, max_pages=options.max_pages):
        frames += 1
        try:
            lines = recognise(frame, number, seconds=options.page_seconds)
        except OcrTimeout:
            result.timed_out.append(number)
            continue
        result.add_page(lines, number, size=frame.size)
    text = result.text
    if not text.strip():
        if result.timed_out:
            raise DocumentError(
                f"OCR of {kind} took longer than {options.page_seconds:g} s a page and was given up; re-scan it at "
                "200-300 dpi, or raise --page-timeout"
            )
        raise DocumentError(f"no text was recognised in {kind}; check that it is a readable scan (200-300 dpi)")
    meta = result.metadata()
    meta["pages"] = frames
    if result.timed_out:
        meta["needs_ocr_pages"] = list(result.timed_out)
    return text, "image", meta


def render_page(page: Any, dpi: int = RENDER_DPI) -> Any:
    """A pypdfium2 page as a PIL image at ``dpi``."""
    bitmap = page.render(scale=dpi / 72)
    try:
        return bitmap.to_pil()
    finally:
        bitmap.close()
