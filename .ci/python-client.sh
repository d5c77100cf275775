#!/usr/bin/env bash
# A Python client generated from the served /api/openapi.json (openapi-python-client,
# pinned) drives the order flow: every command and query, history, and each problem
# (400, 401, 403, 404, 409, 422) parsed as the declared type. Any mismatch fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

OUT="target/ci-python-client"

ci_venv
ci_start_service python-client

ci_log "generating the Python client from ${SERVICE_URL}/api/openapi.json"
rm -rf "$OUT"
mkdir -p "$OUT"
curl -fsS "${SERVICE_URL}/api/openapi.json" -o "$OUT/openapi.json"
# The generator formats its output with ruff from the venv.
PATH="$PWD/$CI_VENV/bin:$PATH" "$CI_VENV/bin/openapi-python-client" generate \
  --path "$OUT/openapi.json" --meta none --output-path "$OUT/order_service_client"

ci_log "the order flow through the generated client"
PYTHONPATH="$OUT" CI_PG_URL="$CI_PG_URL" "$CI_VENV/bin/python" .ci/python_client_flow.py
