#!/usr/bin/env bash
# Schemathesis against a running service (the argument, default order-service): every
# operation of /api/openapi.json, `--checks all`, coverage, fuzzing and stateful phases
# (links carry created entities into later calls). Fails on any failing case, on any
# 5xx the service counted, or on fewer than SCHEMATHESIS_MIN_CASES generated cases.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
MIN_CASES="${SCHEMATHESIS_MIN_CASES:-1000}"
SERVICE="${1:-order-service}"
REPORT="target/ci-schemathesis-${SERVICE}-report.json"

ci_venv
ci_start_service "schemathesis-${SERVICE}" "$SERVICE"

ci_log "schemathesis --checks all (at most ${MAX_EXAMPLES} examples per operation and phase)"
rm -f "$REPORT"
status=0
PYTHONPATH=.ci SCHEMATHESIS_HOOKS=schemathesis_hooks \
  "$CI_VENV/bin/schemathesis" --config-file .ci/schemathesis.toml \
  run "${SERVICE_URL}/api/openapi.json" \
  --checks all \
  --phases coverage,fuzzing,stateful \
  --max-examples "$MAX_EXAMPLES" \
  --workers 2 \
  --generation-database none \
  --no-color \
  --report json --report-json-path "$REPORT" || status=$?

# The figures: cases generated, failures, and the 5xx answers the service counted.
server_errors="$(curl -fsS "${SERVICE_URL}/metrics" |
  awk '/^platform_requests_total\{.*status="5[0-9][0-9]"/ { n += $NF } END { print n + 0 }')"
"$CI_VENV/bin/python" - "$REPORT" "$server_errors" "$MIN_CASES" "$status" <<'PY'
import json
import sys

path, server_errors, min_cases, status = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
try:
    with open(path) as f:
        report = json.load(f)
except OSError:
    report = {"test_cases": {}, "failures": [], "errors": []}
cases = report["test_cases"]
generated = cases.get("generated", 0)
failures = cases.get("unique_failures", len(report["failures"]))
errors = len(report["errors"])
print(f"schemathesis: {generated} cases generated, {failures} failures, {errors} errors, {server_errors} 5xx")
problems = []
if status != 0:
    problems.append(f"schemathesis exited with {status}")
if failures or errors:
    problems.append(f"{failures} failures and {errors} errors")
if server_errors:
    problems.append(f"{server_errors} 5xx answers")
if generated < min_cases:
    problems.append(f"only {generated} cases generated, fewer than {min_cases}")
if problems:
    sys.exit("schemathesis step failed: " + "; ".join(problems))
PY
