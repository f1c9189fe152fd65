from __future__ import annotations

import pytest

from chalicelib import clients, secrets
from chalicelib.errors import ConfigError
from chalicelib.settings import reset_settings


@pytest.fixture
def env_backend(monkeypatch):
    monkeypatch.setenv("SECRETS_BACKEND", "env")
    reset_settings()
    yield
    reset_settings()


def test_env_backend_reads_the_environment(env_backend, monkeypatch):
    monkeypatch.setenv("HOOK_TOKEN", "tok-1")
    assert secrets.get_secret("HOOK_TOKEN") == "tok-1"


def test_rotation_values_are_split_and_trimmed(env_backend, monkeypatch):
    monkeypatch.setenv("MUX_WEBHOOK_SECRET", " new-secret , old-secret ,")
    assert secrets.get_secret_values("MUX_WEBHOOK_SECRET") == ["new-secret", "old-secret"]


def test_missing_secret_names_itself(env_backend, monkeypatch):
    monkeypatch.delenv("AGORA_NCS_SECRET", raising=False)
    with pytest.raises(ConfigError) as caught:
        secrets.get_secret("AGORA_NCS_SECRET")
    assert caught.value.detail == "AGORA_NCS_SECRET"


def test_ssm_backend_reads_securestring_from_emulator(emulators):
    assert secrets.get_secret("HOOK_TOKEN") == emulators.secrets["HOOK_TOKEN"]


def test_ssm_backend_falls_back_to_env_when_parameter_missing(emulators, monkeypatch):
    monkeypatch.setenv("SOME_LOCAL_ONLY_SECRET", "from-env")
    assert secrets.get_secret("SOME_LOCAL_ONLY_SECRET") == "from-env"


def test_secret_value_never_appears_in_the_error(emulators, monkeypatch):
    monkeypatch.setenv("SECRETS_BACKEND", "vault")
    reset_settings()
    try:
        with pytest.raises(ConfigError) as caught:
            secrets.get_secret("HOOK_TOKEN")
        assert emulators.secrets["HOOK_TOKEN"] not in str(caught.value)
    finally:
        monkeypatch.undo()
        reset_settings()
        clients.reset()
