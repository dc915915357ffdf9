#!/usr/bin/env bash
# The local stack (Kafka + PostgreSQL + topics): up | down | run -- CMD...
# `up` starts only what is not already there (or not given by KAFKA_BOOTSTRAP_SERVERS /
# DATABASE_URL) and remembers it; `down` stops exactly that; `run` does up, CMD, down.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
var=${TANGGAP_VAR:-$root/var}
py=$root/.venv/bin/python
state=$var/stack.started
envfile=$var/stack.env
mkdir -p "$var"

up() {
  : > "$state.new"
  if [ -z "${DATABASE_URL:-}" ]; then
    "$py" "$here/postgres.py" status >/dev/null 2>&1 || echo postgres >> "$state.new"
    "$py" "$here/postgres.py" start
    database_url=$("$py" "$here/postgres.py" url)
  else
    database_url=$DATABASE_URL; echo "postgres: using DATABASE_URL"
  fi
  if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
    "$here/kafka.sh" status >/dev/null 2>&1 || echo kafka >> "$state.new"
    "$here/kafka.sh" start
    bootstrap=127.0.0.1:${TANGGAP_KAFKA_PORT:-9092}
  else
    bootstrap=$KAFKA_BOOTSTRAP_SERVERS; echo "kafka: using $bootstrap"
  fi
  cat "$state.new" >> "$state"; rm -f "$state.new"
  # Secured local broker (TANGGAP_KAFKA_SECURITY=scram): the CLI connects as admin, each service
  # as its own principal (deploy/run.sh); passwords stay in var/kafka/credentials.
  security_env=
  if [ "${TANGGAP_KAFKA_SECURITY:-none}" = scram ] && [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
    creds=$var/kafka/credentials
    security_env="export TANGGAP_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT
export TANGGAP_KAFKA_USERNAME=admin
export TANGGAP_KAFKA_PASSWORD_FILE=$creds/admin.password
export TANGGAP_KAFKA_CREDENTIALS_DIR=$creds"
  fi
  # A local webhook signing secret, made once per checkout and never committed (var/ is ignored).
  [ -f "$var/webhook.secret" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$var/webhook.secret"
  cat > "$envfile" <<ENV
export KAFKA_BOOTSTRAP_SERVERS=$bootstrap
export DATABASE_URL=$database_url
export TANGGAP_NOTIFIER_WEBHOOK_SECRET=\${TANGGAP_NOTIFIER_WEBHOOK_SECRET:-$(cat "$var/webhook.secret")}
$security_env
ENV
  # shellcheck disable=SC1090
  . "$envfile"
  "$root/.venv/bin/tanggap" topics create
  if [ -n "$security_env" ]; then "$root/.venv/bin/tanggap" acl apply; fi
}

down() {
  [ -f "$state" ] || return 0
  if grep -qx kafka "$state"; then "$here/kafka.sh" stop; fi
  if grep -qx postgres "$state"; then "$py" "$here/postgres.py" stop; fi
  rm -f "$state"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  run)
    shift; [ "${1:-}" = "--" ] && shift
    trap down EXIT
    up
    # shellcheck disable=SC1090
    . "$envfile"
    set +e; "$@"; code=$?; set -e
    exit $code ;;
  *) echo "usage: $0 up|down|run -- CMD..." >&2; exit 2 ;;
esac
