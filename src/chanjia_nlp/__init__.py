"""chanjia_nlp: mine Chinese trade-union reports for the figures assessments run on.

>>> import chanjia_nlp
>>> [(q.text, str(q.value)) for q in chanjia_nlp.extract_quantities("3.8万余名员工")]
[('3.8万余名', '38000')]
"""

from .errors import ChanjiaError, ConfigError, DocumentError, LexiconError, SegmenterUnavailable
from .numbers import parse_number
from .pipeline import Pipeline, extract, load
from .quantities import extract_quantities
from .records import Claim, Document, Kind, Qualifier, Quantity, to_dict

__version__ = "0.1.0"

__all__ = [
    "ChanjiaError",
    "Claim",
    "ConfigError",
    "Document",
    "DocumentError",
    "Kind",
    "LexiconError",
    "Pipeline",
    "Qualifier",
    "Quantity",
    "SegmenterUnavailable",
    "__version__",
    "extract",
    "extract_quantities",
    "load",
    "parse_number",
    "to_dict",
]
