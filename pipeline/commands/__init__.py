"""Commands: the stages wired into build, validate, check, rollup and the rest; manifests and batches.
"""
