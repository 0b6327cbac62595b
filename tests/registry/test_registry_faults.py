"""Fault catalogue, registries: a registry that is missing or breaks its contract fails the run
with a message naming the file (and row, column), never a value from it."""

from __future__ import annotations

import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.registry import RegistryError, load_prepared_registry
from tests.run_inputs import REGISTRY


@pytest.mark.parametrize(("write", "pattern"), [
    (lambda d: (d / "registry.csv").write_text("ho_ten,ngay_sinh\nA,1950\n"),
     r"registry\.csv: missing registry column\(s\)"),
    (lambda d: (d / "registry.parquet").write_bytes(b"PAR1 garbage"),
     r"registry\.parquet: cannot be read as PARQUET"),
    (lambda d: None, r"no registry file"),
    (lambda d: (d / "registry.csv").write_text(REGISTRY + REGISTRY.splitlines()[1] + "\n"),
     r"registry\.csv.*so_dinh_danh"),
])
def test_bad_registries(tmp_path, write, pattern):
    folder = tmp_path / "registry"
    folder.mkdir()
    write(folder)
    with pytest.raises(RegistryError, match=pattern) as caught:
        load_prepared_registry(folder, REGISTRY_REFERENCE_YEAR)
    assert "051050001234" not in str(caught.value)  # no ID number in the message
