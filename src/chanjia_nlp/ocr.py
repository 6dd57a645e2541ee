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
A character under :data:`CONFIDENCE_THRESHOLD` is *uncertain*: a figure with an uncertain
character in it or right next to it is marked ``damaged`` by the pipeline (never corrected).
Lines whose characters' mean confidence is under :data:`DROP_SCORE` are not read at all. The uncertain spans of the last texts read are kept in this
process (:func:`uncertain_spans`), so ``Pipeline.extract(text)`` finds them for the text
:func:`~chanjia_nlp.readers.read_document` returned.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass

from .errors import ConfigError, DocumentError, value_invalid_msg

__all__ = [
    "CONFIDENCE_THRESHOLD", "INSTALL", "OCR_MODES", "OcrLine", "available", "coerce_mode", "uncertain_spans",
]

#: ``--ocr``: ``auto`` OCRs only pages without a usable text layer (and image files), ``always``
#: every PDF page too, ``never`` nothing (a scan is an error, as before OCR was supported).
OCR_MODES = ("auto", "always", "never")
INSTALL = "pip install 'chanjia_nlp[ocr]'"
ENGINE = "rapidocr-onnxruntime (PP-OCRv4)"
#: A character recognised with a confidence under this is uncertain. Measured on generated pages:
#: clean printed Chinese at 40 px gives every character 0.97–1.00; blurred or faint digits that
#: were misread or dropped gave 0.31–0.64 on the digit or its neighbour.
CONFIDENCE_THRESHOLD = 0.9
#: Lines under this score are not read at all (noise, stamps, specks).
DROP_SCORE = 0.5
#: Resolution PDF pages are rendered at for OCR.
RENDER_DPI = 200
#: The longest side the text detector sees, in pixels (larger pages are scaled down for detection
#: only; recognition reads the full-resolution crops).
DETECT_MAX_SIDE = 1600
#: A row ending in one of these ends its paragraph even when it reaches the right edge.
SENTENCE_ENDS = ("。", "！", "？", "；", "：", ":", ";")
#: At most this many pages (PDF pages or image frames) are OCR'd per file: an image with more is
#: refused, a PDF's later scanned pages are listed in ``needs_ocr_pages`` with a warning.
MAX_OCR_PAGES = 300

#: Image files read by OCR: magic bytes and what they are.
IMAGE_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


def coerce_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`OCR_MODES`; else :class:`ConfigError` naming the valid ones."""
    if mode not in OCR_MODES:
        raise ConfigError(value_invalid_msg("ocr", mode, OCR_MODES))
    return mode


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
    1), box ``(x0, y0, x1, y1)`` in pixels, and each character's confidence."""

    text: str
    score: float
    page: int
    box: tuple[float, float, float, float]
    chars: tuple[float, ...] = ()

    def confidence(self, i: int) -> float:
        return self.chars[i] if i < len(self.chars) else self.score


_LOCK = threading.Lock()


@functools.cache
def _engine():
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
    rec = getattr(engine, "text_rec", None)
    characters = getattr(getattr(rec, "postprocess_op", None), "character", None)
    if characters is not None:  # else (another engine version): each character gets its line's score
        rec.postprocess_op = functools.partial(_decode, characters)
    return engine


def _decode(characters, preds, return_word_box: bool = False, **kwargs) -> list[tuple[str, float, list[float]]]:
    """PP-OCR's CTC decoding (argmax, repeats merged, blanks dropped), keeping for each character
    the lowest step probability since the previous character (see the module's doc)."""
    import numpy as np

    best, prob = preds.argmax(axis=2), preds.max(axis=2)
    out = []
    for b in range(len(best)):
        chars: list[str] = []
        confs: list[float] = []
        low, last = 1.0, 0
        for index, p in zip(best[b].tolist(), prob[b].tolist()):
            low = min(low, p)
            if index != 0 and index != last and index < len(characters):
                chars.append(characters[index])
                confs.append(low)
                low = 1.0
            last = index
        if confs:
            confs[-1] = min(confs[-1], low)  # steps after the last character
        out.append(("".join(chars), float(np.mean(confs)) if confs else 0.0, confs))
    return out


def recognise(image, page: int) -> list[OcrLine]:
    """The lines of one page image (a PIL image)."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))[:, :, ::-1].copy()  # RapidOCR works in OpenCV's BGR
    with _LOCK:
        try:
            result, _ = _engine()(rgb)
        except DocumentError:
            raise
        except Exception as exc:  # the engine on a strange image: say so, never crash the run
            raise DocumentError(f"OCR failed on page {page} ({type(exc).__name__}: {exc}); re-scan or re-save it") from exc
    lines = []
    for points, text, score, *rest in result or ():
        xs = [float(p[0]) for p in points]
        ys = [float(p[1]) for p in points]
        confs = list(rest[0]) if rest and len(rest[0]) == len(text) else [float(score)] * len(text)
        lead = len(text) - len(text.lstrip())
        stripped = text.strip()
        if stripped:
            chars = confs[lead:lead + len(stripped)]
            if lead:  # a dropped space's doubt passes to the character after it
                chars[0] = min(chars[0], *confs[:lead])
            tail = confs[lead + len(stripped):]
            if tail:
                chars[-1] = min(chars[-1], *tail)
            lines.append(OcrLine(stripped, float(score), page, (min(xs), min(ys), max(xs), max(ys)), tuple(chars)))
    return lines


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
    """Pages' OCR results put together: ``text``, the ``lines`` with their offsets in it, and
    :meth:`uncertain` spans."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.lines: list[tuple[int, int, OcrLine]] = []
        self.pages: list[int] = []
        self.length = 0

    def add_page(self, lines: list[OcrLine], page: int, *, before: str = "") -> None:
        """Append a page (``before``: text that precedes it, a text-layer page)."""
        if before:
            self._append(before)
        text, pieces = page_text(lines)
        self.pages.append(page)
        if text:
            base = self._append(text)
            self.lines.extend((base + s, base + e, line) for s, e, line in pieces)

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

    def uncertain(self, threshold: float = CONFIDENCE_THRESHOLD) -> tuple[tuple[int, int], ...]:
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

    def metadata(self) -> dict:
        """``ocr_pages``, ``ocr_lines`` (start, end, page, score, box) and a warning for the document."""
        uncertain = self.uncertain()
        low = sorted({line.page for s, e, line in self.lines
                      if any(line.confidence(i) < CONFIDENCE_THRESHOLD for i in range(len(line.text)))})
        warning = f"read by OCR ({ENGINE}): page{'s' if len(self.pages) > 1 else ''} {_ranges(self.pages)}"
        if uncertain:
            count = sum(e - s for s, e in uncertain)
            warning += (
                f"; {count} character{'s' if count > 1 else ''} recognised with confidence under "
                f"{CONFIDENCE_THRESHOLD} (page{'s' if len(low) > 1 else ''} {_ranges(low)}): figures on or next "
                "to them are marked damaged, check them against the scan"
            )
        return {
            "ocr_pages": list(self.pages),
            "ocr_lines": [
                {"start": s, "end": e, "page": line.page, "score": round(line.score, 4),
                 "box": [round(v, 1) for v in line.box],
                 "chars": [round(line.confidence(i), 3) for i in range(len(line.text))]}
                for s, e, line in self.lines
            ],
            "ocr_uncertain": [list(span) for span in uncertain],
            "warnings": [warning],
        }


def _ranges(numbers: list[int]) -> str:
    """``1-3, 5`` for ``[1, 2, 3, 5]``."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


# --- the texts read in this process, for the pipeline --------------------------------------------

_RECENT: OrderedDict[str, tuple[tuple[int, int], ...]] = OrderedDict()
_RECENT_SIZE = 64


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def remember(text: str, spans: tuple[tuple[int, int], ...]) -> None:
    """Keep the uncertain spans of an OCR'd ``text`` for :func:`uncertain_spans`."""
    with _LOCK:
        _RECENT[_key(text)] = spans
        _RECENT.move_to_end(_key(text))
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)


def uncertain_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The uncertain OCR spans of ``text`` if it was OCR'd in this process lately, else ``()``."""
    if not _RECENT:
        return ()
    return _RECENT.get(_key(text), ())


def in_spans(spans: tuple[tuple[int, int], ...]):
    """``covers(start, end)``: whether ``[start, end)`` overlaps one of ``spans`` (sorted, disjoint)."""
    starts = [s for s, _ in spans]

    def covers(start: int, end: int) -> bool:
        i = bisect.bisect_left(starts, end)  # the spans starting before ``end``; the last ends furthest
        return i > 0 and spans[i - 1][1] > start

    return covers


# --- readers ---------------------------------------------------------------------------------------


def _need(mode: str, what: str) -> None:
    if mode == "never":
        raise DocumentError(f"{what}; OCR is off (--ocr never): use --ocr auto to read it")
    if not available():
        raise DocumentError(f"{what}; install OCR to read it: {INSTALL}")


def read_image(data: bytes, kind: str, *, mode: str = "auto") -> tuple[str, str, dict]:
    """``(text, "image", metadata)`` of an image file (every frame of a multi-page TIFF)."""
    _need(mode, f"the file is {kind} (a scan or photo)")
    from PIL import Image, ImageSequence, UnidentifiedImageError

    result = OcrText()
    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = 0
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                if number > MAX_OCR_PAGES:
                    raise DocumentError(f"the image has more than {MAX_OCR_PAGES} pages; split it into smaller files")
                frame.load()
                result.add_page(recognise(frame, number), number)
                frames += 1
    except DocumentError:
        raise
    except UnidentifiedImageError as exc:
        raise DocumentError(f"the file is {kind} that cannot be decoded (damaged or cut short); open it and save it again") from exc
    except Image.DecompressionBombError as exc:
        raise DocumentError(f"the file is {kind} too large to read ({exc}); scan it at 300 dpi or less") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DocumentError(f"the file is {kind} that cannot be decoded ({exc}); open it and save it again") from exc
    text = result.text
    if not text.strip():
        raise DocumentError(f"no text was recognised in {kind}; check that it is a readable scan (200-300 dpi)")
    meta = result.metadata()
    meta["pages"] = frames
    remember(text, result.uncertain())
    return text, "image", meta


def render_page(page, dpi: int = RENDER_DPI):
    """A pypdfium2 page as a PIL image at ``dpi``."""
    bitmap = page.render(scale=dpi / 72)
    try:
        return bitmap.to_pil()
    finally:
        bitmap.close()
