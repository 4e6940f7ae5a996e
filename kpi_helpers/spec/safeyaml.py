"""Reading a YAML file written by someone else: bounded, no code, no surprises.

* only regular files (a FIFO or `/dev/zero` behind a params file is refused before opening it);
* at most `max_bytes` read (a larger file is an error naming the limit);
* `yaml.SafeLoader` (tags never run code), with a nesting limit (20,000 `[` otherwise end in a
  RecursionError) and duplicate keys as an error (YAML's "last one wins" hides typos);
* aliases (`*name`) expanding to at most `MAX_ALIAS_EXPANSION` values and characters, and never into
  the value that holds them: a 762-byte "billion laughs" file otherwise stands for 10^9 strings, and
  any code that prints or walks the value (an error message, a check) never finishes.
"""

from __future__ import annotations

import os
import reprlib
import stat
from pathlib import Path
from typing import Any

import yaml

from kpi_helpers.exceptions import ParamsError

# What all aliases of one file may add up to, counted as one per value plus the characters of each string.
# Anchors in a params file reuse a goal or a mapping (hundreds); an alias bomb needs millions.
MAX_ALIAS_EXPANSION = 100_000


# How much of a value from a user's file an error message quotes (a 5 MB name is never echoed whole).
EXCERPT_CHARS = 80


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """repr() of a value from a user's file, escaped and at most `limit` characters, in bounded time.

    Only the first few items of each list or mapping, a few levels deep, are looked at: an aliased
    value that stands for 10^9 strings costs no more than a short one.
    """
    if isinstance(value, str):
        text = repr(value[: limit + 1])
    else:
        shape = reprlib.Repr()
        shape.maxlevel = 3
        shape.maxlist = shape.maxtuple = shape.maxset = shape.maxfrozenset = shape.maxdict = 4
        shape.maxstring = shape.maxother = shape.maxlong = limit
        text = shape.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _TooDeep(yaml.YAMLError):
    def __init__(self, mark: Any, depth: int):
        super().__init__()
        self.problem_mark = mark
        self.problem = f"nested more than {depth} levels deep"


class _Duplicate(yaml.YAMLError):
    def __init__(self, key: str, mark: Any, first: Any):
        super().__init__()
        self.problem_mark = mark
        self.problem = f"the key '{key}' appears twice (first on line {first.line + 1}); keep one"


class _AliasBomb(yaml.YAMLError):
    def __init__(self, mark: Any, anchor: str, limit: int):
        super().__init__()
        self.problem_mark = mark
        self.problem = (
            f"the alias *{anchor[:40]} brings the aliases of this file above {limit:,} values and characters; "
            "write the values out instead of repeating aliases"
        )


class _AliasLoop(yaml.YAMLError):
    def __init__(self, mark: Any, anchor: str):
        super().__init__()
        self.problem_mark = mark
        self.problem = (
            f"the alias *{anchor[:40]} is used inside its own value &{anchor[:40]}; a value cannot contain itself"
        )


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int | None:
    """Values and characters `node` stands for once every alias in it is written out; None for a loop.

    Memoised per node, so the cost is linear in the nodes of the file however far the aliases expand.
    """
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        return None
    if isinstance(node, yaml.ScalarNode):
        size = 1 + len(node.value)
    else:
        open_nodes.add(key)
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else node.value
        size = 1
        for child in children:
            child_size = _expanded_size(child, sizes, open_nodes)
            if child_size is None:
                return None
            size += child_size
        open_nodes.discard(key)
    sizes[key] = size
    return size


def _loader(max_depth: int, max_alias_expansion: int = MAX_ALIAS_EXPANSION) -> type[yaml.SafeLoader]:
    class BoundedLoader(yaml.SafeLoader):
        depth = 0
        alias_expansion = 0

        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self.alias_sizes: dict[int, int] = {}
            self.open_anchors: list[str | None] = []  # anchors of the values being composed (a loop's end)

        def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D401 - PyYAML hook
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                if event.anchor in self.open_anchors:
                    raise _AliasLoop(event.start_mark, event.anchor)
                node = super().compose_node(parent, index)
                size = _expanded_size(node, self.alias_sizes, set())
                if size is None:
                    raise _AliasLoop(event.start_mark, event.anchor)
                self.alias_expansion += size
                if self.alias_expansion > max_alias_expansion:
                    raise _AliasBomb(event.start_mark, event.anchor, max_alias_expansion)
                return node
            self.depth += 1
            self.open_anchors.append(self.peek_event().anchor)
            try:
                if self.depth > max_depth:
                    raise _TooDeep(self.peek_event().start_mark, max_depth)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
                self.open_anchors.pop()

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, Any] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                    if key is None:
                        continue
                    if key in seen:
                        raise _Duplicate(str(key)[:60], key_node.start_mark, seen[key])
                    seen[key] = key_node.start_mark
            return super().construct_mapping(node, deep=deep)

    BoundedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, BoundedLoader.construct_yaml_map)
    return BoundedLoader


def file_kind(mode: int) -> str | None:
    """'a FIFO', 'a device', ... for anything that is not a regular file or folder."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "not a regular file"
    return None


def read_bounded_text(path: Path, max_bytes: int, what: str = "params file") -> str:
    """The file's text (UTF-8), refusing special files and files over `max_bytes` before reading them."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ParamsError(str(path), [("", "file not found")]) from None
    except OSError as error:
        raise ParamsError(str(path), [("", f"cannot read the file ({error.strerror})")]) from None
    kind = file_kind(info.st_mode)
    if kind or os.path.isdir(path):
        raise ParamsError(str(path), [("", f"refused: it is {kind or 'a folder'}; a {what} must be a regular file")])
    if info.st_size > max_bytes:
        raise ParamsError(
            str(path),
            [
                (
                    "",
                    f"the file is {info.st_size:,} bytes, more than the limit of {max_bytes:,} "
                    f"for a {what} (`limits.params_bytes` in params/_agency.yaml)",
                )
            ],
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise ParamsError(str(path), [("", f"cannot read the file ({error.strerror})")]) from None
    if len(data) > max_bytes:  # grew since stat
        raise ParamsError(str(path), [("", f"the file is larger than the limit of {max_bytes:,} bytes")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParamsError(str(path), [("", f"cannot read the file: not UTF-8 text (byte {error.start})")]) from None


def parse_yaml(text: str, file: str, max_depth: int, max_alias_expansion: int = MAX_ALIAS_EXPANSION) -> Any:
    """yaml.safe_load with a nesting limit, aliases bounded and duplicate keys refused; errors as ParamsError
    naming line and column."""
    try:
        return yaml.load(text, Loader=_loader(max_depth, max_alias_expansion))  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        hint = (
            " (YAML does not allow tabs for indentation; use spaces)"
            if "\t" in text and ("\\t" in str(error) or "tab" in str(error).lower())
            else ""
        )
        raise ParamsError(file, [("", f"not valid YAML: {where}{problem}{hint}")]) from None
    except RecursionError:
        raise ParamsError(file, [("", f"not valid YAML: nested more than {max_depth} levels deep")]) from None


def load_yaml_file(path: Path, max_bytes: int, max_depth: int) -> Any:
    return parse_yaml(read_bounded_text(path, max_bytes), str(path), max_depth)
