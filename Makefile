# recording-relay — every install step lives here, so a clean clone needs only `make`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAGE ?= dev
OUT := out/$(STAGE)
# deploy: the AWS CLI, an S3 bucket for the code and layer zips, and the stack
AWS ?= aws
DEPLOY_BUCKET ?=
DEPLOY_PREFIX ?= recording-relay/$(STAGE)
STACK_NAME ?= recording-relay-$(STAGE)
PARAMETERS ?=
LAMBDA_ARCH := x86_64
FFMPEG_LAYER_ZIP := layers/ffmpeg/dist/ffmpeg-layer-$(LAMBDA_ARCH).zip
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: run demo test lint typecheck package deploy deploy-check layer pytest bench bench-pipeline bench-deps clean

## run: the whole service locally on embedded emulators, until Ctrl-C
run: $(STAMP)
	$(BIN)/python -m devstack

## demo: while `make run` is up, an nginx-rtmp and an IVS recording from "ready" to `processed`
demo: $(STAMP)
	$(BIN)/python -m devstack.demo

## test: lint, type-check, package + cfn-lint, and the test suite
test: lint typecheck package pytest

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

## package: CloudFormation (SAM) template for STAGE in out/STAGE, cfn-lint'ed and size-checked (250 MiB)
package: $(STAMP)
	rm -rf $(OUT)
	$(BIN)/python infra/merge_template.py $(STAGE) --out $(OUT)/merge-template.json
	$(BIN)/chalice package --stage $(STAGE) --merge-template $(OUT)/merge-template.json $(OUT)
	if [ -f $(FFMPEG_LAYER_ZIP) ]; then cp $(FFMPEG_LAYER_ZIP) $(OUT)/; fi
	$(BIN)/cfn-lint $(OUT)/sam.json
	$(BIN)/python infra/package_size.py $(OUT)

## deploy: package STAGE and deploy it as stack recording-relay-STAGE (DEPLOY_BUCKET=... required;
##         more parameters as PARAMETERS="AlarmTopicArn=... OutboundWebhookUrl=...")
deploy: deploy-check $(FFMPEG_LAYER_ZIP) package
	test -f $(OUT)/$(notdir $(FFMPEG_LAYER_ZIP))
	$(AWS) cloudformation package --template-file $(OUT)/sam.json --use-json \
	  --s3-bucket $(DEPLOY_BUCKET) --s3-prefix $(DEPLOY_PREFIX) --output-template-file $(OUT)/packaged.json
	$(AWS) cloudformation deploy --template-file $(OUT)/packaged.json --stack-name $(STACK_NAME) \
	  --s3-bucket $(DEPLOY_BUCKET) --s3-prefix $(DEPLOY_PREFIX) \
	  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
	  --tags app=recording-relay stage=$(STAGE) \
	  --parameter-overrides Stage=$(STAGE) $(PARAMETERS)
	$(AWS) cloudformation describe-stacks --stack-name $(STACK_NAME) --query 'Stacks[0].Outputs' --output table

deploy-check:
	@test -n "$(DEPLOY_BUCKET)" || { echo "make deploy: set DEPLOY_BUCKET to an S3 bucket in $(AWS_DEFAULT_REGION)" \
	  "that the deploying credentials can write (it receives the code and layer zips)" >&2; exit 2; }
	@command -v $(AWS) >/dev/null || { echo "make deploy: the AWS CLI ($(AWS)) is not installed" >&2; exit 2; }

$(FFMPEG_LAYER_ZIP): | $(STAMP)
	$(BIN)/python layers/ffmpeg/build.py --arch $(LAMBDA_ARCH)

## layer: FFmpeg layers for x86_64 and arm64 (layers/ffmpeg/dist/), size-checked
layer: $(STAMP)
	$(BIN)/python layers/ffmpeg/build.py

pytest: $(STAMP)
	$(BIN)/pytest

## bench: every benchmark (the transfer one needs bench-deps: nanio, rclone, aws-cli)
bench: bench-deps
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/ingress.py
	$(BIN)/python bench/transfer.py
	$(BIN)/python bench/pipeline.py --keep

## bench-pipeline: a 30-minute 720p recording through the local stack vs a bare copy + remux
bench-pipeline: $(STAMP)
	$(BIN)/python bench/pipeline.py --keep

bench-deps: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	command -v rclone >/dev/null && test -x /usr/bin/aws || \
	  { apt-get update -q && apt-get install -y -q rclone awscli; }

clean:
	rm -rf $(VENV) out .relay .pytest_cache .mypy_cache .ruff_cache
