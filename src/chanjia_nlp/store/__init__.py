"""The assessment database: every extraction run, its documents, claims and findings, kept.

``chanjia extract`` writes here; analysts read with :func:`open` and pandas, or with
``chanjia claims`` and ``chanjia stats``. A plain path is a SQLite file (the default,
``chanjia.sqlite``); a URL ``postgresql+psycopg://USER@HOST/DB`` (with ``schema=``) is a shared
PostgreSQL database. Tables follow OUTPUT.md: ``documents``, ``quantities`` (claims are the rows
with ``claim`` true; ``target`` marks the claims planned or aimed at, which
``claims(targets="exclude")`` leaves out when figures are added up), ``programmes``, ``entities``,
``findings``, plus ``runs`` and ``schema_version``. A changed file stored at the same path supersedes the old version, which is
kept: :meth:`Store.history` lists it. Numbers are ``Decimal`` in and out, never floats.

>>> import pathlib, tempfile
>>> from chanjia_nlp import extract, store, to_dict
>>> text = "惠山区总工会\\n\\n2022年，全区新增高技能人才1200余名，累计奖励金额近265万元。"
>>> doc = {"type": "document", "doc_id": "d1", "path": "huishan.txt", "status": "ok",
...        "extractor_version": "0.1.0", "text": text}
>>> records = [to_dict(r, doc_id="d1", path="huishan.txt") for r in extract(text)]
>>> with store.open(pathlib.Path(tempfile.mkdtemp()) / "chanjia.sqlite", create=True) as st:
...     run_id = st.begin_run(command="doctest")
...     st.write_document(doc, records, run_id)
...     claims = st.claims(subject="惠山", period="2022")
'inserted'
>>> list(claims["indicator"]), list(claims["value"])
(['high_skilled_talent', 'reform_funds'], [Decimal('1200'), Decimal('2650000')])
"""

from .database import CHECKS, LEVELS, TARGETS, VERDICTS, BatchWriter, DocumentState, Store, open
from ..errors import StoreError
from .migrations import newest_version

__all__ = ["CHECKS", "LEVELS", "TARGETS", "VERDICTS", "BatchWriter", "DocumentState", "Store", "StoreError", "newest_version", "open"]
