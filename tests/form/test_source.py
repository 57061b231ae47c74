"""Characters of loaded values located in the YAML text: exact line and column, or the value's start."""

from __future__ import annotations

import textwrap

from pipeline.form.loader import load_text
from pipeline.form.source import Source

TEXT = textwrap.dedent("""\
    plain: 第一句,第二句
    multi:
      - 多行纯量的第一行
        第二行,内容
    literal: |
      第一行，
      第二行、、结束
    folded: >-
      折叠的一行
      折叠的二行,尾
    single: '单引号''里,面'
    double: "双引号,\\u4e00"
    anchored: &a 锚点,值
    alias: *a
    """)


def located(source: Source, path: tuple, char: str) -> tuple[int, int]:
    return source.locate(path, source.value(path).index(char))


def test_each_style_maps_to_the_exact_line_and_column():
    source = Source(load_text(TEXT, "t.yaml"))
    assert located(source, ("plain",), ",") == (1, 11)
    assert located(source, ("multi", 0), ",") == (4, 8)  # the folded line break is gone
    assert located(source, ("literal",), "、") == (7, 6)
    assert located(source, ("folded",), ",") == (10, 8)
    assert located(source, ("single",), ",") == (11, 16)  # after a doubled quote
    assert located(source, ("anchored",), ",") == (13, 16)
    assert located(source, ("alias",), ",") == (13, 16)  # an alias is the anchored text


def test_every_mapped_character_is_that_character_in_the_text():
    source = Source(load_text(TEXT, "t.yaml"))
    for path in [("plain",), ("multi", 0), ("literal",), ("folded",), ("single",), ("anchored",)]:
        value, mapping = source.value(path), source.map(path)
        assert mapping is not None and len(mapping) == len(value)
        for char, index in zip(value, mapping):
            assert source.text[index] == char or (char == " " and source.text[index] in " \n")


def test_escapes_fall_back_to_the_value_start():
    source = Source(load_text(TEXT, "t.yaml"))
    assert source.map(("double",)) is None
    assert located(source, ("double",), ",") == (12, 9)


def test_span_refuses_ranges_across_a_line_break():
    source = Source(load_text(TEXT, "t.yaml"))
    value = source.value(("multi", 0))
    start = value.index("行第")  # the line break between Chinese lines is folded away
    assert source.span(("multi", 0), start, start + 2) is None
    comma = value.index(",")
    begin, end = source.span(("multi", 0), comma, comma + 1)
    assert source.text[begin:end] == ","


def test_crlf_files_keep_their_columns():
    source = Source(load_text(TEXT.replace("\n", "\r\n"), "t.yaml"))
    assert located(source, ("literal",), "、") == (7, 6)
    assert located(source, ("multi", 0), ",") == (4, 8)


# --- property: whatever style YAML writes a value in, mapped characters are that value's ---

import yaml  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(st.sampled_from(list("学习培训维修，。、,:;()“”'\" #-A1") + ["\n"]), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(_TEXT, st.sampled_from([None, '"', "'", "|", ">"]), st.integers(8, 40))
def test_mapping_is_exact_or_absent(value, style, width):
    try:
        text = yaml.safe_dump({"key": [value]}, allow_unicode=True, default_style=style, width=width)
    except yaml.YAMLError:
        return
    loaded = load_text(text, "t.yaml")
    source = Source(loaded)
    path = ("key", 0)
    mapping = source.map(path)
    if mapping is None:
        return  # an escape or similar: callers fall back to the value's start and do not edit
    raw = source.value(path)
    assert len(mapping) == len(raw) and mapping == sorted(set(mapping))
    for char, index in zip(raw, mapping):
        if char not in " \n":
            assert source.text[index] == char
