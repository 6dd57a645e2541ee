"""Read 台账 (ledger) spreadsheets into `LedgerRow` records, one per figure.

>>> from chanjia_nlp.ledger import read_ledger
>>> ledger = read_ledger("台账.xlsx")                                    # doctest: +SKIP
>>> ledger.rows[0].indicator, ledger.rows[0].value, ledger.columns       # doctest: +SKIP
"""

from chanjia_nlp.ledger.figures import Figure, HeaderUnit, header_unit, parse_figure
from chanjia_nlp.ledger.indicators import MODEL_THRESHOLD, IndicatorMatch, map_indicator
from chanjia_nlp.ledger.layout import ROLES
from chanjia_nlp.ledger.reader import read_ledger
from chanjia_nlp.ledger.rows import Ledger, LedgerRow

__all__ = [
    "Figure",
    "HeaderUnit",
    "IndicatorMatch",
    "Ledger",
    "LedgerRow",
    "MODEL_THRESHOLD",
    "ROLES",
    "header_unit",
    "map_indicator",
    "parse_figure",
    "read_ledger",
]
