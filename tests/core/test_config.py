"""Configuration: defaults, then instance/config.py, then FIELDKIT_* variables."""

import stat

import pytest

from fieldkit import create_app
from fieldkit.config import ConfigError, from_environment, normalise_database_url


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("FIELDKIT_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_put_everything_in_the_instance_folder(clean_env, tmp_path):
    clean_env.setenv("FIELDKIT_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app()
    instance = tmp_path / "inst"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'fieldkit.sqlite'}"
    assert app.config["OUTBOX_PATH"] == str(instance / "outbox")
    assert app.config["UPLOAD_PATH"] == str(instance / "uploads")
    assert app.config["BABEL_DEFAULT_LOCALE"] == "nb"
    assert app.config["REDIS_URL"] is None


def test_secret_key_is_generated_once_and_kept_private(clean_env, tmp_path):
    clean_env.setenv("FIELDKIT_INSTANCE_PATH", str(tmp_path))
    first = create_app().config["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert len(first) == 64
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app().config["SECRET_KEY"] == first


def test_instance_config_file_then_environment(clean_env, tmp_path):
    (tmp_path / "config.py").write_text(
        "BASE_URL = 'https://undersokelse.example.no'\nSMTP_HOST = 'mail.example.no'\n"
        "SMTP_PORT = 2525\n"
    )
    clean_env.setenv("FIELDKIT_INSTANCE_PATH", str(tmp_path))
    clean_env.setenv("FIELDKIT_SMTP_PORT", "587")
    clean_env.setenv("FIELDKIT_DATABASE_URL", "postgres://fk@db.example.no/fieldkit")
    app = create_app()
    assert app.config["BASE_URL"] == "https://undersokelse.example.no"
    assert app.config["SMTP_HOST"] == "mail.example.no"
    assert app.config["SMTP_PORT"] == 587  # the environment wins over the file
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://fk@db.example.no/fieldkit"
    # Served over https: cookies only travel encrypted.
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_real_secret(clean_env, tmp_path):
    clean_env.setenv("FIELDKIT_INSTANCE_PATH", str(tmp_path))
    clean_env.setenv("FIELDKIT_PRODUCTION", "yes")
    with pytest.raises(ConfigError, match="FIELDKIT_SECRET_KEY"):
        create_app()
    clean_env.setenv("FIELDKIT_SECRET_KEY", "changeme")
    with pytest.raises(ConfigError, match="real secret key"):
        create_app()
    assert not (tmp_path / "secret_key").exists()
    clean_env.setenv("FIELDKIT_SECRET_KEY", "x" * 40)
    app = create_app()
    assert app.config["SECRET_KEY"] == "x" * 40
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_bad_environment_value_is_named():
    with pytest.raises(ConfigError, match="FIELDKIT_SMTP_STARTTLS: expected a yes/no value"):
        from_environment({"FIELDKIT_SMTP_STARTTLS": "maybe"})
    with pytest.raises(ConfigError, match="FIELDKIT_SMTP_PORT"):
        from_environment({"FIELDKIT_SMTP_PORT": "twenty-five"})


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
