"""Package discovery for the card's layout: ``corpus/``, ``index/`` and ``tui/`` at the top
level install as ``g60_reader.corpus``, ``g60_reader.index`` and ``g60_reader.tui``.

Every directory under them ships (modules and data directories alike), found here at build
time:
a new subpackage cannot be left out of the wheel by a forgotten line in a list (the
wheel once shipped without ``tui/widgets`` and every non-editable install failed).
Everything else is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import os

from setuptools import setup

LAYERS = ("corpus", "index", "tui")


def _packages() -> list[str]:
    found = []
    for layer in LAYERS:
        for root, dirs, _files in os.walk(layer):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            found.append("g60_reader." + root.replace(os.sep, "."))
    return found


setup(
    packages=_packages(),
    package_dir={f"g60_reader.{layer}": layer for layer in LAYERS},
)
