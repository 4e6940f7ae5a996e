"""kpi_helpers.spec.safeyaml: bounded YAML reading (special files, size, nesting, duplicate keys, no code)."""

from __future__ import annotations

import os
import stat

import pytest
from hostile.builders import alias_bomb

from kpi_helpers.exceptions import ParamsError
from kpi_helpers.spec.safeyaml import (
    EXCERPT_CHARS,
    MAX_ALIAS_EXPANSION,
    excerpt,
    file_kind,
    load_yaml_file,
    parse_yaml,
    read_bounded_text,
)


def test_plain_yaml_is_read_as_data():
    assert parse_yaml("client: acme\nkpis: [revenue, orders]\n", "p.yaml", 20) == {
        "client": "acme",
        "kpis": ["revenue", "orders"],
    }


def test_a_duplicate_key_is_an_error_naming_both_lines():
    with pytest.raises(ParamsError) as err:
        parse_yaml("client: a\nname: x\nclient: b\n", "p.yaml", 20)
    message = str(err.value)
    assert "p.yaml" in message and "'client' appears twice" in message
    assert "first on line 1" in message and "line 3" in message


def test_nesting_beyond_the_limit_is_an_error_not_a_recursion_crash():
    with pytest.raises(ParamsError, match="nested more than 5 levels"):
        parse_yaml("a: " + "[" * 10 + "]" * 10, "p.yaml", 5)
    assert parse_yaml("a: [[1]]", "p.yaml", 5) == {"a": [[1]]}


def test_python_tags_never_run_code():
    with pytest.raises(ParamsError, match="not valid YAML"):
        parse_yaml("x: !!python/object/apply:os.system ['echo hi']\n", "p.yaml", 20)


def test_tabs_get_a_hint():
    with pytest.raises(ParamsError, match="tabs"):
        parse_yaml("client: a\n\tname: x\n", "p.yaml", 20)


def test_size_limit_is_checked_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 200, encoding="utf-8")
    with pytest.raises(ParamsError, match="more than the limit of 100"):
        read_bounded_text(path, 100)
    assert read_bounded_text(path, 1000).startswith("a: x")


def test_missing_folder_and_non_utf8_files_are_clear_errors(tmp_path):
    with pytest.raises(ParamsError, match="file not found"):
        read_bounded_text(tmp_path / "nope.yaml", 100)
    with pytest.raises(ParamsError, match="a folder"):
        read_bounded_text(tmp_path, 100)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("naam: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ParamsError, match="not UTF-8"):
        read_bounded_text(latin, 100)


def test_a_bom_is_dropped_and_the_file_loads(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffclient: acme\n".encode())
    assert load_yaml_file(path, 1000, 20) == {"client": "acme"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "params.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ParamsError, match="FIFO"):  # opening a FIFO would block forever
        read_bounded_text(fifo, 1000)


def test_file_kind_names_special_files():
    assert file_kind(stat.S_IFREG) is None and file_kind(stat.S_IFDIR) is None
    assert file_kind(stat.S_IFIFO) == "a FIFO (named pipe)"
    assert file_kind(stat.S_IFCHR) == file_kind(stat.S_IFBLK) == "a device"
    assert file_kind(stat.S_IFSOCK) == "a socket"


# ---------------------------------------------------------------- aliases (issue 21, point 4)


def test_an_alias_bomb_is_refused_at_load_naming_the_line_and_the_limit():
    text = f"client: acme\nlanguage: {alias_bomb()}\n"
    assert len(text) < 800  # the 762-byte attack of the issue
    with pytest.raises(ParamsError) as err:
        parse_yaml(text, "p.yaml", 40)
    message = str(err.value)
    assert "p.yaml" in message and "line 2" in message
    assert f"{MAX_ALIAS_EXPANSION:,}" in message and "alias *x" in message
    assert len(message) < 300


def test_the_alias_limit_counts_what_the_aliases_expand_to():
    # 9 ** 4 = 6,561 strings of 3 characters: about 30,000 values and characters
    assert (
        parse_yaml(f"a: {alias_bomb(levels=4)}\n", "p.yaml", 40, max_alias_expansion=40_000)["a"][3][8][8][8]
        == ["lol"] * 9
    )
    with pytest.raises(ParamsError, match="above 20,000 values"):
        parse_yaml(f"a: {alias_bomb(levels=4)}\n", "p.yaml", 40, max_alias_expansion=20_000)
    long_text = "x" * 5_000  # one alias of a long string counts its characters
    with pytest.raises(ParamsError, match="alias \\*s"):
        parse_yaml(f"s: &s {long_text}\nt: [{', '.join(['*s'] * 30)}]\n", "p.yaml", 40)


def test_ordinary_aliases_and_merge_keys_still_load():
    text = "base: &base {source: data.csv, shape: daily}\ndata:\n  - *base\n  - {<<: *base, source: more.csv}\n"
    assert parse_yaml(text, "p.yaml", 40)["data"] == [
        {"source": "data.csv", "shape": "daily"},
        {"source": "more.csv", "shape": "daily"},
    ]


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: [1, *a]}\n"])
def test_an_alias_inside_its_own_value_is_refused(text):
    with pytest.raises(ParamsError, match="used inside its own value"):  # a value that contains itself never ends
        parse_yaml(text, "p.yaml", 40)


def test_an_excerpt_of_a_huge_shared_value_is_short_and_quick():
    level: list = ["lol"] * 9
    for _ in range(12):  # 9 ** 13 strings by reference: repr() of it would never finish
        level = [level] * 9
    shown = excerpt(level)
    assert len(shown) <= EXCERPT_CHARS and shown.startswith("[[[")
    assert excerpt("a\x1b[31mb" * 1000, 20) == "'a\\x1b[31mba\\x1b[31…"  # escaped and cut
    assert excerpt("veel") == "'veel'" and excerpt(3.5) == "3.5"


def test_a_params_error_quotes_an_aliased_value_as_an_excerpt():
    from kpi_helpers.spec.params import parse_params

    level: list = ["lol"] * 9
    for _ in range(12):
        level = [level] * 9
    for raw in (
        {"client": "acme", "name": "Acme", "language": level, "data": "demo:webshop"},
        {
            "client": "acme",
            "name": "Acme",
            "data": "demo:webshop",
            "kpis": ["revenue"],
            "goals": [{"statement": "x", "kpi": "revenue", "target": level, "start": level, "deadline": "2025-03-31"}],
        },
    ):
        with pytest.raises(ParamsError) as err:
            parse_params(raw, "p.yaml")
        assert all(len(line) < 300 for line in str(err.value).splitlines())
