"""worksum: YAML forms in, 工作总结 Word documents out.

The package is a one-way pipeline; each stage is a module with one job::

    load      YAML text -> plain data + source positions        (loader)
    validate  data -> Form / Config models, diagnostics         (form, config)
    classify  records without a category -> heading key         (classify)
    proofread forms + positions -> warnings, safe repairs       (proofread, punctuation, source)
    assemble  Form -> Summary: title, sections, records         (assemble)
    word      Summary -> Manuscript: paragraphs of text         (wording)
    lay out   Manuscript -> .docx bytes, per a layout profile   (layout, wordml, profile)
    write     bytes -> file, atomically                         (write)

``build`` runs the stages for one form; ``cli`` wires commands to them.
``segment`` holds jieba's dictionary (loaded once, when first needed);
``repair`` applies proofreading's safe repairs to form files (``check --fix``).
"""

__version__ = "0.1.0"
