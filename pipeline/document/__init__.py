"""The document's content: classify records under headings, assemble a summary, roll up campuses, the manuscript.
"""
