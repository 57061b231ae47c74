"""Wording: Jinja2 templates in a sandbox turn a summary into a manuscript's paragraphs.
"""
