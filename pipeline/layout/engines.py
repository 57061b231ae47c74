"""Choosing a layout engine: the fast one where it can render the manuscript, else
the python-docx reference it must equal byte for byte."""

from __future__ import annotations

from pipeline.document.manuscript import Manuscript
from pipeline.layout.profile import Profile

#: ``fast`` writes the XML directly (:mod:`pipeline.layout.fast`); ``python-docx`` is the
#: reference (:mod:`pipeline.layout.reference`) it must equal byte for byte.
ENGINES = ("fast", "python-docx")


def lay_out(manuscript: Manuscript, profile: Profile, engine: str = "fast") -> bytes:
    """The .docx bytes of ``manuscript`` in ``profile``; both engines give the same bytes."""
    if engine not in ENGINES:
        raise ValueError(f"unknown layout engine {engine!r}; one of {ENGINES}")
    if engine == "fast":
        from pipeline.layout import fast

        if fast.can_render(manuscript):
            return fast.lay_out(manuscript, profile)
    from pipeline.layout import reference  # deferred: it imports python-docx

    return reference.lay_out(manuscript, profile)


def prepare(profile: Profile) -> None:
    """Do once, before forking workers, what every document of ``profile`` needs:
    the base package, and python-docx for the manuscripts only the reference renders."""
    from pipeline.layout.parts import base_package

    base_package(profile)
    import docx  # noqa: F401 - the import itself is the warm-up
