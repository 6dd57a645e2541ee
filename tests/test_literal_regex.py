"""``_lexicon.literal_regex``: the trie pattern matches what the flat alternation of the words,
longest first, matches, at every position, for words with characters ``re`` must escape."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from chanjia_nlp._lexicon import literal_regex

ALPHABET = "ab工会职.()[]|\\-^$ *?+{}#"
words = st.lists(st.text(alphabet=ALPHABET, min_size=0, max_size=5), max_size=25)


@settings(max_examples=300, deadline=None)
@given(words, st.text(alphabet=ALPHABET, max_size=40), st.booleans())
def test_the_trie_matches_the_longest_word_at_every_position(found, text, searched):
    pattern = re.compile(literal_regex(found, searched=searched))
    flat = [w for w in sorted(set(found), key=len, reverse=True) if w]
    reference = re.compile("|".join(map(re.escape, flat)) if flat else "(?!)")
    for start in range(len(text) + 1):
        ours, theirs = pattern.match(text, start), reference.match(text, start)
        assert (ours and ours.group()) == (theirs and theirs.group()), (start, flat)
    for word in flat:
        assert pattern.fullmatch(word)
