"""Cross-checking: 台账 (ledger) rows against report claims, and the reports against themselves.

>>> from chanjia_nlp.crosscheck import check_ledger, internal_checks, find_copies, write_findings
>>> from chanjia_nlp.ledger import read_ledger                                      # doctest: +SKIP
>>> findings = check_ledger(read_ledger("台账.xlsx").rows, records)                 # doctest: +SKIP
>>> findings += internal_checks(records) + find_copies(records)                     # doctest: +SKIP
>>> write_findings(findings, "findings.xlsx")                                       # doctest: +SKIP

``records`` are the record dicts ``chanjia extract`` writes (JSONL, :func:`read_records`) or
``chanjia_nlp.store.open(db).records()`` yields; each finding is a dict of the shared ``finding``
format, with its verdict, a message that says why, and the document spans and ledger cell it
rests on.
"""

from .copies import find_copies
from .export import write_findings
from .findings import CHECKS, LEDGER_VERDICTS, VERDICTS
from .internal import internal_checks
from .matching import check_ledger, ledger_totals
from .run import read_records, run_checks

__all__ = [
    "CHECKS",
    "LEDGER_VERDICTS",
    "VERDICTS",
    "check_ledger",
    "find_copies",
    "internal_checks",
    "ledger_totals",
    "read_records",
    "run_checks",
    "write_findings",
]
