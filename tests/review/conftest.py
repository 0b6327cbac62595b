"""A published run with review rows (generated sample, the real flow), copied per test so that
each test's decisions start from an empty store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ducpho_etl.sample import generate_sample


@pytest.fixture(scope="session")
def review_sample(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("review_sample")
    generate_sample(root, scale=0.02, seed=7)
    return root


@pytest.fixture(scope="session")
def published(review_sample, tmp_path_factory, prefect_harness) -> Path:
    from ducpho_etl.config import load_config
    from flows.nightly import nightly

    output = tmp_path_factory.mktemp("review_published")
    outcome = nightly(load_config(review_sample / "input", output))
    assert outcome.failed == {}
    return output


@pytest.fixture
def output(published, tmp_path) -> Path:
    copy = tmp_path / "output"
    shutil.copytree(published, copy, symlinks=True)
    return copy
