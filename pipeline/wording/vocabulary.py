"""The words a school's and a kindergarten's summaries use for the same things.

A kindergarten writes 全园, 师幼, 幼儿, 保教 where a school writes 全校, 师生,
学生, 教育教学; templates say ``{{ words.whole }}`` and get the right one for the
institution kind of :mod:`pipeline.form.kinds`. docs/模板编写指南.md lists the words.
"""

from __future__ import annotations

from pipeline.form.kinds import is_kindergarten

SCHOOL_WORDS = {
    "unit": "学校", "we": "我校", "whole": "全校", "people": "师生", "pupils": "学生", "core": "教育教学",
    "quality": "教学质量", "routine": "教学常规", "order": "教学秩序", "run": "办学", "home": "家校",
    "place": "校园", "campus": "校区",
}
KINDERGARTEN_WORDS = {
    "unit": "幼儿园", "we": "我园", "whole": "全园", "people": "师幼", "pupils": "幼儿", "core": "保教",
    "quality": "保教质量", "routine": "一日活动常规", "order": "保教秩序", "run": "办园", "home": "家园",
    "place": "园所", "campus": "园区",
}


def words(kind: str, *, campus: bool = False) -> dict[str, str]:
    """The vocabulary of an institution kind (a fresh dict per document). In one ``campus``'s
    document 全校 would claim more than its author answers for: ``whole`` is 本校区 (本园区)."""
    chosen = dict(KINDERGARTEN_WORDS if is_kindergarten(kind) else SCHOOL_WORDS)
    if campus:
        chosen["whole"] = "本" + chosen["campus"]
    return chosen
