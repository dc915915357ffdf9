#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft): start | stop | status | install.
# Jars come from Maven Central via deploy/kafka/pom.xml; data and logs under var/kafka.
# TANGGAP_KAFKA_SECURITY=scram: SASL/SCRAM-SHA-512 clients and ACLs; the admin's and the services'
# passwords are made here at format time, into var/kafka/credentials/ (never committed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
var=${TANGGAP_VAR:-$root/var}/kafka
port=${TANGGAP_KAFKA_PORT:-9092}
cport=${TANGGAP_KAFKA_CONTROLLER_PORT:-9093}
lib=$here/kafka/lib
pidfile=$var/kafka.pid
security=${TANGGAP_KAFKA_SECURITY:-none}
creds=$var/credentials
# The principals that exist from the first start; must match services/runtime/acl_plan.py.
scram_users="admin svc-intake svc-router svc-sla svc-notifier svc-audit svc-console svc-adapter"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

install() {
  if [ ! -f "$lib/.complete" ] || [ "$here/kafka/pom.xml" -nt "$lib/.complete" ]; then
    echo "kafka: resolving broker jars from Maven Central"
    rm -rf "$lib"
    mvn -q -B -Dstyle.color=never -f "$here/kafka/pom.xml" dependency:copy-dependencies
    touch "$lib/.complete"
  fi
}

start() {
  if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then echo "kafka: using $KAFKA_BOOTSTRAP_SERVERS"; return; fi
  if running; then echo "kafka: already running (pid $(cat "$pidfile"))"; return; fi
  # Another checkout's broker (or anything else) on our ports: say who, and how to stop it.
  for p in "$port" "$cport"; do "${PYTHON:-python3}" "$here/port_owner.py" "$p" kafka || exit 1; done
  install
  mkdir -p "$var/data" "$var/logs"
  template=$here/kafka/server.properties.in scram=()
  case $security in
    none) ;;
    scram)
      template=$here/kafka/server.scram.properties.in
      mkdir -p "$creds"; chmod 700 "$creds"
      for user in $scram_users; do
        # ASCII only: aiokafka sends the password without SASLprep.
        [ -s "$creds/$user.password" ] || (umask 077; head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$creds/$user.password")
        scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(cat "$creds/$user.password")]")
      done ;;
    *) echo "kafka: TANGGAP_KAFKA_SECURITY must be none or scram, not $security" >&2; exit 2 ;;
  esac
  if [ -f "$var/data/meta.properties" ] && [ "$(cat "$var/security" 2>/dev/null || echo none)" != "$security" ]; then
    echo "kafka: $var was formatted with security=$(cat "$var/security" 2>/dev/null || echo none); use another TANGGAP_VAR or remove it" >&2; exit 1
  fi
  (umask 077; sed -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$cport#g" -e "s#@DATA_DIR@#$var/data#g" \
    -e "s#@ADMIN_PASSWORD@#$(cat "$creds/admin.password" 2>/dev/null || true)#g" \
    "$template" > "$var/server.properties")
  if [ ! -f "$var/data/meta.properties" ]; then
    cid=$(java -cp "$lib/*" kafka.tools.StorageTool random-uuid)
    java -cp "$lib/*" -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" \
      -Dkafka.logs.dir="$var/logs" kafka.tools.StorageTool format \
      -t "$cid" -c "$var/server.properties" --standalone "${scram[@]}" >/dev/null
    echo "$security" > "$var/security"
  fi
  nohup java -Xmx1g -Xms256m -XX:+UseG1GC -cp "$lib/*" \
    -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" -Dkafka.logs.dir="$var/logs" \
    kafka.Kafka "$var/server.properties" > "$var/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if answers; then echo "kafka: up on 127.0.0.1:$port (pid $(cat "$pidfile"), security=$security)"; return; fi
    running || { echo "kafka: failed to start, see $var/logs" >&2; tail -n 20 "$var/logs/server.log" >&2 || true; exit 1; }
    sleep 0.5
  done
  echo "kafka: did not answer on port $port within 60 s" >&2; exit 1
}

stop() {
  if ! running; then echo "kafka: not running"; rm -f "$pidfile"; return; fi
  pid=$(cat "$pidfile"); kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "kafka: stopped"; return; }; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true; rm -f "$pidfile"; echo "kafka: killed"
}

status() {
  if running && answers; then echo "kafka: running on 127.0.0.1:$port (pid $(cat "$pidfile"))"
  else echo "kafka: not running"; return 3; fi
}

case "${1:-}" in
  start) start ;; stop) stop ;; status) status ;; install) install ;;
  *) echo "usage: $0 start|stop|status|install" >&2; exit 2 ;;
esac
