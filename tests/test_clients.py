from __future__ import annotations

from chalicelib import clients


def test_vultr_client_is_path_style_sigv4_and_checksums_when_required(emulators):
    client = clients.vultr()
    config = client.meta.config
    assert config.s3["addressing_style"] == "path"
    assert config.signature_version == "s3v4"
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert client.meta.endpoint_url == emulators.vultr.url


def test_vultr_put_sends_no_flexible_checksum_and_uses_path_urls(emulators):
    client = clients.vultr()
    seen: list[tuple[str, dict[str, str]]] = []
    client.meta.events.register("before-send.s3.PutObject",
                                lambda request, **_: seen.append((request.url, dict(request.headers))))
    client.put_object(Bucket=emulators.settings.vultr_bucket, Key="probe/a.txt", Body=b"hello")
    url, headers = seen[0]
    assert url == f"{emulators.vultr.url}/{emulators.settings.vultr_bucket}/probe/a.txt"
    assert not [h for h in headers if h.lower().startswith("x-amz-checksum")]
    assert "x-amz-sdk-checksum-algorithm" not in {h.lower() for h in headers}


def test_aws_clients_follow_endpoint_env_and_are_separate_from_vultr(emulators):
    s3 = clients.aws("s3")
    assert s3.meta.endpoint_url == emulators.aws.url
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert emulators.settings.raw_bucket in buckets
    assert emulators.settings.vultr_bucket not in buckets


def test_clients_are_cached_until_reset(emulators):
    assert clients.aws("sqs") is clients.aws("sqs")
    first = clients.aws("sqs")
    clients.reset()
    assert clients.aws("sqs") is not first
