"""worksum: forms in, 工作总结 Word documents out.

The package is a one-way pipeline; each stage is a package with one job, and
imports only from the stages below it (tests/test_architecture.py checks)::

    commands   build, validate, check, rollup, new-term: the stages wired, with
               batches, the manifest and selection            (cli parses arguments only)
    export     .docx -> PDF and PNG pages through LibreOffice
    wording    Summary -> Manuscript, through sandboxed Jinja2 templates
    layout     Manuscript + profile -> .docx bytes (WordprocessingML)
    proofread  forms + positions -> warnings, safe repairs
    document   Form -> Summary: classify records, assemble sections, roll up campuses
    form       YAML -> data with positions -> validated Form / Config; last and next term
    workspace  which folder is a workspace, which files are forms, template sets,
               output paths, atomic writes
    text       Chinese sentences, punctuation, word segmentation
    diagnostics  file:line:col messages and the errors that carry them
"""

from pathlib import Path

__version__ = "0.1.0"

#: The package's own folder: data files shipped with it (templates, skeleton, fonts.conf)
#: are found from here, whichever module looks for them.
HOME = Path(__file__).parent
