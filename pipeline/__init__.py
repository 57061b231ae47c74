"""worksum: YAML forms in, 工作总结 Word documents out.

The package is a one-way pipeline; each stage is a module with one job::

    load      YAML text -> plain data + source positions        (loader)
    validate  data -> Form / Config models, diagnostics         (validate, form, config, fields)
    history   last period's figures for counts without previous (history)
    classify  records without a category -> heading key         (classify, segment)
    proofread forms + positions -> warnings, safe repairs       (proofread, punctuation, source, repair)
    assemble  Form -> Summary: title, sections, records         (assemble; rollup for 汇总)
    word      Summary -> Manuscript: paragraphs of text         (wording, sandbox, template_errors,
                                                                 templatesets; rollup_wording)
    lay out   Manuscript -> .docx bytes, per a layout profile   (layout, wordml, profile)
    write     bytes -> file, atomically                         (write; manifest keeps edited files)

``build`` runs the stages for one form; ``batch`` runs many (discovery,
selection, process pool, manifest), ``rollup_run`` the roll-ups, ``checking``
validate and check; ``workspace`` and ``discovery`` say which folder is a
workspace and which files are forms. ``cli`` only wires commands to these.
Around the pipeline: ``pdf`` and ``preview`` (LibreOffice), ``schema`` (JSON
Schema for editors), ``scaffold`` (``init``) and ``newterm`` (``new-term``).
"""

__version__ = "0.1.0"
