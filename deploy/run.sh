#!/usr/bin/env bash
# `make run`: the stack, then the services (intake, router, sla, notifier, audit, console) and a
# local agency inbox, until Ctrl-C.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
var=${TANGGAP_VAR:-$root/var}
bin=$root/.venv/bin
logs=$var/logs
mkdir -p "$logs"
pids=()

stop_all() {
  trap - INT TERM EXIT
  echo; echo "stopping services..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$here/stack.sh" down
}
trap stop_all INT TERM EXIT

# Ports held by another checkout (or anything else) are explained before anything starts.
for service_port in "intake:${TANGGAP_INTAKE_PORT:-8000}" "router:${TANGGAP_ROUTER_WEB_PORT:-8001}" \
    "sla:${TANGGAP_SLA_WEB_PORT:-8002}" "notifier:${TANGGAP_NOTIFIER_WEB_PORT:-8003}" \
    "audit:${TANGGAP_AUDIT_WEB_PORT:-8005}" "console:${TANGGAP_CONSOLE_PORT:-8004}" "inbox:8099"; do
  "$bin/python" "$here/port_owner.py" "${service_port#*:}" "${service_port%%:*}" || exit 1
done
"$here/stack.sh" up
# shellcheck disable=SC1090
. "$var/stack.env"
port=${TANGGAP_INTAKE_PORT:-8000}

# Adapter keys kept in var/ (git-ignored) and re-registered if the database was reset; real
# adapters get their own with `tanggap intake keys create`.
ensure_key() {  # channel file name
  if [ -s "$2" ]; then
    TANGGAP_IMPORT_KEY=$(cat "$2") "$bin/tanggap" intake keys create "$1" --name "$3" \
      --import-key >/dev/null 2>&1 || true
  else
    mkdir -p "$(dirname "$2")"
    "$bin/tanggap" intake keys create "$1" --name "$3" > "$2" 2>/dev/null
  fi
}
ensure_key web "$var/demo-web.key" make-run-demo
# The console enters complaints taken by phone, in person or by letter as channel call_center.
ensure_key call_center "$var/console-intake.key" console
# `tanggap demo` posts the dev corpus with keys of its own, one per channel it uses.
for channel in whatsapp instagram facebook x tiktok email web call_center media; do
  ensure_key "$channel" "$var/demo-keys/$channel.key" "demo-$channel"
done

# Demo sign-ins for the console, passwords generated into var/ once (never committed).
demo_user() {  # username role [agency]
  local file=$var/console-demo-$1.password
  [ -s "$file" ] || { head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$file"; chmod 600 "$file"; }
  TANGGAP_CONSOLE_PASSWORD=$(cat "$file") "$bin/tanggap" console users create "$1" --role "$2" \
    ${3:+--agency "$3"} --reset >/dev/null 2>&1
}
demo_user demo-operator supervisor
demo_user demo-pupr agency dinas-pupr
export TANGGAP_CONSOLE_INTAKE_KEY
TANGGAP_CONSOLE_INTAKE_KEY=$(cat "$var/console-intake.key")
export TANGGAP_CONSOLE_INTAKE_URL=${TANGGAP_CONSOLE_INTAKE_URL:-http://127.0.0.1:$port}
console_port=${TANGGAP_CONSOLE_PORT:-8004}
# The console's case page reads the timeline from the audit service's log reader with an
# operator key, made once into var/ (the key's SHA-256 goes in TANGGAP_OPERATOR_KEYS).
opkey=$var/console-operator.key
[ -s "$opkey" ] || { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$opkey"; chmod 600 "$opkey"; }
if [ -z "${TANGGAP_OPERATOR_KEYS:-}" ]; then
  TANGGAP_OPERATOR_KEYS="{\"console\": \"$(sha256sum < "$opkey" | cut -d' ' -f1)\"}"
  export TANGGAP_OPERATOR_KEYS
fi
export TANGGAP_CONSOLE_AUDIT_URL=${TANGGAP_CONSOLE_AUDIT_URL:-http://127.0.0.1:${TANGGAP_AUDIT_WEB_PORT:-8005}}
TANGGAP_CONSOLE_AUDIT_KEY=$(cat "$opkey")
export TANGGAP_CONSOLE_AUDIT_KEY
# The same operator key lets the case page read a reporter's contact from intake (each read is
# recorded there with the reason the operator gives).
TANGGAP_CONSOLE_INTAKE_OPERATOR_KEY=$(cat "$opkey")
export TANGGAP_CONSOLE_INTAKE_OPERATOR_KEY

"$bin/tanggap" inbox & pids+=($!)
for service in intake router sla notifier audit console; do
  if [ -n "${TANGGAP_KAFKA_CREDENTIALS_DIR:-}" ]; then  # secured broker: its own principal
    TANGGAP_KAFKA_USERNAME=${TANGGAP_TOPIC_PREFIX:-}svc-$service \
      TANGGAP_KAFKA_PASSWORD_FILE=$TANGGAP_KAFKA_CREDENTIALS_DIR/${TANGGAP_TOPIC_PREFIX:-}svc-$service.password \
      "$bin/tanggap" serve "$service" >> "$logs/$service.log" 2>&1 & pids+=($!)
  else
    "$bin/tanggap" serve "$service" >> "$logs/$service.log" 2>&1 & pids+=($!)
  fi
done
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null &&
    curl -sf "http://127.0.0.1:$console_port/healthz" >/dev/null && break
  sleep 0.5
done

cat <<MSG

tanggap is running (logs in var/logs/, Ctrl-C stops everything started here)
  POST a complaint:  curl -s -XPOST http://127.0.0.1:$port/v1/complaints \\
                       -H "X-API-Key: \$(cat var/demo-web.key)" -H 'content-type: application/json' \\
                       -d '{"channel":"web","channel_message_id":"demo-1","text":"Jalan rusak parah di Jl. Gajah Mada, banyak lubang"}'
  API docs:          http://127.0.0.1:$port/docs
  metrics:           http://127.0.0.1:$port/metrics  :8001/metrics (router)  :8002 (sla)  :8003 (notifier)  :8005 (audit)
  a case's timeline: .venv/bin/tanggap timeline KTP-2026-000001   (read from the log itself)
  tail an agency:    .venv/bin/tanggap tail agency.dinas-pupr.assignments
  agency webhooks:   printed below as [inbox <agency>] lines
  secured broker:    TANGGAP_KAFKA_SECURITY=scram make run; then .venv/bin/tanggap agency onboard
                     dinas-pupr (README: "Agencies on a secured broker")

  console:           http://127.0.0.1:$console_port/   (citizen status page: /lapor)
    operator:        (supervisor) demo-operator / $(cat "$var/console-demo-demo-operator.password")
    agency (PUPR):   demo-pupr / $(cat "$var/console-demo-demo-pupr.password")
  fill it:           .venv/bin/tanggap demo      (the dev corpus through intake, 2 per second)

MSG
wait -n "${pids[@]}" || true
echo "a service exited; see var/logs/" >&2
