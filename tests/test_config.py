"""RunConfig, built once per run: options win over the environment, which wins over the config
file, which wins over the defaults; a bad value is a clear error naming the setting."""

import pytest
from pydantic import ValidationError

from ducpho_etl.config import DEFAULT_DATA_YEAR, ConfigError, RunConfig, load_config


def test_defaults(tmp_path, monkeypatch):
    for name in ("DUCPHO_SCHEMAS_DIR", "DUCPHO_MAX_WORKERS", "DUCPHO_DB_URL", "DUCPHO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(tmp_path / "in", tmp_path / "out")
    assert (config.data_year, config.workers, config.force, config.cache) == (
        DEFAULT_DATA_YEAR, 2, False, True)
    assert config.schemas_dir is None and config.db_url is None and config.sources is None
    assert config.cache_dir == tmp_path / "out" / ".cache"


def test_options_over_environment_over_file(tmp_path, monkeypatch):
    (tmp_path / "schemas").mkdir()
    file = tmp_path / "ducpho.toml"
    file.write_text('data_year = 2024\nworkers = 3\ndb_url = "sqlite:///file.db"\n'
                    'sources = ["thue"]\n', encoding="utf-8")
    monkeypatch.setenv("DUCPHO_CONFIG", str(file))
    monkeypatch.setenv("DUCPHO_MAX_WORKERS", "4")
    monkeypatch.setenv("DUCPHO_DB_URL", "postgresql://officer@db/ducpho")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path / "schemas"))
    config = load_config(tmp_path, tmp_path, workers=1, force=True, data_year=None)
    assert config.data_year == 2024  # file (the option was not given)
    assert config.workers == 1  # option over environment over file
    assert config.db_url == "postgresql://officer@db/ducpho"  # environment over file
    assert config.sources == ("thue",) and config.force is True
    assert config.schemas_dir == (tmp_path / "schemas").resolve()


@pytest.mark.parametrize(("options", "named"), [
    ({"data_year": 23}, "data_year"),
    ({"workers": 0}, "workers"),
    ({"schemas_dir": "/no/such/folder"}, "schemas_dir"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_setting_is_named(tmp_path, monkeypatch, options, named):
    monkeypatch.delenv("DUCPHO_CONFIG", raising=False)
    with pytest.raises(ConfigError, match=named):
        load_config(tmp_path, tmp_path, **options)


def test_a_bad_environment_value_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("DUCPHO_MAX_WORKERS", "many")
    with pytest.raises(ConfigError, match="workers"):
        load_config(tmp_path, tmp_path)


def test_frozen_and_carried_as_json(tmp_path, monkeypatch):
    monkeypatch.delenv("DUCPHO_CONFIG", raising=False)
    config = load_config(tmp_path, tmp_path / "out", sources=["bhxh"], data_year=2025)
    with pytest.raises(ValidationError):
        config.data_year = 2020
    again = RunConfig.model_validate(config.model_dump(mode="json"))
    assert again == config
