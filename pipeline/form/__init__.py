"""The form: load YAML or a workbook with positions, validate into the model, config.yaml, last term's form,
next term's form.

The only package that reads YAML and workbooks (the form's two containers); it knows nothing of Word.
"""
