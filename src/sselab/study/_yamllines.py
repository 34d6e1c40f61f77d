"""YAML to plain Python, remembering the line of every key and item (for error messages).

Only the safe YAML subset is constructed (``yaml.SafeLoader``'s composer and scalar
constructor): no tags that build Python objects, and duplicate keys are an error.

Example
-------
>>> data, lines = load_with_lines("a: 1\\nb:\\n  - x\\n  - y\\n")
>>> data, lines[("b", 1)]
({'a': 1, 'b': ['x', 'y']}, 4)
"""

from __future__ import annotations

from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class YamlLinesError(ValueError):
    """Malformed YAML; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse ``text``; return (data, {path: 1-based line}) where a path is a tuple of keys/indices.

    A mapping entry's line is the line of its key; a list item's the line of the item.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise YamlLinesError(line, f"invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlLinesError(0, f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is None:
        return None, lines
    constructor = yaml.SafeLoader("")
    return _build(node, (), lines, constructor), lines


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], constructor: yaml.SafeLoader) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlLinesError(key_node.start_mark.line + 1, "a key must be a plain value")
            key = constructor.construct_object(key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlLinesError(key_node.start_mark.line + 1, "merge keys ('<<') are not supported")
            if key in out:
                raise YamlLinesError(key_node.start_mark.line + 1, f"duplicate key {key!r}")
            key_path = (*path, key)
            lines[key_path] = key_node.start_mark.line + 1
            out[key] = _build(value_node, key_path, lines, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, constructor) for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node)
    except yaml.constructor.ConstructorError as exc:
        raise YamlLinesError(node.start_mark.line + 1, f"cannot read value: {exc.problem}") from exc


def line_of(lines: dict[Path_, int], loc: tuple[Any, ...]) -> int:
    """The line of the longest prefix of ``loc`` that has one (0 if none)."""
    for n in range(len(loc), -1, -1):
        found = lines.get(tuple(loc[:n]))
        if found is not None:
            return found
    return 0
