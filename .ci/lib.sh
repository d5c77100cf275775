# Shared by the CI steps that test the running order service from outside
# (.ci/schemathesis.sh, .ci/python-client.sh). Source it from the repository root.
#
# ci_venv            a Python venv with .ci/requirements.txt (pinned), in target/ci-venv
# ci_start_service NAME [BINARY]
#                    builds BINARY (default order-service) and runs it on a database,
#                    exchange and port
#                    of its own, in AUTH_MODE=jwt; exports SERVICE_URL and ADMIN_TOKEN
#                    (a token with the admin role), CUSTOMER_TOKEN (a customer's),
#                    CI_DB_NAME and SERVICE_LOG; on exit the service
#                    is stopped, its database dropped, its exchange and its
#                    subscribers' queues (`${CI_SERVICE_NAME}.*`) deleted.

CI_VENV="${CI_VENV:-target/ci-venv}"
CI_PG_URL="${CI_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
CI_AMQP_URL="${CI_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"

ci_log() { printf '== %s\n' "$*"; }

ci_venv() {
  if [ ! -x "$CI_VENV/bin/python" ]; then
    ci_log "creating the Python venv $CI_VENV"
    python3 -m venv "$CI_VENV"
  fi
  "$CI_VENV/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements.txt
}

ci_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ci_start_service() {
  local name="$1"
  local service="${2:-order-service}"
  cargo build --quiet -p "$service"
  local suffix
  suffix="$(date +%s)_$$"
  export CI_DB_NAME="ci_${name//-/_}_${suffix}"
  export CI_EXCHANGE="ci.${name}.${suffix}"
  # A name of its own: its subscribers' durable queues are `${CI_SERVICE_NAME}.{name}`.
  export CI_SERVICE_NAME="ci-${name}-${suffix}"
  local port
  port="$(ci_free_port)"
  export SERVICE_URL="http://127.0.0.1:${port}"
  export SERVICE_LOG="target/ci-${name}.log"
  local secret="ci-${name}-hs256-secret-of-at-least-32-bytes"
  # The service's own settings, for this process only.
  local -a settings=(
    "DB_NAME=${CI_DB_NAME}"
    "HTTP_HOST=127.0.0.1"
    "HTTP_PORT=${port}"
    "MESSAGE_BUS_EXCHANGE=${CI_EXCHANGE}"
    "SERVICE_NAME=${CI_SERVICE_NAME}"
    "AUTH_MODE=jwt"
    "AUTH_JWT_SECRET=${secret}"
    "LOG_LEVEL=warn"
  )
  ADMIN_TOKEN="$(env "${settings[@]}" "target/debug/${service}" token --sub "ci-${name}" --roles admin)"
  CUSTOMER_TOKEN="$(env "${settings[@]}" "target/debug/${service}" token --sub ci-customer --roles customer)"
  export ADMIN_TOKEN CUSTOMER_TOKEN
  ci_log "starting ${service} on ${SERVICE_URL} (database ${CI_DB_NAME}, exchange ${CI_EXCHANGE})"
  env "${settings[@]}" "target/debug/${service}" serve >"$SERVICE_LOG" 2>&1 &
  CI_SERVICE_PID=$!
  trap ci_stop_service EXIT
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "${SERVICE_URL}/health"; then
      return 0
    fi
    if ! kill -0 "$CI_SERVICE_PID" 2>/dev/null; then
      cat "$SERVICE_LOG" >&2
      echo "${service} exited before answering /health" >&2
      return 1
    fi
    sleep 0.5
  done
  cat "$SERVICE_LOG" >&2
  echo "${service} did not answer /health" >&2
  return 1
}

ci_stop_service() {
  local status=$?
  # The subscribers it runs (their queues go with the exchange), asked before it stops.
  local subscribers=""
  if [ -n "${SERVICE_URL:-}" ]; then
    subscribers="$(curl -fsS "${SERVICE_URL}/health" 2>/dev/null |
      python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin).get("subscribers", {})))' \
      2>/dev/null || true)"
  fi
  if [ -n "${CI_SERVICE_PID:-}" ]; then
    kill -TERM "$CI_SERVICE_PID" 2>/dev/null || true
    wait "$CI_SERVICE_PID" 2>/dev/null || true
    CI_SERVICE_PID=""
  fi
  if [ -n "${CI_DB_NAME:-}" ]; then
    psql "$CI_PG_URL" -q -c "DROP DATABASE IF EXISTS \"${CI_DB_NAME}\" WITH (FORCE)" || true
  fi
  if [ -n "${CI_EXCHANGE:-}" ]; then
    "$CI_VENV/bin/python" - "$CI_AMQP_URL" "$CI_EXCHANGE" "${CI_SERVICE_NAME:-}" $subscribers <<'PY' || true
import sys
import pika

url, exchange, service, subscribers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()
for subscriber in subscribers if service else []:
    for queue in (f"{service}.{subscriber}", f"{service}.{subscriber}.dlq"):
        channel.queue_delete(queue=queue)
channel.exchange_delete(exchange=exchange)
channel.exchange_delete(exchange=f"{exchange}.dlx")
connection.close()
PY
  fi
  return "$status"
}
