"""Layout profiles for tests: config.yaml text resolved to a profile, and random valid-looking
profiles (hypothesis) for the tests that any profile the checks accept fits its page."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from pipeline.form import profiles as spec
from pipeline.form.loader import load_text
from pipeline.layout.profile import Profile


def resolved(text: str, root: Path | None = None) -> Profile:
    """The profile config.yaml text (its ``format``) stands for."""
    loaded = load_text(text, "config.yaml")
    layers = spec.layers_of_format(loaded.data.get("format"), root, loaded)
    return Profile(**spec.resolve(layers, "test"))


LENGTHS = st.floats(min_value=10, max_value=45).map(lambda mm: f"{mm:.1f}mm")
SIZES = st.sampled_from(["三号", "小三", "四号", "小四", "五号", "15pt", "13pt"])
FONTS = st.sampled_from(["仿宋_GB2312", "黑体", "楷体_GB2312", "宋体", "方正小标宋简体"])


@st.composite
def profile_texts(draw) -> str:
    """config.yaml text whose ``format`` sets a random choice of keys to random values."""
    keys = {
        "margins": f"{{top: {draw(LENGTHS)}, bottom: {draw(LENGTHS)}, left: {draw(LENGTHS)}, right: {draw(LENGTHS)}}}",
        "body": f"{{font: {draw(FONTS)}, size: {draw(SIZES)}, indent: {draw(st.sampled_from([0, 2, 4]))}}}",
        "title": f"{{font: {draw(FONTS)}, size: {draw(st.sampled_from(['二号', '小二', '三号', '小一']))}, "
                 f"bold: {draw(st.booleans())}}}",
        "page_number": f"{{style: \"{draw(st.sampled_from(['— N —', '- N -', '第N页', '第N页共M页']))}\", "
                       f"position: {draw(st.sampled_from(list(spec.POSITIONS)))}}}",
        "signature": f"{{lines: [<organization>, <campus><department>], date: {draw(st.sampled_from(list(spec.DATE_STYLES)))}}}",
    }
    lines = draw(st.one_of(st.none(), st.integers(min_value=15, max_value=32)))
    if lines:
        keys["lines_per_page"] = str(lines)
    else:
        keys["line_spacing"] = f"{draw(st.floats(min_value=18, max_value=36)):.1f}pt"
    if draw(st.booleans()):
        keys["chars_per_line"] = str(draw(st.integers(min_value=20, max_value=40)))
    chosen = draw(st.lists(st.sampled_from(sorted(keys)), unique=True))
    if not chosen:
        return "format: gbt9704\n"
    return "format:\n" + "".join(f"  {key}: {keys[key]}\n" for key in chosen)
