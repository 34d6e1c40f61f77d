"""YAML that cannot blow up: sizes checked on the node tree before anything is built.

A YAML alias (``*name``) repeats a node without copying it, so ten nested levels of ten
aliases ("billion laughs") is a few hundred bytes of text describing 10⁹ values; building or
validating it hangs and eats memory.  :func:`check_node` measures the *expanded* size of a
composed node tree (aliases counted as many times as they occur, each shared node measured
once) and its depth, and refuses anything beyond :data:`MAX_NODES` / :data:`MAX_DEPTH`
before a single Python object is constructed.  Ordinary anchors (a settings block reused by
a few measurements) stay allowed.

Example
-------
>>> safe_load("a: &x [1, 2]\\nb: *x\\n")
{'a': [1, 2], 'b': [1, 2]}
>>> bomb = "a: &a [x, x]\\n" + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}]\\n"
...                                     for p, c in zip("abcdefghijklmn", "bcdefghijklmno"))
>>> safe_load(bomb)
Traceback (most recent call last):
...
sselab.safeyaml.YamlBombError: line 9: YAML expands to more than 100000 values (aliases repeat too much); refused
"""

from __future__ import annotations

from typing import Any

import yaml

from .exceptions import SselabError

#: Largest number of values (scalars, lists, mappings) a YAML document may expand to.
MAX_NODES = 100_000
#: Deepest nesting of lists/mappings accepted.
MAX_DEPTH = 100

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlBombError(SselabError):
    """A YAML document expands too far (aliases) or nests too deep; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_node(node: yaml.Node | None, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> int:
    """The expanded number of values under ``node``; :class:`YamlBombError` beyond the limits.

    Iterative (no recursion), linear in the number of *distinct* nodes.
    """
    if node is None:
        return 0
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    on_path: set[int] = set()
    while stack:
        n, done = stack.pop()
        key = id(n)
        if done:
            kids = _children(n)
            total = 1 + sum(size[id(k)] for k in kids)
            size[key] = total
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if total > max_nodes:
                raise YamlBombError(n.start_mark.line + 1, f"YAML expands to more than {max_nodes} values "
                                    "(aliases repeat too much); refused")
            if depth[key] > max_depth:
                raise YamlBombError(n.start_mark.line + 1, f"YAML nests deeper than {max_depth} levels; refused")
            continue
        if key in size:
            continue
        if key in on_path:  # a recursive alias (PyYAML allows `&a [*a]`)
            raise YamlBombError(n.start_mark.line + 1, "YAML refers to itself (recursive alias); refused")
        on_path.add(key)
        stack.append((n, True))
        if len(on_path) > max_depth:
            raise YamlBombError(n.start_mark.line + 1, f"YAML nests deeper than {max_depth} levels; refused")
        stack.extend((k, False) for k in _children(n) if id(k) not in size)
    return size[id(node)]


def compose_checked(text: str, loader: Any = None) -> Any:
    """Compose ``text`` with ``loader`` (default: the safe loader), check it with
    :func:`check_node`, and construct it.  YAML syntax errors propagate as ``yaml.YAMLError``."""
    ldr = loader if loader is not None else _Loader(text)
    try:
        node = ldr.get_single_node()
        check_node(node)
        return None if node is None else ldr.construct_document(node)
    finally:
        ldr.dispose()


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the expansion and depth limits of :func:`check_node`."""
    return compose_checked(text)
