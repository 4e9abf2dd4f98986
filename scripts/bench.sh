#!/usr/bin/env bash
# Runs latchwork's JMH suite with the short profile (each benchmark class's @Fork/@Warmup/
# @Measurement annotations: the whole suite in under 15 minutes on 2 cores), saves JMH's JSON
# under benchmarks/results/ (timestamped, plus latest.json) and renders benchmarks/RESULTS.md with
# SVG charts under benchmarks/results/charts/.
#
#   scripts/bench.sh                  build the jar, run everything, render the page
#   scripts/bench.sh Latch Tracer     only benchmarks matching these JMH regexps
#   BENCH_SKIP_BUILD=1 scripts/bench.sh   reuse benchmarks/target/benchmarks.jar
#   BENCH_JMH_ARGS="-wi 0 -i 1" ...   extra JMH options (a development run: do not commit it)
#   scripts/bench.sh --render-only    re-render RESULTS.md from the runs behind latest.json
#   BENCH_APPEND=1 scripts/bench.sh Chunk   add these benchmarks' rows to the latest run's page
#                                     (rows of the same benchmark and parameters are replaced)
#   BENCH_LOAD_NOTE="..."             a sentence about the machine's load, printed on the page
#
# The JVM is $JAVA_HOME/bin/java if JAVA_HOME is set, else java on the PATH. On a JDK older than
# 21 the virtual-thread variants are run by a Temurin/other 21+ JDK found under /usr/lib/jvm (its
# rows are labelled with that JDK on the page), or skipped when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jar=benchmarks/target/benchmarks.jar
results=benchmarks/results
charts=$results/charts
page=benchmarks/RESULTS.md
notes=$results/notes.properties

render() {
  "$java_bin" -cp "$jar" dev.latchwork.benchmarks.report.ResultsPage \
    --out "$page" --charts "$charts" --machine "$results/latest-machine.txt" --notes "$notes" \
    "$@"
}

if [[ "${1:-}" == "--render-only" ]]; then
  mapfile -t previous <"$results/latest-inputs.txt"
  render --merged-json "$results/latest.json" "${previous[@]}"
  echo "rendered $page from ${previous[*]}"
  exit 0
fi

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -pl benchmarks -am -DskipTests package
fi
mkdir -p "$results" "$charts"

java_feature() { "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}'; }
feature=$(java_feature "$java_bin")

ts=$(date -u +%Y%m%dT%H%M%SZ)
machine="$results/$ts-machine.txt"
cpu_busy() {
  # Share of all CPUs busy over the next 5 seconds, from /proc/stat.
  local a b
  a=($(head -n 1 /proc/stat)); sleep 5; b=($(head -n 1 /proc/stat))
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo "$(( 100 * (total - idle) / total ))% of $(nproc) CPUs busy over 5 s"
}
{
  echo "date (UTC): $(date -u '+%Y-%m-%d %H:%M')"
  echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), nproc=$(nproc)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "JDK: $("$java_bin" -version 2>&1 | head -n 2 | tail -n 1)"
  echo "benchmark files: ${BENCH_DIR:-${TMPDIR:-/tmp}} ($(df -T "${BENCH_DIR:-${TMPDIR:-/tmp}}" | awk 'NR==2 {print $2}'))"
  echo "load average before the run (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "CPU use before the run (nothing of ours running): $(cpu_busy)"
  echo "benchmarks: ${*:-all}"
  echo "profile: short (annotations in each benchmark class), JMH options: -prof gc ${BENCH_JMH_ARGS:-}"
} >"$machine"

filters=("$@")
jmh=("$java_bin" ${BENCH_DIR:+-Dlatchwork.bench.dir="$BENCH_DIR"} -jar "$jar" -foe true -prof gc ${BENCH_JMH_ARGS:-})
if [[ -n "${BENCH_DIR:-}" ]]; then jmh+=(-jvmArgsAppend "-Dlatchwork.bench.dir=$BENCH_DIR"); fi

json_main="$results/$ts.json"
inputs=("$json_main")
start=$(date +%s)
# Load average every 30 s while the suite runs (our own JMH fork contributes about 1 to 3).
loadlog=$(mktemp)
( while sleep 30; do cut -d' ' -f1 /proc/loadavg; done >"$loadlog" ) &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true; rm -f "$loadlog"' EXIT
if (( feature >= 21 )); then
  "${jmh[@]}" -rf json -rff "$json_main" "${filters[@]}"
else
  "${jmh[@]}" -rf json -rff "$json_main" -p threadKind=platform "${filters[@]}"
  jdk21=$(find /usr/lib/jvm -maxdepth 1 -mindepth 1 -type d \( -name 'temurin-2*' -o -name 'java-2*' -o -name 'jdk-2*' \) 2>/dev/null | sort | tail -n 1)
  wants_latch=1
  if (( ${#filters[@]} > 0 )); then
    wants_latch=0
    for f in "${filters[@]}"; do [[ LatchOpenToWakeBenchmark =~ $f ]] && wants_latch=1; done
  fi
  if [[ -n "$jdk21" && -x "$jdk21/bin/java" && $wants_latch == 1 ]]; then
    json_vt="$results/$ts-virtual.json"
    echo "virtual-thread waiters under $jdk21" >&2
    jmh_vt=("$jdk21/bin/java" -jar "$jar" -foe true -prof gc ${BENCH_JMH_ARGS:-})
    "${jmh_vt[@]}" -rf json -rff "$json_vt" -p threadKind=virtual LatchOpenToWakeBenchmark
    inputs+=("$json_vt")
    echo "virtual-thread rows: $("$jdk21/bin/java" -version 2>&1 | head -n 2 | tail -n 1)" >>"$machine"
  else
    echo "virtual-thread rows: none (no JDK 21+ found, or filtered out)" >>"$machine"
  fi
fi
end=$(date +%s)
kill "$sampler" 2>/dev/null || true
{
  echo "1-min load average during the run, sampled every 30 s: $(sort -n "$loadlog" | awk 'NR==1 {min=$1} {max=$1; sum+=$1; n++} END {if (n) printf "min %s, mean %.2f, max %s (%d samples)", min, sum/n, max, n; else print "no samples"}')"
  echo "suite duration: $(( (end - start) / 60 )) min $(( (end - start) % 60 )) s"
  echo "load average after the run (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "CPU use after the run (nothing of ours running): $(cpu_busy)"
  if [[ -n "${BENCH_LOAD_NOTE:-}" ]]; then echo "load note: $BENCH_LOAD_NOTE"; fi
} >>"$machine"

if [[ "${BENCH_APPEND:-0}" == 1 && -f "$results/latest-inputs.txt" ]]; then
  mapfile -t previous <"$results/latest-inputs.txt"
  inputs=("${previous[@]}" "${inputs[@]}")
  { cat "$results/latest-machine.txt"; echo "--- appended run ($ts) ---"; cat "$machine"; } >"$machine.all"
  mv "$machine.all" "$results/latest-machine.txt"
else
  cp "$machine" "$results/latest-machine.txt"
fi
printf '%s\n' "${inputs[@]}" >"$results/latest-inputs.txt"
render --merged-json "$results/latest.json" "${inputs[@]}"
echo "results: $results/latest.json ($ts); page: $page"
