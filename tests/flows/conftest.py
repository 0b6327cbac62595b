"""Fixtures for the flow tests: a small generated sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from ducpho_etl.sample import generate_sample


@pytest.fixture(scope="session")
def flow_sample(tmp_path_factory) -> Path:
    """A small sample (scale 0.01): input/ and truth/. Copy input/ before changing it."""
    root = tmp_path_factory.mktemp("flow_sample")
    generate_sample(root, scale=0.01, seed=11)
    return root


