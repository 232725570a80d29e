"""Checks that `make test` runs before the suite: the Welsh catalogue and the browser's presence."""
