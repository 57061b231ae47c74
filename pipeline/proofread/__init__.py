"""Proofreading: repeated text, punctuation, copying between campuses and terms; safe repairs.
"""
