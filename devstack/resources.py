"""Create on the emulators what a deployment has, from the same template.

Tables are built from the DynamoDB resources of `infra/resources.json`, so the
local stack and the tests cannot drift from what `make package` deploys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib import clients
from chalicelib.settings import Settings

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.json"


def load_template() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(TEMPLATE.read_text())
    return loaded


def table_names(settings: Settings) -> dict[str, str]:
    return {"CatalogTable": settings.catalog_table, "IdempotencyTable": settings.idempotency_table}


def bucket_names(settings: Settings) -> dict[str, str]:
    return {"IngestBucket": settings.ingest_bucket, "IvsBucket": settings.ivs_bucket,
            "RawArchiveBucket": settings.raw_bucket}


def create_table_args(properties: dict[str, Any], name: str) -> dict[str, Any]:
    """CloudFormation table properties -> `CreateTable` arguments."""
    keys = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
    return {"TableName": name, **{k: properties[k] for k in keys if k in properties}}


def create_tables(settings: Settings, template: dict[str, Any]) -> None:
    dynamodb = clients.aws("dynamodb")
    for logical_id, name in table_names(settings).items():
        properties = template["Resources"][logical_id]["Properties"]
        dynamodb.create_table(**create_table_args(properties, name))
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)


def create_buckets(settings: Settings) -> None:
    s3 = clients.aws("s3")
    for name in bucket_names(settings).values():
        s3.create_bucket(Bucket=name)


def create_queues(settings: Settings, template: dict[str, Any]) -> str:
    """Create the jobs queue and its DLQ; returns the jobs queue URL."""
    sqs = clients.aws("sqs")
    base = f"recording-relay-{settings.stage}-jobs"
    dlq_url = sqs.create_queue(QueueName=f"{base}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    jobs = template["Resources"]["JobsQueue"]["Properties"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": jobs["RedrivePolicy"]["maxReceiveCount"]}
    attributes = {"VisibilityTimeout": str(jobs["VisibilityTimeout"]), "RedrivePolicy": json.dumps(redrive)}
    url: str = sqs.create_queue(QueueName=base, Attributes=attributes)["QueueUrl"]
    return url


def seed_secrets(settings: Settings, values: dict[str, str]) -> None:
    ssm = clients.aws("ssm")
    for name, value in values.items():
        ssm.put_parameter(Name=f"{settings.secrets_path}/{name}", Value=value,
                          Type="SecureString", Overwrite=True)


def create_archive_bucket(settings: Settings) -> None:
    clients.vultr().create_bucket(Bucket=settings.vultr_bucket)


def bootstrap(settings: Settings, secrets: dict[str, str], *, archive_emulated: bool = True) -> str:
    """Create every resource; returns the jobs queue URL."""
    template = load_template()
    seed_secrets(settings, secrets)
    create_buckets(settings)
    create_tables(settings, template)
    if archive_emulated:
        create_archive_bucket(settings)
    return create_queues(settings, template)
