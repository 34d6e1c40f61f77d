"""YAML to plain Python, remembering the line of every key and item (for error messages).

Aliases and nesting are bounded before anything is built (:mod:`sselab.safeyaml`: a
"billion laughs" document is refused in milliseconds).  Only the safe YAML subset is constructed (``yaml.SafeLoader``'s constructors): no tags that
build Python objects; duplicate keys, non-scalar keys and merge keys (``<<``) are errors.
The data is read by libyaml (``yaml.CSafeLoader``) when PyYAML has it; the line table, needed
only to report a problem, is built on first use by a second, cheap walk over the node tree.

Example
-------
>>> data, lines = load_with_lines("a: 1\\nb:\\n  - x\\n  - y\\n")
>>> data, lines[("b", 1)]
({'a': 1, 'b': ['x', 'y']}, 4)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from ..safeyaml import YamlBombError, compose_checked

Path_ = tuple[str | int, ...]

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlLinesError(ValueError):
    """Malformed YAML; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


def _key_problem(key_node: yaml.Node) -> str | None:
    if not isinstance(key_node, yaml.ScalarNode):
        return "a key must be a plain value"
    if key_node.tag == _MERGE_TAG:
        return "merge keys ('<<') are not supported"
    return None


class _StrictLoader(_Loader):  # type: ignore[misc, valid-type]
    """The safe loader, with mappings checked as :func:`load_with_lines` promises."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):  # pragma: no cover - the constructor only calls it on mappings
            raise YamlLinesError(node.start_mark.line + 1, "expected a mapping")
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            problem = _key_problem(key_node)
            if problem is not None:
                raise YamlLinesError(key_node.start_mark.line + 1, problem)
            key = self.construct_object(key_node, deep=deep)
            if key in out:
                raise YamlLinesError(key_node.start_mark.line + 1, f"duplicate key {key!r}")
            out[key] = self.construct_object(value_node, deep=deep)
        return out


class LineTable(Mapping):
    """``{path: 1-based line}`` of a YAML text, built on first access (a read-only mapping)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._table: dict[Path_, int] | None = None

    @property
    def table(self) -> dict[Path_, int]:
        if self._table is None:
            self._table = _line_table(self._text)
        return self._table

    def __getitem__(self, path: Path_) -> int:
        return self.table[path]

    def __iter__(self) -> Iterator[Path_]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


def load_with_lines(text: str) -> tuple[Any, LineTable]:
    """Parse ``text``; return (data, {path: 1-based line}) where a path is a tuple of keys/indices.

    A mapping entry's line is the line of its key; a list item's the line of the item.  The
    line table is a lazy mapping: it costs nothing unless a line is looked up.
    """
    try:
        data = compose_checked(text, _StrictLoader(text))
    except YamlBombError as exc:
        raise YamlLinesError(exc.line, exc.message) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise YamlLinesError(line, f"cannot read value: {exc.problem}") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise YamlLinesError(line, f"invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlLinesError(0, f"invalid YAML: {exc}") from exc
    return data, LineTable(text)


def _line_table(text: str) -> dict[Path_, int]:
    """The lines of every key and item of ``text`` (which :func:`load_with_lines` accepted)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines, yaml.SafeLoader(""))
    return lines


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], constructor: yaml.SafeLoader) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, constructor.construct_object(key_node))
            lines[key_path] = key_node.start_mark.line + 1
            _walk(value_node, key_path, lines, constructor)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, constructor)


def line_of(lines: Mapping[Path_, int], loc: tuple[Any, ...]) -> int:
    """The line of the longest prefix of ``loc`` that has one (0 if none)."""
    for n in range(len(loc), -1, -1):
        found = lines.get(tuple(loc[:n]))
        if found is not None:
            return found
    return 0
