"""The records a 台账 (ledger) reader returns: one `LedgerRow` per figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerRow:
    """One figure of a ledger, with where it was read and how its indicator was mapped."""

    file: str
    """The path as given."""
    sheet: str | None
    """The sheet or table name; None for csv."""
    row: int
    """1-based row number in the sheet/file (the first row of a multi-row record)."""
    subject: str | None
    """单位/地区 column, e.g. "惠山区总工会"."""
    indicator_text: str | None
    """指标/项目 text as written."""
    indicator: str | None
    """Id from indicators.tsv, or None."""
    indicator_score: float
    """Confidence of the indicator mapping, 0..1 (1.0 for an alias); a model score, not a figure."""
    indicator_method: str
    """"alias" | "model" | "override" | "none"."""
    scope: str | None
    """口径 text."""
    value: Decimal | None
    """The figure in base units (a 万元 header multiplies by 10000), None if absent."""
    low: Decimal | None
    high: Decimal | None
    qualifier: str
    """exact | more_than | at_least | less_than | at_most | approx | range."""
    precision: Decimal | None
    """The written precision in base units: "1.2万" → 1000, "2,650" → 1."""
    kind: str | None
    """count | money | percent | … as in ANNOTATION.md."""
    unit: str | None
    currency: str | None
    period: str | None
    """Normalized like claims' period: "2023", "2023-H1", …"""
    level: str | None
    evidence: str | None
    """佐证材料."""
    note: str | None
    """备注."""
    is_total: bool
    """A 合计/小计 row."""
    total_of: tuple[int, ...]
    """For a total row: the row numbers it sums."""
    cells: dict[str, str]
    """Role → cell reference, e.g. {"value": "F7"}."""
    raw: dict[str, str]
    """Role → the cell text as written (``rate``: the row's 完成率 cell, checked, never a value)."""
    target: bool = False
    """A figure of a target column (目标值, 计划数): planned or aimed at, compared with targets only."""
    boxes: dict[str, tuple[int, float, float, float, float]] | None = None
    """For a ledger read from a scan: role → ``(page, x0, y0, x1, y1)``, where each cell of
    ``cells`` is on the page image (pixels), the evidence to check a value against; else None."""

    @property
    def subject_code(self) -> str | None:
        """The division code of the subject (惠山区总工会 → 320206), see :mod:`chanjia_nlp.subjects`."""
        from ..subjects import canonical_subject

        return canonical_subject(self.subject).code

    @property
    def subject_name(self) -> str | None:
        """The subject's canonical name (惠山 → 惠山区; an organisation keeps its name)."""
        from ..subjects import canonical_subject

        return canonical_subject(self.subject).name


@dataclass(frozen=True)
class Ledger:
    """What `read_ledger` returns: the rows, the warnings, and the inferred columns per sheet."""

    rows: tuple[LedgerRow, ...]
    warnings: tuple[str, ...] = ()
    columns: dict[str, dict[str, object]] = field(default_factory=dict)
    """Per sheet (``"*"`` for a csv file): role → column letter (a list for ``value`` and
    ``money``) and ``header`` → the header's row number, as inferred; a valid ``mapping``."""
    notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per sheet: the note rows' text (``注：培训人次含线上培训``), which may qualify the figures."""
