"""The number grammar: Arabic, full-width, Chinese (小写 and 大写) and mixed numerals.

Everything here is a pure function from ``str`` to ``Decimal`` (or an interval of them); the
quantity extractor decides *where* numbers are, this module decides *what* they are worth.
All arithmetic is :class:`decimal.Decimal`.

It avoids the known traps of general converters: ``两三`` is a range 2–3 (never 23), ``三万五``
is 35000 (never 30005), ``一千二百`` is 1200 (never 1000200), and digit runs such as ``五一``
are not numbers at all.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Context, Decimal

from ._lexicon import numerals, vague_words

__all__ = [
    "FULLWIDTH_TABLE",
    "RADICAL_TABLE",
    "format_number",
    "normalize_decimal",
    "parse_halfwidth",
    "parse_number",
    "parse_range",
    "parse_vague",
    "radicals_to_ideographs",
    "to_halfwidth",
]

#: One-to-one map from full-width ASCII (``２０１２``, ``９８％``, ``．``) and the ideographic space
#: to their half-width forms. Being one-to-one, it keeps every offset.
FULLWIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xA0: 0x20}

#: One-to-one map from the Kangxi radicals (U+2F00–U+2FD5) and the two CJK radical supplements
#: that have one (⺟, ⻳) to the ideographs they look like: PDF and web text often carries ``⼀座``
#: (U+2F00) or ``⼆⼗⼈`` for 一座, 二十人. NFKC gives each one character, so offsets are kept.
RADICAL_TABLE = {
    code: ord(unicodedata.normalize("NFKC", chr(code)))
    for code in (*range(0x2F00, 0x2FD6), 0x2E9F, 0x2EF3)
}
RE_RADICAL = re.compile("[\u2e9f\u2ef3\u2f00-\u2fd5]")

RE_ARABIC = re.compile(
    r"""
    [0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?   # 12,345.67: thousands separators, strict groups of 3
    | [0-9]+(?:\.[0-9]+)?                   # 3541.07
    """,
    re.VERBOSE,
)
RE_SPLIT_MIXED = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?|.")

_DECIMAL_POINT = "点"
_PERCENT_WORDS = "百分之"
_FRACTION_WORD = "分之"
_MIXED_WORD = "又"  # 一又二分之一: a whole number and a fraction


RE_FULLWIDTH_RUN = re.compile("[\uff01-\uff5e\u3000\u00a0]+")


def _translate_run(m: re.Match[str]) -> str:
    return m.group().translate(FULLWIDTH_TABLE)


def to_halfwidth(text: str) -> str:
    """Full-width ASCII and ideographic space to half-width, keeping the length.

    Only the full-width runs are translated: most of a report is untouched CJK text, and
    translating it character by character costs more than finding the runs.

    >>> to_halfwidth("９８％，３．８万")
    '98%,3.8万'
    """
    return RE_FULLWIDTH_RUN.sub(_translate_run, text)


def radicals_to_ideographs(text: str) -> str:
    """Kangxi radicals that stand for ideographs (``⼀座``, ``⼆⼗⼈``) made the ideographs, one to
    one, so offsets keep.

    >>> radicals_to_ideographs("老城区\u2f00座")
    '老城区一座'
    """
    return text.translate(RADICAL_TABLE) if RE_RADICAL.search(text) else text


def _tokens(text: str) -> list[tuple[str, Decimal]] | None:
    """Split a numeral into (role, value) tokens; ``None`` if a character is not numeric."""
    table = numerals()
    out: list[tuple[str, Decimal]] = []
    for piece in RE_SPLIT_MIXED.findall(text):
        if piece[0].isdigit():
            if not RE_ARABIC.fullmatch(piece):
                return None
            out.append(("arabic", Decimal(piece.replace(",", ""))))
        elif piece in table:
            value, role = table[piece]
            out.append((role, value))
        else:
            return None
    return out


def _parse_integer_part(tokens: list[tuple[str, Decimal]]) -> Decimal | None:
    """Evaluate place-value tokens (``三万五千``, ``13万2``, ``一亿二千万``)."""
    roles = [r for r, _ in tokens]
    if not tokens:
        return None
    # A run of bare digits is a number only when written digit by digit with 〇/零 (二〇二二).
    if all(r == "digit" for r in roles):
        if len(tokens) == 1:
            return tokens[0][1]
        if any(v == 0 for _, v in tokens) and tokens[0][1] != 0:
            return Decimal("".join(str(v) for _, v in tokens))
        return None
    total = Decimal(0)  # everything above the current 万/亿 section
    section = Decimal(0)  # the current section below 万
    pending: Decimal | None = None  # a digit waiting for its place marker
    last_small: Decimal | None = None  # the last 十/百/千 in this section (must decrease)
    last_big: Decimal | None = None  # the last 万/亿 (must decrease, or combine: 万亿)
    last_unit: Decimal | None = None  # the last place marker of any kind
    after_zero = False
    started_bare = False  # the numeral opens with its 万/亿 (万万 is no numeral, 10万万 is)
    for i, (role, value) in enumerate(tokens):
        if role in ("digit", "arabic"):
            if pending is not None:
                return None  # two digits in a row: 五一, 3五
            if role == "digit" and value == 0:
                if i == 0 or i == len(tokens) - 1:
                    return None
                after_zero = True
                continue
            pending = value
        elif role == "small":
            if last_small is not None and value >= last_small:
                return None  # 十十, 百千
            if pending is None:
                if i != 0 and not (value == 10 and after_zero):
                    return None  # a bare 百 after other tokens: 万百
                pending = Decimal(1)  # 十五, 十万: a leading 十 is 一十
            if pending != pending.to_integral_value() and value != 10 and section:
                return None
            section += pending * value
            pending, last_small, last_unit, after_zero = None, value, value, False
        else:  # big: 万, 亿
            bare = pending is None and section == 0 and total == 0
            if pending is not None:
                section += _colloquial_tail(pending, last_small, after_zero)
                pending = None
            if value == last_big:
                if roles[i - 1] != "big" or started_bare:
                    return None  # 万万 alone, 一万二万
                total *= value  # 10万万: a 万 of 万 (10^9), as 万亿 is a 亿 of 万
                continue
            if i == 0:
                started_bare = True
            if last_big is not None and value < last_big:
                total += section * value  # 一亿二千万: 二千 is under the 亿
            else:
                base = total + section
                if bare:
                    if i != 0:
                        return None
                    base = Decimal(1)  # a bare 万 after a qualifier: 近万人
                total = base * value
            section, last_small, last_big, last_unit, after_zero = Decimal(0), None, value, value, False
    if pending is not None:
        if _writes_out_lower_places(pending, last_unit, after_zero):
            section += pending  # 1万2000, 3亿45000000: the places under the 万/亿 written out
        elif last_unit is not None and not after_zero and last_unit >= 100 and pending == pending.to_integral_value():
            bare_start = roles[0] == "big" or (roles[0] == "small" and tokens[0][1] > 10)
            if pending >= 10 or bare_start:
                return None  # 一百25 is not a numeral; 万一 has no number before its 万
            # Abbreviated next place: 三万五 = 35000, 一千二 = 1200, 13万2 = 132000.
            section += pending * last_unit / 10
        else:
            section += pending
    return total + section


def _colloquial_tail(pending: Decimal, last_small: Decimal | None, after_zero: bool) -> Decimal:
    """A digit closing a section before its 万/亿: ``一百二万`` is 一百二 (120) 万, as ``一百二`` alone is
    120 (issue 13 item 27); after 十 or a 零 the digit is the units (十二万, 一百零二万)."""
    if last_small is not None and last_small >= 100 and not after_zero and pending < 10 and pending == pending.to_integral_value():
        return pending * last_small / 10
    return pending


def _writes_out_lower_places(pending: Decimal, last_unit: Decimal | None, after_zero: bool) -> bool:
    """Whether Arabic digits after a 万 or 亿 fill every place under it (``1万2000``: four digits
    under 万), rather than abbreviate the next place (``13万2``) or break the numeral (``一百25``)."""
    if last_unit is None or last_unit < 10000 or after_zero or pending != pending.to_integral_value():
        return False
    return len(str(int(pending))) == len(str(int(last_unit))) - 1


def parse_number(text: str) -> Decimal | None:
    """Parse one number written in any of the supported forms; ``None`` if it is not exactly one.

    Percentages in words give the percent number, fractions their value.

    >>> parse_number("3.8万")
    Decimal('38000')
    >>> parse_number("三万五")
    Decimal('35000')
    >>> parse_number("十万零一千")
    Decimal('101000')
    >>> parse_number("百分之一点五")
    Decimal('1.5')
    >>> parse_number("两三") is None
    True
    >>> parse_number("负三十二")
    Decimal('-32')
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_number() takes a str, not {type(text).__name__}")
    text = radicals_to_ideographs(to_halfwidth(text)).strip()
    if text[:1] in _SIGNS and text[1:2] not in _SIGNS:
        value = _parse_unsigned(text[1:])  # -10000, −3.5, 负三十二, 負四十五億
        return None if value is None else -value
    return _parse_unsigned(text)


_SIGNS = frozenset("-−负負")  # a leading minus (full-width － is made - first)


def _parse_unsigned(text: str) -> Decimal | None:
    """:func:`parse_halfwidth`, and a decimal written without its 0 (``.5``: issue 13 item 22)."""
    if text[:1] == "." and text[1:].isdigit():
        text = "0" + text
    return parse_halfwidth(text)


@functools.lru_cache(maxsize=8192)
def parse_halfwidth(text: str) -> Decimal | None:
    """:func:`parse_number` for text already in half-width form (cached: reports repeat numbers)."""
    if not text:
        return None
    if "點" in text:
        return parse_halfwidth(text.replace("點", _DECIMAL_POINT))  # 點, the traditional 点
    if text.startswith(_PERCENT_WORDS):
        return parse_halfwidth(text[len(_PERCENT_WORDS) :]) if len(text) > 3 else None
    if _MIXED_WORD in text:
        return _parse_mixed_fraction(text)
    if _FRACTION_WORD in text:
        denominator, _, numerator = text.partition(_FRACTION_WORD)
        d, n = parse_halfwidth(denominator), parse_halfwidth(numerator)
        if d is None or n is None or d == 0 or _FRACTION_WORD in numerator:
            return None
        return normalize_decimal(n / d)
    if _DECIMAL_POINT in text:
        return _parse_chinese_decimal(text)
    tokens = _tokens(text)
    if tokens is None:
        return None
    value = _parse_integer_part(tokens)
    return None if value is None else normalize_decimal(value)


def _parse_mixed_fraction(text: str) -> Decimal | None:
    """``一又二分之一`` → 1.5, ``3又一千分之23`` → 3.023: a whole number, 又, then a proper fraction
    (issue 13 item 20)."""
    whole_text, _, fraction_text = text.partition(_MIXED_WORD)
    if _FRACTION_WORD not in fraction_text or _MIXED_WORD in fraction_text:
        return None
    whole, fraction = parse_halfwidth(whole_text), parse_halfwidth(fraction_text)
    if whole is None or fraction is None or whole != whole.to_integral_value() or not 0 < fraction < 1:
        return None
    return normalize_decimal(whole + fraction)


def _parse_chinese_decimal(text: str) -> Decimal | None:
    """``一点五`` → 1.5, ``三点五万`` → 35000: integer part, digits after 点, optional 万/亿."""
    head, _, tail = text.partition(_DECIMAL_POINT)
    table = numerals()
    multiplier = Decimal(1)
    while tail and table.get(tail[-1], (0, ""))[1] == "big":
        multiplier *= table[tail[-1]][0]
        tail = tail[:-1]
    if not head or not tail or not all(table.get(c, (0, ""))[1] == "digit" for c in tail):
        return None
    whole = parse_halfwidth(head)
    if whole is None or whole != whole.to_integral_value():
        return None
    fraction = Decimal("0." + "".join(str(table[c][0]) for c in tail))
    return normalize_decimal((whole + fraction) * multiplier)


def parse_range(text: str) -> tuple[Decimal, Decimal] | None:
    """Parse an approximate range written with adjacent digits: ``两三`` (2, 3), ``三四十`` (30, 40),
    ``七八百`` (700, 800), ``十五六`` (15, 16), ``二三十万`` (200000, 300000).

    >>> parse_range("两三")
    (Decimal('2'), Decimal('3'))
    >>> parse_range("三四十")
    (Decimal('30'), Decimal('40'))
    """
    text = to_halfwidth(text)
    table = numerals()
    digits = [i for i, c in enumerate(text) if table.get(c, (0, ""))[1] == "digit"]
    for i in digits:
        j = i + 1
        if j >= len(text) or table.get(text[j], (0, ""))[1] != "digit":
            continue
        a, b = table[text[i]][0], table[text[j]][0]
        if a == 0 or b != a + 1:
            continue
        # Replace the pair by each of its digits and parse both readings: 三四十 → 三十, 四十.
        low = parse_number(text[:i] + text[i] + text[j + 1 :])
        high = parse_number(text[:i] + text[j] + text[j + 1 :])
        if low is not None and high is not None and low < high:
            return low, high
        return None
    return None


def parse_vague(text: str) -> tuple[Decimal, Decimal] | None:
    """Parse a vague amount: ``数百`` (200, 900), ``数千万`` (2e7, 9e7), ``几十`` (20, 90),
    ``十几`` (11, 19), ``二十几`` (21, 29), ``几`` (2, 9), ``成千上万`` (1000, 90000).

    >>> parse_vague("数千万")
    (Decimal('20000000'), Decimal('90000000'))
    >>> parse_vague("十几")
    (Decimal('11'), Decimal('19'))
    """
    text = to_halfwidth(text)
    words = vague_words()
    if text in words:
        return words[text]
    markers = [w for w in words if len(w) == 1 and w in text]
    if len(markers) != 1 or text.count(markers[0]) != 1:
        return None
    low_digit, high_digit = words[markers[0]]
    before, _, after = text.partition(markers[0])
    if not after:
        # 十几, 二十几: the vague digit fills the units place after a 十.
        base = parse_number(before) if before.endswith(("十", "拾")) else None
        return None if base is None else (base + low_digit - 1, base + high_digit)
    if before.endswith(("十", "拾")):
        low_digit = low_digit - 1  # 十几万 is 11–19 万, as 十几 is 11–19 (issue 13 item 9)
    low = parse_number(before + str(low_digit) + after)
    high = parse_number(before + str(high_digit) + after)
    return None if low is None or high is None else (low, high)


#: Room for every digit a text may hold (the default context keeps 28 and refuses to quantize more).
_WIDE = Context(prec=1000, Emax=999_999, Emin=-999_999)


def normalize_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros without exponent notation: 2.650E+6 → 2650000, 1.50 → 1.5.

    >>> normalize_decimal(Decimal("38000.0"))
    Decimal('38000')
    """
    if value == value.to_integral_value(context=_WIDE):
        return value.quantize(Decimal(1), context=_WIDE)
    return value.normalize(_WIDE)


_CN_DIGITS = "零一二三四五六七八九"
_CN_PLACES = ((Decimal(1000), "千"), (Decimal(100), "百"), (Decimal(10), "十"))


def _format_section(n: int) -> str:
    """0 < n < 10000 in Chinese numerals with 零 where a place is skipped."""
    out: list[str] = []
    zero = False
    for place, mark in _CN_PLACES:
        d, n = divmod(n, int(place))
        if d:
            if zero and out:
                out.append("零")
            out.append(_CN_DIGITS[d] + mark)
            zero = False
        elif out:
            zero = True
    if n:
        if zero and out:
            out.append("零")
        out.append(_CN_DIGITS[n])
    return "".join(out)


def format_number(value: Decimal, *, style: str = "arabic") -> str:
    """Write a non-negative number as text that :func:`parse_number` reads back.

    ``style`` is ``arabic`` (``12,345.5``), ``mixed`` (``1.2345万``) or ``chinese``
    (integers only: ``一万二千三百四十五``).

    >>> format_number(Decimal("101000"), style="chinese")
    '十万一千'
    """
    from .errors import ConfigError, value_invalid_msg

    if style == "arabic":
        return f"{value:,f}"
    if style == "mixed":
        return f"{value / 10000:f}万"
    if style != "chinese":
        raise ConfigError(value_invalid_msg("style", style, ["arabic", "mixed", "chinese"]))
    if value != value.to_integral_value() or value < 0:
        raise ConfigError("chinese style writes non-negative integers only")
    n = int(value)
    if n == 0:
        return "零"
    sections = []
    for mark, size in (("亿", 10**8), ("万", 10**4), ("", 1)):
        sections.append((n // size, mark))
        n %= size
    out: list[str] = []
    need_zero = False
    for count, mark in sections:
        if count == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or count < 1000):
            out.append("零")
        out.append(_format_section(count) + mark)
        need_zero = False
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text
