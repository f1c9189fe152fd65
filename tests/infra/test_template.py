"""The packaged CloudFormation template: valid, least-privilege, wired."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from cfnlint.api import lint_file

PROJECT = Path(__file__).resolve().parents[2]

# `packaged` (sam.json) and `template` (its JSON) come from conftest.py: one package per session.


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for resource in template["Resources"].values():
        for policy in resource.get("Properties", {}).get("Policies", []):
            if isinstance(policy, dict) and "PolicyDocument" in policy:
                found.extend(policy["PolicyDocument"]["Statement"])
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_template_passes_cfn_lint(packaged: Path):
    assert [str(m) for m in lint_file(packaged)] == []


def test_no_wildcard_action_on_wildcard_resource(template):
    statements = _statements(template)
    assert statements, "the merge template must define the role's policy"
    for statement in statements:
        if "*" in _as_list(statement["Resource"]):
            assert all(not a.endswith("*") for a in _as_list(statement["Action"])), statement
        assert "*" not in _as_list(statement["Action"]), statement


def test_jobs_function_reports_batch_item_failures_from_the_stage_queue(template):
    source = template["Resources"]["HandleJobs"]["Properties"]["Events"]["HandleJobsSqsEventSource"]
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["JobsQueue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_queue_has_a_dlq_after_five_receives_and_outlasts_the_worker(template):
    resources = template["Resources"]
    queue = resources["JobsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}
    assert queue["VisibilityTimeout"] >= 6 * resources["HandleJobs"]["Properties"]["Timeout"]


def test_every_function_gets_the_stage_resources(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["CATALOG_TABLE"] == {"Ref": "CatalogTable"}
    assert variables["JOBS_QUEUE_URL"] == {"Ref": "JobsQueue"}
    assert variables["RAW_ARCHIVE_BUCKET"] == {"Ref": "RawArchiveBucket"}


def test_ingest_and_ivs_buckets_notify_eventbridge(template):
    for bucket in ("IngestBucket", "IvsBucket"):
        config = template["Resources"][bucket]["Properties"]["NotificationConfiguration"]
        assert config == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}


def test_idempotency_records_expire(template):
    ttl = template["Resources"]["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expiration", "Enabled": True}


def test_ffmpeg_layer_only_on_the_jobs_function(template):
    with_layers = [name for name, r in template["Resources"].items()
                   if r["Type"] == "AWS::Serverless::Function" and "Layers" in r["Properties"]]
    assert with_layers == ["HandleJobs"]


def test_object_created_rule_is_narrowed_to_our_buckets(template):
    source = template["Resources"]["ObjectCreated"]["Properties"]["Events"]["ObjectCreatedEvent"]["Properties"]
    assert source["Pattern"]["source"] == ["aws.s3"]
    assert source["Pattern"]["detail"]["bucket"]["name"] == [{"Ref": "IngestBucket"}, {"Ref": "IvsBucket"}]


def test_ivs_rule_takes_recording_and_stream_state(template):
    pattern = template["Resources"]["IvsEvents"]["Properties"]["Events"]["IvsEventsEvent"]["Properties"]["Pattern"]
    assert pattern == {"source": ["aws.ivs"],
                       "detail-type": ["IVS Recording State Change", "IVS Stream State Change"]}


def test_local_eventbridge_route_is_never_packaged(tmp_path):
    # Even with the local stage's variable set in the packaging shell.
    subprocess.run([PROJECT / ".venv/bin/chalice", "package", "--stage", "dev", str(tmp_path)], cwd=PROJECT,
                   check=True, capture_output=True,
                   env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "RELAY_LOCAL": "1"})
    assert "_local" not in (tmp_path / "sam.json").read_text()
