"""The local stack's settings: nothing in them may reach beyond loopback by itself."""

from __future__ import annotations

from devstack.env import PROVIDER_API_SECRETS, secret_values, service_environment


def test_provider_api_credentials_are_never_made_up():
    made = secret_values({})
    assert PROVIDER_API_SECRETS.isdisjoint(made)  # so reconciliation never calls the real Mux or Cloudflare
    assert {"HOOK_TOKEN", "RELAY_API_TOKEN", "MUX_WEBHOOK_SECRET"} <= set(made)
    given = secret_values({"MUX_TOKEN_ID": "id", "MUX_TOKEN_SECRET": "secret"})
    assert (given["MUX_TOKEN_ID"], given["MUX_TOKEN_SECRET"]) == ("id", "secret")


def test_no_cloudflare_account_unless_given():
    assert "CLOUDFLARE_ACCOUNT_ID" not in service_environment({})
    assert service_environment({"CLOUDFLARE_ACCOUNT_ID": "abc"})["CLOUDFLARE_ACCOUNT_ID"] == "abc"


def test_every_aws_endpoint_is_loopback():
    env = service_environment({})
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert env["VULTR_ENDPOINT"].startswith("http://127.0.0.1:")
