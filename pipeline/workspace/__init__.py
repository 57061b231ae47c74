"""The workspace on disk: its root, which files are forms, template sets, output paths, atomic writes, new workspaces.
"""
