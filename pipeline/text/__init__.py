"""Text rules shared by every stage: Chinese sentences, punctuation, word segmentation.
"""
