"""The packaged template's wiring, function by function: layers, event sources,
environment, sizes, IAM, alarms and the dashboard (issue 7, deployment).

The template comes from conftest.py (packaged once per session, as `make package`)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from chalicelib.catalog.states import Status
from chalicelib.events.types import Provider
from chalicelib.observability import NAMESPACE, SERVICE
from chalicelib.secrets import SECRET_NAMES
from chalicelib.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]
FUNCTIONS = {  # CloudFormation name -> Chalice function name (from app.py)
    "APIHandler": "api_handler",
    "IvsEvents": "ivs_events",
    "ObjectCreated": "object_created",
    "HandleJobs": "handle_jobs",
    "Reconcile": "reconcile",
}
STAGE_RESOURCES = {  # env var -> the resource or parameter it must come from
    "INGEST_BUCKET": "IngestBucket",
    "IVS_BUCKET": "IvsBucket",
    "RAW_ARCHIVE_BUCKET": "RawArchiveBucket",
    "CATALOG_TABLE": "CatalogTable",
    "IDEMPOTENCY_TABLE": "IdempotencyTable",
    "JOBS_QUEUE_URL": "JobsQueue",
    "EVENT_BUS_NAME": "EventBusName",
    "OUTBOUND_WEBHOOK_URL": "OutboundWebhookUrl",
    "VULTR_ENDPOINT": "VultrEndpoint",
    "VULTR_REGION": "VultrRegion",
    "VULTR_BUCKET": "VultrBucket",
    "SECRETS_BACKEND": "SecretsBackend",
    "SECRETS_PATH": "SecretsPath",
    "CLOUDFLARE_ACCOUNT_ID": "CloudflareAccountId",
    "AGORA_APP_ID": "AgoraAppId",
}
SQS_LIMIT_S = 43_200


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


merge_template = _load("infra_merge_template", PROJECT / "infra/merge_template.py")
package_size = _load("infra_package_size", PROJECT / "infra/package_size.py")


# --- helpers ---------------------------------------------------------------------------------------------

def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _props(template: dict[str, Any], name: str) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][name]["Properties"]
    return properties


def _defaults(template: dict[str, Any]) -> dict[str, str]:
    return {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}


def _substitute(template: dict[str, Any], value: Any) -> Any:
    """A Fn::Sub of parameters only, with their defaults (what the stage deploys by default)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        defaults = _defaults(template)
        return re.sub(r"\$\{([A-Za-z0-9]+)\}", lambda m: defaults[m.group(1)], value["Fn::Sub"])
    return value


def _environment(template: dict[str, Any], function: str) -> dict[str, Any]:
    """Globals merged under the function's own variables, as SAM merges them."""
    variables = dict(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    variables.update(_props(template, function).get("Environment", {}).get("Variables", {}))
    return variables


def _statements(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = _props(template, function)["Role"]["Fn::GetAtt"][0]
    return [s for policy in _props(template, role)["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def _grants(template: dict[str, Any], function: str) -> list[tuple[str, str]]:
    """(action, resource as compact JSON) for every Allow of the function's role."""
    found = []
    for statement in _statements(template, function):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            for resource in _as_list(statement["Resource"]):
                found.append((action, json.dumps(resource, sort_keys=True)))
    return found


def _actions(template: dict[str, Any], function: str) -> set[str]:
    return {action for action, _ in _grants(template, function)}


def _resources_for(template: dict[str, Any], function: str, action: str) -> list[str]:
    return [resource for a, resource in _grants(template, function) if a == action]


def _dashboard(template: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(_props(template, "Dashboard")["DashboardBody"]["Fn::Sub"])
    return body


def _own_metrics(template: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """(metric name, dimensions) of every RecordingRelay metric on the dashboard."""
    found = []
    for widget in _dashboard(template)["widgets"]:
        for line in widget["properties"]["metrics"]:
            fields = [f for f in line if not isinstance(f, dict)]
            if fields[0] == NAMESPACE:
                found.append((fields[1], dict(zip(fields[2::2], fields[3::2], strict=True))))
    return found


# --- functions -------------------------------------------------------------------------------------------

def test_the_five_functions_are_named_for_the_stage(template):
    functions = {n for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions == set(FUNCTIONS)
    for function, chalice_name in FUNCTIONS.items():
        name = _props(template, function)["FunctionName"]
        assert _substitute(template, name) == f"recording-relay-dev-{chalice_name}"
        # The log group exists (with its retention) before the function writes to it.
        assert template["Resources"][function]["DependsOn"] in template["Resources"]
        group = template["Resources"][template["Resources"][function]["DependsOn"]]
        assert group["Type"] == "AWS::Logs::LogGroup"
        log_group = _substitute(template, group["Properties"]["LogGroupName"])
        assert log_group == f"/aws/lambda/recording-relay-dev-{chalice_name}"
        assert group["Properties"]["RetentionInDays"] > 0


@pytest.mark.parametrize("prebuilt", [False, True])
def test_ffmpeg_layer_only_on_handle_jobs_whichever_layer_is_used(template, prebuilt):
    def branch(value: Any) -> list[Any]:
        if isinstance(value, dict) and "Fn::If" in value:
            condition, when_true, when_false = value["Fn::If"]
            assert condition == "UsePrebuiltFfmpegLayer"
            return _as_list(when_true if prebuilt else when_false)
        return _as_list(value)

    layers = {f: branch(_props(template, f).get("Layers", [])) for f in FUNCTIONS}
    assert {f for f, value in layers.items() if value} == {"HandleJobs"}
    expected = {"Ref": "FfmpegLayerArn"} if prebuilt else {"Ref": "FfmpegLayer"}
    assert layers["HandleJobs"] == [expected]


def test_the_layer_is_built_from_make_layers_zip_for_the_workers_architecture(template):
    layer = template["Resources"]["FfmpegLayer"]
    architecture = _props(template, "HandleJobs")["Architectures"][0]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Condition"] == "BuildFfmpegLayer"
    assert layer["Properties"]["CompatibleArchitectures"] == [architecture]
    # layers/ffmpeg/build.py writes dist/ffmpeg-layer-{arch}.zip; `make package` copies it beside sam.json.
    assert layer["Properties"]["ContentUri"] == f"./ffmpeg-layer-{architecture}.zip"
    assert template["Parameters"]["FfmpegLayerArn"]["Default"] == ""


def test_event_sources_per_function(template):
    events = {f: _props(template, f).get("Events", {}) for f in FUNCTIONS}
    assert events["APIHandler"] == {}
    assert [e["Type"] for e in events["IvsEvents"].values()] == ["CloudWatchEvent"]
    assert [e["Type"] for e in events["ObjectCreated"].values()] == ["CloudWatchEvent"]
    assert [e["Type"] for e in events["HandleJobs"].values()] == ["SQS"]
    assert [e["Type"] for e in events["Reconcile"].values()] == ["Schedule"]

    ivs = events["IvsEvents"]["IvsEventsEvent"]["Properties"]["Pattern"]
    assert ivs["source"] == ["aws.ivs"]
    s3 = events["ObjectCreated"]["ObjectCreatedEvent"]["Properties"]["Pattern"]
    assert s3["detail-type"] == ["Object Created"]
    assert s3["detail"]["bucket"]["name"] == [{"Ref": "IngestBucket"}, {"Ref": "IvsBucket"}]
    sqs = events["HandleJobs"]["HandleJobsSqsEventSource"]["Properties"]
    assert sqs["Queue"] == {"Fn::GetAtt": ["JobsQueue", "Arn"]}
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    schedule = events["Reconcile"]["ReconcileEvent"]["Properties"]["Schedule"]
    assert schedule == {"Ref": "ReconcileSchedule"}
    assert template["Parameters"]["ReconcileSchedule"]["Default"] == "rate(15 minutes)"


def test_every_route_including_the_webhooks_goes_to_the_api_handler(template):
    paths = _props(template, "RestAPI")["DefinitionBody"]["paths"]
    assert {"/webhooks/{name}", "/hooks/{name}", "/health"} <= set(paths)
    for path, methods in paths.items():
        for method, operation in methods.items():
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            assert "${APIHandler.Arn}" in uri, (path, method)


def test_each_function_gets_the_stage_resources_from_the_template(template):
    read_by_settings = set(re.findall(r'env\.get\("([A-Z0-9_]+)"', (PROJECT / "chalicelib/settings.py").read_text()))
    for function in FUNCTIONS:
        variables = _environment(template, function)
        for name, source in STAGE_RESOURCES.items():
            assert variables[name] == {"Ref": source}, (function, name)
        assert variables["RELAY_STAGE"] == "dev"
        unknown = {n for n in variables if not n.startswith("POWERTOOLS_")} - read_by_settings
        assert not unknown, f"{function}: variables chalicelib/settings.py never reads: {unknown}"


def test_stage_names_match_what_settings_assume_for_the_stage(template):
    settings = Settings.from_env({"RELAY_STAGE": "dev"})
    expected = {"CatalogTable": settings.catalog_table, "IdempotencyTable": settings.idempotency_table,
                "IngestBucket": settings.ingest_bucket, "IvsBucket": settings.ivs_bucket,
                "RawArchiveBucket": settings.raw_bucket}
    for resource, name in expected.items():
        properties = _props(template, resource)
        given = properties.get("TableName") or properties.get("BucketName")
        assert _substitute(template, given) == name, resource
    defaults = _defaults(template)
    assert defaults["SecretsPath"] == settings.secrets_path
    assert defaults["VultrBucket"] == settings.vultr_bucket


def test_memory_timeout_and_ephemeral_storage(template):
    props = {f: _props(template, f) for f in FUNCTIONS}
    worker = props["HandleJobs"]
    assert worker["MemorySize"] >= 3008
    assert worker["Timeout"] == 900
    assert worker["EphemeralStorage"] == {"Size": 10240}
    assert int(_environment(template, "HandleJobs")["EPHEMERAL_BUDGET_MB"]) < 10240  # room for the layer's temp use
    assert 256 <= props["APIHandler"]["MemorySize"] <= 512
    assert props["APIHandler"]["Timeout"] <= 29  # API Gateway answers 504 after 29 s
    for function in ("IvsEvents", "ObjectCreated"):
        assert props[function]["MemorySize"] <= 512
        assert props[function]["Timeout"] <= 300
    assert props["Reconcile"]["Timeout"] == 900
    assert 512 <= props["Reconcile"]["MemorySize"] < worker["MemorySize"]
    for function in ("APIHandler", "IvsEvents", "ObjectCreated", "Reconcile"):
        assert "EphemeralStorage" not in props[function]  # Lambda's default 512 MB


def test_queue_outlasts_six_worker_timeouts_and_has_a_dlq(template):
    queue = _props(template, "JobsQueue")
    assert 6 * _props(template, "HandleJobs")["Timeout"] <= queue["VisibilityTimeout"] <= SQS_LIMIT_S
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": 5}
    assert _props(template, "JobsDeadLetterQueue")["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_tables_expire_what_may_expire(template):
    assert _props(template, "IdempotencyTable")["TimeToLiveSpecification"] == {"AttributeName": "expiration",
                                                                             "Enabled": True}
    # Nothing writes `expires_at` on a recording: only items meant to vanish (checkpoints, leases) may carry it.
    assert _props(template, "CatalogTable")["TimeToLiveSpecification"] == {"AttributeName": "expires_at",
                                                                         "Enabled": True}
    assert template["Resources"]["CatalogTable"]["DeletionPolicy"] == "Retain"


# --- IAM -------------------------------------------------------------------------------------------------

def test_each_function_has_its_own_role(template):
    roles = [_props(template, f)["Role"]["Fn::GetAtt"][0] for f in FUNCTIONS]
    assert len(set(roles)) == len(FUNCTIONS)
    assert "DefaultRole" not in template["Resources"]


def test_no_wildcard_action_and_no_wildcard_resource(template):
    for function in FUNCTIONS:
        for action, resource in _grants(template, function):
            assert "*" not in action, (function, action)
            assert resource != '"*"', (function, action)


def test_logs_only_to_the_functions_own_log_group(template):
    for function, chalice_name in FUNCTIONS.items():
        for action, resource in _grants(template, function):
            if action.startswith("logs:"):
                assert f"log-group:/aws/lambda/recording-relay-${{Stage}}-{chalice_name}" in resource


def test_api_handler_may_do_only_what_ingress_and_the_api_call(template):
    actions = _actions(template, "APIHandler")
    assert "events:PutEvents" not in actions
    assert "s3:GetObject" not in actions
    assert not {a for a in actions if a.startswith("sqs:")} - {"sqs:SendMessage"}
    assert _resources_for(template, "APIHandler", "s3:PutObject") == ['{"Fn::Sub": "${RawArchiveBucket.Arn}/*"}']
    assert _resources_for(template, "APIHandler", "sqs:SendMessage") == ['{"Fn::GetAtt": ["JobsQueue", "Arn"]}']
    assert {"ssm:GetParameter", "secretsmanager:GetSecretValue", "dynamodb:PutItem", "dynamodb:Query"} <= actions


@pytest.mark.parametrize("function", ["IvsEvents", "ObjectCreated"])
def test_eventbridge_ingress_archives_dedupes_and_enqueues_only(template, function):
    actions = _actions(template, function)
    assert actions == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                       "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                       "s3:PutObject", "sqs:SendMessage"}
    # Catalog: append to the event history only; the ledger's four verbs are on the idempotency table.
    catalog = [r for a, r in _grants(template, function) if a != "dynamodb:PutItem" and "CatalogTable" in r]
    assert catalog == []


def test_worker_publishes_events_and_consumes_its_queue(template):
    actions = _actions(template, "HandleJobs")
    assert _resources_for(template, "HandleJobs", "events:PutEvents") == [
        '{"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${EventBusName}"}']
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                   "sqs:GetQueueAttributes", "sqs:SendMessage"):
        assert _resources_for(template, "HandleJobs", action) == ['{"Fn::GetAtt": ["JobsQueue", "Arn"]}']
    assert sorted(_resources_for(template, "HandleJobs", "s3:GetObject")) == [
        '{"Fn::Sub": "${IngestBucket.Arn}/*"}', '{"Fn::Sub": "${IvsBucket.Arn}/*"}']
    assert "s3:PutObject" not in actions  # the archive is Vultr, reached with its own keys
    assert "dynamodb:DeleteItem" in actions  # finished transfer checkpoints


def test_reconcile_discovers_enqueues_and_announces_what_it_fails(template):
    actions = _actions(template, "Reconcile")
    assert "sqs:ReceiveMessage" not in actions
    assert {"s3:ListBucket", "s3:GetObject", "sqs:SendMessage", "dynamodb:Query", "dynamodb:BatchGetItem"} <= actions
    # a recording failed after its re-drives emits recording.failed, on the stage's bus only
    assert _resources_for(template, "Reconcile", "events:PutEvents") == \
        _resources_for(template, "HandleJobs", "events:PutEvents")


def test_secrets_are_read_only_under_the_stage_path(template):
    for function in FUNCTIONS:
        for action, resource in _grants(template, function):
            if action.startswith(("ssm:", "secretsmanager:")):
                assert "${SecretsPath}" in resource, (function, action)
    for statement in _statements(template, "APIHandler"):
        if "kms:Decrypt" in _as_list(statement["Action"]):
            assert "kms:ViaService" in statement["Condition"]["StringEquals"]
    assert "ssm:GetParameter" not in _actions(template, "IvsEvents")  # EventBridge ingress reads no secret


# --- alarms and dashboard --------------------------------------------------------------------------------

def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: r["Properties"] for n, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def test_alarms_on_dlq_depth_worker_errors_and_oldest_non_terminal_age(template):
    by_metric = {(a["Namespace"], a["MetricName"]): a for a in _alarms(template).values()}
    dlq = by_metric["AWS/SQS", "ApproximateNumberOfMessagesVisible"]
    assert dlq["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["JobsDeadLetterQueue", "QueueName"]}}]
    assert (dlq["ComparisonOperator"], dlq["Threshold"]) == ("GreaterThanThreshold", 0)
    errors = by_metric["AWS/Lambda", "Errors"]
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "HandleJobs"}}]
    age = by_metric[NAMESPACE, "OldestNonTerminalAgeSeconds"]
    assert age["Dimensions"] == [{"Name": "service", "Value": SERVICE}]
    assert age["Threshold"] == {"Ref": "StuckRecordingSeconds"}
    assert age["TreatMissingData"] == "breaching"  # a reconciliation that stopped reporting is an alarm too


def test_dashboard_shows_states_webhooks_throughput_and_reconciliation(template):
    metrics = _own_metrics(template)
    assert all(dims["service"] == SERVICE for _, dims in metrics)
    states = {dims.get("state") for name, dims in metrics if name == "RecordingsByState"}
    assert states == {str(s) for s in Status}
    providers = {dims.get("provider") for name, dims in metrics if name == "WebhooksReceived"}
    assert providers == {str(p) for p in Provider}
    names = {name for name, _ in metrics}
    assert {"CopyMBps", "RecordingsFoundMissing", "RecordingsRedriven", "RecordingsFailed", "UploadsAborted",
            "OldestNonTerminalAgeSeconds", "JobsGivenUp"} <= names


def test_dashboard_placeholders_name_template_resources(template):
    body = _props(template, "Dashboard")["DashboardBody"]["Fn::Sub"]
    for placeholder in re.findall(r"\$\{([^}]+)\}", body):
        name = placeholder.split(".")[0]
        assert name.startswith("AWS::") or name in template["Resources"], placeholder


# --- the helper scripts ----------------------------------------------------------------------------------

def test_merge_template_sets_the_stage_defaults():
    rendered = merge_template.render("prod")
    defaults = {n: p.get("Default") for n, p in rendered["Parameters"].items()}
    settings = Settings.from_env({"RELAY_STAGE": "prod"})
    assert defaults["Stage"] == "prod"
    assert defaults["SecretsPath"] == settings.secrets_path
    assert defaults["VultrBucket"] == settings.vultr_bucket
    assert f"{defaults['BucketPrefix']}-ingest" == settings.ingest_bucket
    with pytest.raises(SystemExit):
        merge_template.render("Prod_1")


def test_package_size_reports_every_function_and_fails_over_the_limit(package_dir, capsys):
    assert package_size.main([str(package_dir)]) == 0
    report = capsys.readouterr().out
    assert "262,144,000 bytes" in report
    for function in FUNCTIONS:
        assert re.search(rf"^{function}\s", report, re.MULTILINE), function
    assert package_size.main([str(package_dir), "--limit", "1000"]) == 1


def test_readme_names_every_secret_parameter():
    readme = (PROJECT / "README.md").read_text()
    guide = readme[readme.index("## Deployment"):]
    missing = [name for name in SECRET_NAMES if name not in guide]
    assert not missing, f"README deployment guide lacks: {missing}"


def test_the_ingest_bucket_expires_what_it_staged_after_the_retention(template):
    rules = template["Resources"]["IngestBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = [r for r in rules if "ExpirationInDays" in r]
    assert expiring == [{"Id": "expire-ingested-recordings", "Status": "Enabled",
                         "ExpirationInDays": {"Ref": "IngestRetentionDays"}}]
    assert template["Parameters"]["IngestRetentionDays"]["MinValue"] >= 3  # longer than the reconcile window


def test_every_function_knows_its_stage_from_the_template(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["RELAY_STAGE"] == {"Ref": "Stage"}  # `make package STAGE=staging` is not labelled dev


@pytest.mark.parametrize("stage", ["dev-", "-dev", "Dev", "a" * 21, "dev\n"])
def test_stage_names_that_would_break_a_deploy_are_refused(stage):
    from infra.merge_template import render

    with pytest.raises(SystemExit):
        render(stage)
