"""The `portal` command: Flask's CLI plus ours, one module per group of commands."""
from portal.cli import index, jobs, keys, staff  # noqa: F401  (the commands register themselves on `main`)
from portal.cli.base import main

__all__ = ["main"]
