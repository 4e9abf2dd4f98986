#!/usr/bin/env bash
# Whole-process download comparison: curl, curl + fsync, aria2c -x4 -s4 -k8M and FetchStore
# (parallelism 1, 4, 8) against a real nginx on loopback (unthrottled, and limit_rate 16m per
# connection), plus cp and cp + fsync against FetchStore over PathRangeSource for a local file
# (FetchStore's moveTo forces the file; the + fsync rows give the others that guarantee; FetchStore
# flushes while fetching, the "flush at end" rows leave the whole fsync to moveTo). Every
# run is a separate process under /usr/bin/time; tools alternate within each round; the medians
# go into benchmarks/RESULTS.md
# (section "Fetch: whole-process downloads", chart results/charts/FetchComparison.svg).
# Not run by CI.
#
# Environment (all optional):
#   SIZE_MIB=1024          size of the unthrottled object (and of the local file)
#   LIMITED_SIZE_MIB=64    size of the object served at 16 MB/s per connection (0 skips it)
#   RUNS=3                 rounds; each round runs every tool once, in rotating order
#   BENCH_DIR=/tmp         where the object, outputs and nginx's files go (same disk for all)
#   NO_INSTALL=1           never apt-get install missing tools
#   NO_PAGE=1              write benchmarks/results/fetch-comparison.md but not RESULTS.md
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

size_mib=${SIZE_MIB:-1024}
limited_mib=${LIMITED_SIZE_MIB:-64}
runs=${RUNS:-3}
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jar=benchmarks/target/benchmarks.jar

need=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx)
command -v aria2c >/dev/null || need+=(aria2)
command -v curl >/dev/null || need+=(curl)
[[ -x /usr/bin/time ]] || need+=(time)
if (( ${#need[@]} )); then
  if [[ -n "${NO_INSTALL:-}" ]]; then
    echo "bench-fetch: missing ${need[*]} (NO_INSTALL is set)" >&2
    exit 1
  fi
  sudo=""
  (( $(id -u) == 0 )) || sudo=sudo
  $sudo apt-get install -y "${need[@]}" >/dev/null || {
    $sudo apt-get update >/dev/null && $sudo apt-get install -y "${need[@]}" >/dev/null
  }
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

if [[ ! -f "$jar" ]]; then
  mvn -B -q -o package -pl benchmarks -am -DskipTests
fi

work=$(mktemp -d "${BENCH_DIR:-/tmp}/bench-fetch.XXXXXX")
cleanup() {
  if [[ -f "$work/nginx/nginx.pid" ]]; then
    kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www" "$work/nginx" "$work/out"
# nginx workers run as an unprivileged user: they must be able to read the object.
chmod 755 "$work" "$work/www"

free_port() {
  "$java_bin" -cp "$jar" dev.latchwork.benchmarks.fetch.FreePort
}
port=$(free_port)
limited_port=$(free_port)
while [[ "$limited_port" == "$port" ]]; do limited_port=$(free_port); done

cat >"$work/nginx/nginx.conf" <<EOF
daemon on;
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$port; root $work/www; }
  server { listen 127.0.0.1:$limited_port; root $work/www; limit_rate 16m; }
}
EOF
"$nginx_bin" -c "$work/nginx/nginx.conf" -p "$work/nginx"

echo "bench-fetch: writing a ${size_mib} MiB object to $work/www" >&2
head -c $((size_mib << 20)) /dev/urandom >"$work/www/object.bin"
if (( limited_mib > 0 )); then
  head -c $((limited_mib << 20)) /dev/urandom >"$work/www/limited.bin"
fi
for _ in $(seq 50); do
  curl -sfI "http://127.0.0.1:$port/object.bin" >/dev/null && break
  sleep 0.1
done

raw="$work/runs.tsv"
printf '# scenario\ttool\trun\twall_s\tuser_s\tsys_s\tmax_rss_kib\n' >"$raw"

# measure SCENARIO TOOL RUN EXPECTED OUTPUT -- COMMAND...
measure() {
  local scenario=$1 tool=$2 run=$3 expected=$4 output=$5
  shift 6
  rm -f "$output"
  sync
  /usr/bin/time -f '%e\t%U\t%S\t%M' -o "$work/time" "$@" >"$work/err" 2>&1 || {
    echo "bench-fetch: $tool failed:" >&2
    cat "$work/err" >&2
    exit 1
  }
  cmp -s "$expected" "$output" || { echo "bench-fetch: $tool produced a wrong file" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\n' "$scenario" "$tool" "$run" "$(tail -n 1 "$work/time")" >>"$raw"
  printf '  %-24s %-16s run %s: %s\n' "$scenario" "$tool" "$run" "$(tail -n 1 "$work/time")" >&2
  rm -f "$output"
}

fetch_store=("$java_bin" -cp "$jar" dev.latchwork.benchmarks.fetch.FetchToFile)

# run_round SCENARIO URL_OR_FILE EXPECTED RUN ROTATION
http_round() {
  local scenario=$1 url=$2 expected=$3 run=$4 rotate=$5
  local out="$work/out/object.bin"
  local tools=(curl curl-sync aria2 p1 p4 p4-end p8)
  local n=${#tools[@]}
  for ((k = 0; k < n; k++)); do
    case ${tools[$(((k + rotate) % n))]} in
      curl) measure "$scenario" curl "$run" "$expected" "$out" -- curl -sf -o "$out" "$url" ;;
      curl-sync) measure "$scenario" "curl + fsync" "$run" "$expected" "$out" -- \
          sh -c 'curl -sf -o "$1" "$2" && sync "$1"' sh "$out" "$url" ;;
      aria2) measure "$scenario" "aria2c -x4" "$run" "$expected" "$out" -- \
          aria2c --console-log-level=error --summary-interval=0 --download-result=hide -x4 -s4 -k8M --file-allocation=none --allow-overwrite=true \
          --auto-file-renaming=false -d "$work/out" -o object.bin "$url" ;;
      p1) measure "$scenario" "FetchStore p1" "$run" "$expected" "$out" -- "${fetch_store[@]}" "$url" "$out" 1 ;;
      p4) measure "$scenario" "FetchStore p4" "$run" "$expected" "$out" -- "${fetch_store[@]}" "$url" "$out" 4 ;;
      p4-end) measure "$scenario" "FetchStore p4, flush at end" "$run" "$expected" "$out" -- \
          "$java_bin" -Dlatchwork.bench.flushAtEnd=true -cp "$jar" \
          dev.latchwork.benchmarks.fetch.FetchToFile "$url" "$out" 4 ;;
      p8) measure "$scenario" "FetchStore p8" "$run" "$expected" "$out" -- "${fetch_store[@]}" "$url" "$out" 8 ;;
    esac
  done
}

local_round() {
  local scenario=$1 file=$2 run=$3 rotate=$4
  local out="$work/out/object.bin"
  local tools=(cp cp-sync p4 p4-end)
  local n=${#tools[@]}
  for ((k = 0; k < n; k++)); do
    case ${tools[$(((k + rotate) % n))]} in
      cp) measure "$scenario" cp "$run" "$file" "$out" -- cp "$file" "$out" ;;
      cp-sync) measure "$scenario" "cp + fsync" "$run" "$file" "$out" -- \
          sh -c 'cp "$1" "$2" && sync "$2"' sh "$file" "$out" ;;
      p4) measure "$scenario" "FetchStore p4" "$run" "$file" "$out" -- \
          "${fetch_store[@]}" "$file" "$out" 4 ;;
      p4-end) measure "$scenario" "FetchStore p4, flush at end" "$run" "$file" "$out" -- \
          "$java_bin" -Dlatchwork.bench.flushAtEnd=true -cp "$jar" \
          dev.latchwork.benchmarks.fetch.FetchToFile "$file" "$out" 4 ;;
    esac
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M')
for run in $(seq "$runs"); do
  echo "bench-fetch: round $run of $runs" >&2
  http_round "${size_mib} MiB, unthrottled" "http://127.0.0.1:$port/object.bin" \
    "$work/www/object.bin" "$run" "$run"
  if (( limited_mib > 0 )); then
    http_round "${limited_mib} MiB, 16 MB/s per connection" \
      "http://127.0.0.1:$limited_port/limited.bin" "$work/www/limited.bin" "$run" "$run"
  fi
  local_round "${size_mib} MiB, local file" "$work/www/object.bin" "$run" "$run"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

machine="$work/machine.txt"
{
  echo "date (UTC): $started, $runs rounds"
  echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), nproc=$(nproc)"
  echo "JDK: $("$java_bin" -version 2>&1 | sed -n 2p)"
  echo "tools: $(curl --version | head -n 1 | cut -d' ' -f1-2), $(aria2c --version | head -n 1), $("$nginx_bin" -v 2>&1 | cut -d' ' -f3)"
  echo "files: $(df -T "$work" | awk 'NR==2 {print $2}') ($work)"
  echo "load average (1/5/15 min) before: $load_before; after: $load_after (a shared machine: other builds may have run)"
} >"$machine"

mkdir -p benchmarks/results
cp "$raw" benchmarks/results/fetch-comparison-runs.tsv
page_args=(--page benchmarks/RESULTS.md)
[[ -n "${NO_PAGE:-}" ]] && page_args=()
"$java_bin" -cp "$jar" dev.latchwork.benchmarks.report.FetchComparison \
  --raw "$raw" --machine "$machine" --out benchmarks/results/fetch-comparison.md \
  --chart benchmarks/results/charts/FetchComparison.svg "${page_args[@]}"
cat benchmarks/results/fetch-comparison.md
