"""Export: PDF and PNG pages of documents through LibreOffice.
"""
