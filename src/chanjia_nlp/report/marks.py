"""Highlight marks over a text as a tree that never corrupts the text.

Spans may nest (an entity inside a programme name) or cross (an evidence span that cuts a
figure in two). :func:`mark_tree` cuts the text at every span boundary and wraps each piece in
the spans that cover it, outer spans first, so nested spans become nested marks and a crossing
span becomes several fragments. The leaves, read in order, are the text itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

__all__ = ["Node", "fragments", "leaves", "mark_tree"]

#: A tree node: a piece of text, or a mark ``[key, child, child, …]`` (the JSON the report embeds).
Node: TypeAlias = str | list[Any]


def mark_tree(text: str, spans: Iterable[tuple[int, int, int]]) -> list[Node]:
    """The text as a list of nodes, each span ``(start, end, key)`` wrapped around its characters.

    Spans that are empty or fall outside the text are dropped. Where two spans cover the same
    characters the one starting first (then ending last, then given first) is the outer mark.

    >>> mark_tree("省级试点单位25家", [(6, 9, 1), (0, 2, 2)])
    [[2, '省级'], '试点单位', [1, '25家']]
    >>> mark_tree("abcdef", [(0, 4, 1), (2, 6, 2)])
    [[1, 'ab', [2, 'cd']], [2, 'ef']]
    """
    size = len(text)
    valid = sorted(
        ((start, -end, order, key) for order, (start, end, key) in enumerate(spans) if 0 <= start < end <= size),
    )
    if not valid:
        return [text] if text else []
    cuts = sorted({0, size, *(s for s, _, _, _ in valid), *(-e for _, e, _, _ in valid)})
    root: list[Node] = []
    stack: list[tuple[tuple[int, int, int, int], list[Any]]] = []  # open marks, outermost first
    active: list[tuple[int, int, int, int]] = []  # spans covering the current piece, in nesting order
    following = 0
    for left, right in zip(cuts, cuts[1:]):
        active = [span for span in active if -span[1] > left]
        while following < len(valid) and valid[following][0] == left:
            active.append(valid[following])
            following += 1
        active.sort()
        keep = 0
        while keep < len(stack) and keep < len(active) and stack[keep][0] == active[keep]:
            keep += 1
        del stack[keep:]
        for span in active[keep:]:
            mark: list[Any] = [span[3]]  # the mark's number, then its nodes
            (stack[-1][1] if stack else root).append(mark)
            stack.append((span, mark))
        children = stack[-1][1] if stack else root
        piece = text[left:right]
        if children and isinstance(children[-1], str):
            children[-1] += piece
        else:
            children.append(piece)
    return root


def leaves(nodes: Sequence[Node]) -> str:
    """The text a tree was made from: its leaves in order.

    >>> leaves([[1, 'ab', [2, 'cd']], [2, 'ef']])
    'abcdef'
    """
    return "".join(node if isinstance(node, str) else leaves(node[1:]) for node in nodes)


def fragments(nodes: Sequence[Node], key: int) -> list[str]:
    """The texts of the marks with ``key``, in order (one span may be cut into several).

    >>> fragments([[1, 'ab', [2, 'cd']], [2, 'ef']], 2)
    ['cd', 'ef']
    """
    found: list[str] = []
    for node in nodes:
        if isinstance(node, list):
            if node[0] == key:
                found.append(leaves(node[1:]))
            found.extend(fragments(node[1:], key))
    return found
