"""``python -m pipeline`` is the same as the ``worksum`` command."""

from pipeline.cli import main

main()
