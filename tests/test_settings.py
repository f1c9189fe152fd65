from chalicelib.settings import MIB, Settings


def test_defaults_are_named_after_the_stage():
    settings = Settings.from_env({"RELAY_STAGE": "prod"})
    assert settings.catalog_table == "recording-relay-prod-catalog"
    assert settings.secrets_path == "/recording-relay/prod"
    assert settings.max_body_bytes == MIB
    assert settings.tracing_enabled is False


def test_environment_overrides_defaults():
    settings = Settings.from_env({
        "CATALOG_TABLE": "cat", "VULTR_ENDPOINT": "https://sjc1.vultrobjects.com",
        "SECRETS_PATH": "/x/y/", "RELAY_TRACING": "true", "AWS_DEFAULT_REGION": "eu-west-1",
    })
    assert settings.catalog_table == "cat"
    assert settings.vultr_endpoint == "https://sjc1.vultrobjects.com"
    assert settings.secrets_path == "/x/y"
    assert settings.tracing_enabled is True
    assert settings.region == "eu-west-1"
