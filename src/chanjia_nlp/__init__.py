"""chanjia_nlp: mine Chinese trade-union reports for the figures assessments run on.

>>> import chanjia_nlp
>>> [(q.text, str(q.value)) for q in chanjia_nlp.extract_quantities("3.8万余名员工")]
[('3.8万余名', '38000')]
"""

import gc as _gc

# Importing the package makes tens of thousands of objects that live as long as the process
# (compiled patterns, tables, classes); the cyclic collector, run again and again while they are
# made, would only scan them again: it waits until the import is done (6% of a cold `chanjia
# extract`). A collector the caller had turned off stays off.
_collecting = _gc.isenabled()
_gc.disable()
try:
    from .claims import bind_claims
    from .entities import extract_entities
    from .errors import (
        ChanjiaError, ConfigError, DocumentError, Interrupted, LexiconError, OutputError, SegmenterUnavailable,
        StoreError,
    )
    from .numbers import parse_number
    from .pipeline import Pipeline, extract, load
    from .programmes import extract_programmes
    from .quantities import extract_quantities
    from .records import (
        Claim, Document, Entity, EntityLabel, Kind, Programme, ProgrammeKind, Qualifier, Quantity, to_dict,
    )
finally:
    if _collecting:
        _gc.enable()

__version__ = "0.1.0"

__all__ = [
    "ChanjiaError",
    "Claim",
    "ConfigError",
    "Document",
    "DocumentError",
    "Entity",
    "EntityLabel",
    "Interrupted",
    "Kind",
    "LexiconError",
    "OutputError",
    "Pipeline",
    "Programme",
    "ProgrammeKind",
    "Qualifier",
    "Quantity",
    "SegmenterUnavailable",
    "StoreError",
    "__version__",
    "bind_claims",
    "extract",
    "extract_entities",
    "extract_programmes",
    "extract_quantities",
    "load",
    "parse_number",
    "to_dict",
]
