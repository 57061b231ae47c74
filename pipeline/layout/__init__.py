"""Layout: a manuscript and a profile in, WordprocessingML (.docx bytes) out.

Knows nothing of forms or YAML.
"""
