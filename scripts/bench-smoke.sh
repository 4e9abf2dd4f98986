#!/usr/bin/env bash
# CI smoke test of the benchmarks: runs every benchmark method once, in this JVM, with minimal
# iterations and the smallest parameters, so a benchmark that throws, hangs or no longer matches
# the library fails the build. Measures nothing. Builds nothing: it needs
# benchmarks/target/benchmarks.jar, which `mvn -B verify` (or package) produces.
#
# Fails (exit 1) when JMH exits non-zero, when its log reports a benchmark error, or when a
# benchmark listed by `-l` produced no result.
set -euo pipefail
cd "$(dirname "$0")/.."

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jar=benchmarks/target/benchmarks.jar
if [[ ! -f "$jar" ]]; then
  echo "bench-smoke: $jar is missing; build it first (mvn -B verify)" >&2
  exit 1
fi
feature=$("$java_bin" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
kinds=platform
if (( feature >= 21 )); then kinds=platform,virtual; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
status=0
"$java_bin" -Dlatchwork.bench.dir="$work/files" -jar "$jar" \
  -f 0 -wi 0 -i 1 -w 100ms -r 100ms -foe true \
  -rf json -rff "$work/smoke.json" \
  -p waiters=1 -p threadKind="$kinds" -p producerWork=200 \
  -p chunkSize=65536 -p threads=2 \
  -p workers=2 -p payloadMiB=8 -p chunkCount=16 \
  -p objectMiB=16 -p parallelism=2 -p budgetPercent=50 \
  >"$work/log" 2>&1 || status=$?
end=$(date +%s)

fail() {
  echo "bench-smoke: FAILED: $1" >&2
  grep -nE -B2 -A20 '<failure>|Exception|ERROR' "$work/log" | head -n 120 >&2 || tail -n 60 "$work/log" >&2
  exit 1
}
(( status == 0 )) || fail "JMH exited with $status"
if grep -qE '<failure>|Benchmark had encountered error|^ERROR' "$work/log"; then
  fail "JMH reported a benchmark error"
fi
"$java_bin" -jar "$jar" -l | tail -n +2 | sed 's/^ *//' | sort -u >"$work/expected"
grep -o '"benchmark" : "[^"]*"' "$work/smoke.json" | cut -d'"' -f4 | sort -u >"$work/ran"
missing=$(comm -23 "$work/expected" "$work/ran")
[[ -z "$missing" ]] || fail "no result for: $missing"
if [[ -d "$work/files" ]] && [[ -n "$(ls -A "$work/files")" ]]; then
  fail "benchmarks left files behind: $(ls -A "$work/files")"
fi
echo "bench-smoke: $(wc -l <"$work/ran") benchmarks, $(grep -c '"benchmark"' "$work/smoke.json") parameter combinations ran once, in $((end - start)) s (JDK $feature)"
