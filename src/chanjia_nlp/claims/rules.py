"""Named rules in ordered tables, as Duckling writes its rules: each rule is a name and a
function of one figure's context; the first rule of a table that answers decides the field, and
its name is recorded on the claim (``why``), so a reviewer sees what decided each field.

>>> table = RuleTable("colour", (Rule("sky", lambda f: "blue" if f == "sky" else None),
...                              Rule("default", lambda f: "grey")))
>>> table.decide("sky"), table.decide("sea")
(('blue', 'sky'), ('grey', 'default'))
>>> table.proposals("sky")
[('sky', 'blue'), ('default', 'grey')]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["NOTHING", "Rule", "RuleTable"]

F = TypeVar("F")


class _Nothing:
    """What a rule answers to decide that the field has no value (a standard has no scope)."""

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING = _Nothing()


@dataclass(frozen=True, slots=True)
class Rule(Generic[F]):
    """A named rule: ``production(figure)`` gives the field's value, or ``None`` to pass."""

    name: str
    production: Callable[[F], Any]


@dataclass(frozen=True, slots=True)
class RuleTable(Generic[F]):
    """The rules deciding one field, in order."""

    field: str
    rules: tuple[Rule[F], ...]

    def decide(self, figure: F) -> tuple[Any, str | None]:
        """The value of the first rule that answers, and that rule's name (``(None, None)`` when
        none does; ``(None, name)`` when a rule decides there is no value, answering :data:`NOTHING`)."""
        for rule in self.rules:
            value = rule.production(figure)
            if value is not None:
                return (None if value is NOTHING else value), rule.name
        return None, None

    def proposals(self, figure: F) -> list[tuple[str, Any]]:
        """What every rule answers, in order (rules that pass are left out): the evidence a
        learned scorer weighs."""
        out = []
        for rule in self.rules:
            value = rule.production(figure)
            if value is not None:
                out.append((rule.name, None if value is NOTHING else value))
        return out

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(rule.name for rule in self.rules)
