#!/usr/bin/env bash
# Regenerate deploy/k8s/schemas/strimzi-$STRIMZI/ from Maven Central's io.strimzi:api with
# Strimzi's CRD generator (needs Java 21+: TANGGAP_JAVA21 or a Temurin 21+ in /usr/lib/jvm).
# Jars are cached in var/strimzi/. Not part of `make setup`: the schemas are committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
STRIMZI=${STRIMZI:-0.51.0}
GENERATOR=${STRIMZI_CRD_GENERATOR:-1.2.0}
cache=$root/var/strimzi
java=${TANGGAP_JAVA21:-$(ls -d /usr/lib/jvm/temurin-2[1-9]*/bin/java /usr/lib/jvm/*-2[1-9]-*/bin/java 2>/dev/null | head -1)}
[ -x "$java" ] || { echo "strimzi-schemas: no Java 21+ found; set TANGGAP_JAVA21=/path/to/java" >&2; exit 1; }
mkdir -p "$cache/crds-$STRIMZI"
for artifact in "io.strimzi:api:$STRIMZI" "io.strimzi:crd-generator:$GENERATOR"; do
  jar=$cache/$(echo "$artifact" | cut -d: -f2)-$(echo "$artifact" | cut -d: -f3).jar
  [ -s "$jar" ] || mvn -q dependency:copy -Dartifact="$artifact" -DoutputDirectory="$cache"
done
api=$cache/api-$STRIMZI.jar gen=$cache/crd-generator-$GENERATOR.jar crds=$cache/crds-$STRIMZI
"$java" -cp "$api:$gen" io.strimzi.crdgenerator.CrdGenerator --crd-api-version v1 \
  --api-versions v1,v1beta2 --storage-version v1 --yaml \
  io.strimzi.api.kafka.model.kafka.Kafka="$crds/kafka.yaml" \
  io.strimzi.api.kafka.model.nodepool.KafkaNodePool="$crds/kafkanodepool.yaml" \
  io.strimzi.api.kafka.model.topic.KafkaTopic="$crds/kafkatopic.yaml" \
  io.strimzi.api.kafka.model.user.KafkaUser="$crds/kafkauser.yaml"
cd "$root" && "$root/.venv/bin/python" -m deploy.k8s.crd_schemas "$crds" \
  "$here/schemas/strimzi-$STRIMZI" "$STRIMZI" "$api" "$gen"
echo "strimzi-schemas: wrote deploy/k8s/schemas/strimzi-$STRIMZI/ ($("$java" -version 2>&1 | head -1))"
