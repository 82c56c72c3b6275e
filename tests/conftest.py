"""Shared fixtures: the repository root, the bundled sample and its gold facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["tests.opensearch_node"]  # the session's OpenSearch node, for every folder

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_NAME = "000_c6dd73ee9f6b25ea"
GOLD_PATH = REPO_ROOT.parent / "shared" / "seeds" / f"{SAMPLE_NAME}.gold.json"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root directory (the one holding ``pyproject.toml``)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def sample_path() -> Path:
    """The bundled sample article as installed package data."""
    from g60_reader.corpus.readers import SAMPLE_PATH

    return SAMPLE_PATH


@pytest.fixture(scope="session")
def gold() -> dict[str, Any]:
    """The gold facts of the sample (``../shared/seeds/<sample>.gold.json``)."""
    if not GOLD_PATH.is_file():
        pytest.fail(f"gold file missing: {GOLD_PATH} (expected next to the repository)")
    return json.loads(GOLD_PATH.read_text(encoding="utf-8"))
