"""The form: load YAML with positions, validate into the model, config.yaml, last term's form, next term's form.

The only package that reads YAML; it knows nothing of Word.
"""
