#!/usr/bin/env bash
# A generated service works as generated: `platform-cli new service ci-probe` writes
# crates/ci-probe-contracts and crates/ci-probe-service, which must be rustfmt- and
# clippy-clean, pass their tests, and run next to the order service, each binary on a
# database, exchange and port of its own: the generated create, rename and get go over
# HTTP, its subscriber logs the created event it receives back from RabbitMQ, and the
# order service still answers. On exit everything is removed again: processes (by
# PID), databases, exchanges and queues, the generated crates and their Cargo.lock
# entries.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

NAME="ci-probe"
PASCAL="CiProbe"
ID_FIELD="ciProbeId"
# The generated config's http_port. The crates' configs take 3000 (order-service) and
# 3001 (order-notifier), 3002 is kept for the product service; the run itself listens
# on free ports.
CONFIG_PORT=3099
CRATES=("crates/${NAME}-contracts" "crates/${NAME}-service")
SUBSCRIBER="${NAME}-created"
SUFFIX="$(date +%s)_$$"
LOCK_BACKUP="target/ci-scaffold-Cargo.lock"
PROBE_LOG="target/ci-scaffold-${NAME}.log"
ORDERS_LOG="target/ci-scaffold-order-service.log"

# What this run created, for the clean-up.
GENERATED=""
PIDS=()
DATABASES=()
EXCHANGES=()
QUEUES=()
started_at=$SECONDS

cleanup() {
  local status=$?
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  local name
  for name in "${DATABASES[@]}"; do
    psql "$CI_PG_URL" -q -c "DROP DATABASE IF EXISTS \"${name}\" WITH (FORCE)" || true
  done
  if command -v rabbitmqctl >/dev/null; then
    for name in "${QUEUES[@]}"; do
      # A queue the run never got to declare is "not found": nothing to remove.
      rabbitmqctl -q delete_queue "$name" >/dev/null 2>&1 || true
    done
    if [ "${#EXCHANGES[@]}" -ne 0 ]; then
      # rabbitmqctl has no delete_exchange; the broker's own function does it (checked
      # on RabbitMQ 3.10). Exchanges that were never declared answer {error,not_found}.
      local list=""
      for name in "${EXCHANGES[@]}"; do
        list+="${list:+, }<<\"${name}\">>"
      done
      rabbitmqctl -q eval "[rabbit_exchange:delete(rabbit_misc:r(<<\"/\">>, exchange, X), false, <<\"ci\">>) || X <- [${list}]]." \
        >/dev/null || echo "warning: could not delete the exchanges ${EXCHANGES[*]}" >&2
    fi
  else
    echo "warning: no rabbitmqctl: left the queues ${QUEUES[*]} and exchanges ${EXCHANGES[*]}" >&2
  fi
  if [ -n "$GENERATED" ]; then
    rm -rf "${CRATES[@]}"
    if [ -f "$LOCK_BACKUP" ]; then
      mv "$LOCK_BACKUP" Cargo.lock
    fi
  fi
  ci_log "scaffold: $((SECONDS - started_at)) s"
  return "$status"
}
trap cleanup EXIT
# A signal ends the run through the same clean-up.
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "scaffold: $*" >&2
  exit 1
}

# POST <url> <json>: sets HTTP_STATUS and HTTP_BODY.
post() {
  local out
  out="$(curl -sS -XPOST -H 'content-type: application/json' -d "$2" -w '\n%{http_code}' "$1")"
  HTTP_STATUS="${out##*$'\n'}"
  HTTP_BODY="${out%$'\n'*}"
}

# json_field <json> <field>: the field's value (a string as it is, others as JSON).
json_field() {
  python3 -c 'import json, sys
value = json.loads(sys.argv[1]).get(sys.argv[2])
print(value if isinstance(value, str) else json.dumps(value))' "$1" "$2"
}

# expect <what> <status>: fails unless the last answer had that status.
expect() {
  [ "$HTTP_STATUS" = "$2" ] || fail "$1: expected HTTP $2, got $HTTP_STATUS: $HTTP_BODY"
}

# expect_field <what> <field> <value>: fails unless the last answer's field has it.
expect_field() {
  local actual
  actual="$(json_field "$HTTP_BODY" "$2")"
  [ "$actual" = "$3" ] || fail "$1: expected $2 = $3, got $actual in $HTTP_BODY"
}

# wait_until <what> <pid> <log> <command...>: polls the command for up to 60 s while
# the process lives.
wait_until() {
  local what="$1" pid="$2" log="$3"
  shift 3
  for _ in $(seq 1 120); do
    if "$@"; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2
      fail "exited before ${what}"
    fi
    sleep 0.5
  done
  cat "$log" >&2
  fail "timed out waiting for ${what}"
}

healthy() {
  curl -fsS -o /dev/null "$1/health"
}

consuming() {
  local health
  health="$(curl -fsS "$1/health" 2>/dev/null)" || return 1
  python3 -c 'import json, sys
health = json.loads(sys.argv[1])
sys.exit(0 if health.get("subscribers", {}).get(sys.argv[2], {}).get("consuming") else 1)' \
    "$health" "$SUBSCRIBER"
}

logged_created() {
  grep -q "ci probe created" "$PROBE_LOG"
}

# stop <name> <pid>: SIGTERM, then the exit status must be 0.
stop() {
  kill -TERM "$2"
  local status=0
  wait "$2" || status=$?
  local left=() pid
  for pid in "${PIDS[@]}"; do
    [ "$pid" = "$2" ] || left+=("$pid")
  done
  PIDS=("${left[@]}")
  [ "$status" -eq 0 ] || fail "$1 exited with status $status after SIGTERM"
}

for dir in "${CRATES[@]}"; do
  [ ! -e "$dir" ] || fail "$dir exists already (left by an earlier run?); remove it first"
done

ci_log "platform-cli new service ${NAME} --port ${CONFIG_PORT}"
cp Cargo.lock "$LOCK_BACKUP"
GENERATED=1
cargo run --quiet -p platform-cli -- new service "$NAME" --port "$CONFIG_PORT"

ci_log "the generated crates: rustfmt, build, clippy, tests"
cargo fmt -p "${NAME}-contracts" -p "${NAME}-service" -- --check
cargo build --quiet -p "${NAME}-service" -p order-service
cargo clippy --quiet -p "${NAME}-service" -p "${NAME}-contracts" --all-targets -- -D warnings
cargo test --quiet -p "${NAME}-service" -p "${NAME}-contracts"

orders_db="ci_scaffold_orders_${SUFFIX}"
orders_exchange="ci.scaffold-orders.${SUFFIX}"
orders_port="$(ci_free_port)"
orders_url="http://127.0.0.1:${orders_port}"
DATABASES+=("$orders_db")
EXCHANGES+=("$orders_exchange" "${orders_exchange}.dlx")
ci_log "starting order-service on ${orders_url} (database ${orders_db}, exchange ${orders_exchange})"
# A name of its own: its subscribers' queues are {SERVICE_NAME}.{subscriber}.
orders_service="order-service-${SUFFIX}"
QUEUES+=("${orders_service}.product-prices" "${orders_service}.product-prices.dlq")
env DB_NAME="$orders_db" HTTP_HOST=127.0.0.1 HTTP_PORT="$orders_port" \
  MESSAGE_BUS_EXCHANGE="$orders_exchange" SERVICE_NAME="$orders_service" LOG_LEVEL=info \
  target/debug/order-service serve >"$ORDERS_LOG" 2>&1 &
orders_pid=$!
PIDS+=("$orders_pid")

probe_db="ci_scaffold_${NAME//-/_}_${SUFFIX}"
probe_exchange="ci.scaffold-${NAME}.${SUFFIX}"
probe_service="${NAME}-service-${SUFFIX}"
probe_port="$(ci_free_port)"
probe_url="http://127.0.0.1:${probe_port}"
DATABASES+=("$probe_db")
EXCHANGES+=("$probe_exchange" "${probe_exchange}.dlx")
QUEUES+=("${probe_service}.${SUBSCRIBER}" "${probe_service}.${SUBSCRIBER}.dlq")
ci_log "starting ${NAME}-service on ${probe_url} (database ${probe_db}, exchange ${probe_exchange})"
env DB_NAME="$probe_db" HTTP_HOST=127.0.0.1 HTTP_PORT="$probe_port" \
  MESSAGE_BUS_EXCHANGE="$probe_exchange" SERVICE_NAME="$probe_service" LOG_LEVEL=info \
  "target/debug/${NAME}-service" serve >"$PROBE_LOG" 2>&1 &
probe_pid=$!
PIDS+=("$probe_pid")

wait_until "order-service answered /health" "$orders_pid" "$ORDERS_LOG" healthy "$orders_url"
wait_until "${NAME}-service answered /health" "$probe_pid" "$PROBE_LOG" healthy "$probe_url"
wait_until "the ${SUBSCRIBER} subscriber consumed" "$probe_pid" "$PROBE_LOG" consuming "$probe_url"

modules="$(curl -fsS "$probe_url/health" | python3 -c 'import json, sys
print(",".join(m["name"] for m in json.load(sys.stdin)["modules"] if m["enabled"]))')"
[ "$modules" = "ci_probes" ] || fail "${NAME}-service hosts the modules [$modules], expected [ci_probes]"

ci_log "${NAME}-service: Create${PASCAL}, Rename${PASCAL}, Get${PASCAL}"
post "${probe_url}/api/commands/Create${PASCAL}" '{"title":"First probe","ownerId":"ci"}'
expect "Create${PASCAL}" 200
id="$(json_field "$HTTP_BODY" "$ID_FIELD")"
[ -n "$id" ] && [ "$id" != "null" ] || fail "Create${PASCAL} answered no ${ID_FIELD}: $HTTP_BODY"

post "${probe_url}/api/queries/Get${PASCAL}" "{\"${ID_FIELD}\":\"${id}\"}"
expect "Get${PASCAL}" 200
expect_field "Get${PASCAL}" id "$id"
expect_field "Get${PASCAL}" title "First probe"
expect_field "Get${PASCAL}" ownerId "ci"
expect_field "Get${PASCAL}" version 1

post "${probe_url}/api/commands/Rename${PASCAL}" "{\"${ID_FIELD}\":\"${id}\",\"title\":\"Renamed\"}"
expect "Rename${PASCAL}" 200
expect_field "Rename${PASCAL}" version 2
post "${probe_url}/api/queries/Get${PASCAL}" "{\"${ID_FIELD}\":\"${id}\"}"
expect "Get${PASCAL} after the rename" 200
expect_field "Get${PASCAL} after the rename" title "Renamed"

post "${probe_url}/api/commands/Create${PASCAL}" '{"title":" ","ownerId":"ci"}'
expect "Create${PASCAL} with a blank title" 422
expect_field "Create${PASCAL} with a blank title" code title_required
post "${probe_url}/api/queries/Get${PASCAL}" "{\"${ID_FIELD}\":\"no-such-id\"}"
expect "Get${PASCAL} of an unknown id" 404

wait_until "the subscriber logged the created event" "$probe_pid" "$PROBE_LOG" logged_created

ci_log "order-service still answers"
healthy "$orders_url" || fail "order-service stopped answering /health"
post "${orders_url}/api/commands/CreateOrder" '{"customerId":"ci"}'
expect "CreateOrder" 200
order_id="$(json_field "$HTTP_BODY" orderId)"
post "${orders_url}/api/queries/GetOrder" "{\"orderId\":\"${order_id}\"}"
expect "GetOrder" 200
expect_field "GetOrder" status draft

ci_log "stopping both (SIGTERM)"
stop "${NAME}-service" "$probe_pid"
stop "order-service" "$orders_pid"
ci_log "scaffold: the generated service built, passed its tests and ran next to the order service"
