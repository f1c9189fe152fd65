# recording-relay — every install step lives here, so a clean clone needs only `make`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAGE ?= dev
OUT := out/$(STAGE)
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: run test lint typecheck package layer pytest bench bench-deps clean

## run: the whole service locally on embedded emulators, until Ctrl-C
run: $(STAMP)
	$(BIN)/python -m devstack

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

## package: CloudFormation (SAM) template for STAGE, validated by cfn-lint
package: $(STAMP)
	rm -rf $(OUT)
	$(BIN)/chalice package --stage $(STAGE) --merge-template infra/resources.json $(OUT)
	$(BIN)/cfn-lint $(OUT)/sam.json

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

bench-deps: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	command -v rclone >/dev/null && test -x /usr/bin/aws || \
	  { apt-get update -q && apt-get install -y -q rclone awscli; }

clean:
	rm -rf $(VENV) out .relay .pytest_cache .mypy_cache .ruff_cache
