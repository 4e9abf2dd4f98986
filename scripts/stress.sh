#!/usr/bin/env bash
# Stress the JUnit race tests: run them again and again, each time in a JVM that believes it has
# a random number of CPUs (-XX:ActiveProcessorCount=1..4, the analogue of Go's random GOMAXPROCS:
# it changes pool sizes, spin-vs-park decisions and how the scheduler interleaves the racing
# threads) and with a random seed (-Dlatchwork.test.seed).
#
# Usage:
#   scripts/stress.sh            STRESS_ITERATIONS runs (default 5) of the race tests of every module
#   scripts/stress.sh --ci       the short CI version: 2 runs of the core race tests only
# Environment:
#   STRESS_ITERATIONS  number of runs (default 5; --ci: 2)
#   STRESS_MODULES     Maven modules whose tests run (default: core,fetch-store,writer; --ci: core)
#   STRESS_TESTS       surefire -Dtest pattern (default: every test of those modules; --ci: the
#                      core race test classes)
#   STRESS_SEED        fix the seed of every run (to reproduce a failure); STRESS_CPUS fixes the
#                      CPU count likewise
#
# Seeds: each run passes -Dlatchwork.test.seed=<seed> to the test JVM (through surefire's argLine).
# The randomized tests of core, fetch-store and writer draw their random input (sizes, positions,
# ranges, orders, which way a waiter waits, which thread is interrupted) from
# dev.latchwork.core.testing.TestSeed, which reads that property, so STRESS_SEED replays a run's
# inputs exactly; a failing test's stack trace names the seed. What cannot be replayed is the
# timing: the interleaving of the racing threads (and Races.jitter(), deliberately unseeded) varies
# with the scheduler, so a race that failed once may need several runs with the same seed and CPU
# count to fail again. Either way a failure stops the script, prints the seed, the CPU count and the
# exact command to rerun, and keeps the surefire reports of that run. Without the script:
#   mvn -pl core test -Dtest=BroadcastLatchTest -DargLine=-Dlatchwork.test.seed=<seed>
set -euo pipefail
cd "$(dirname "$0")/.."

ci=false
if [[ "${1:-}" == "--ci" ]]; then
  ci=true
  shift
fi
if (( $# > 0 )); then
  echo "usage: $0 [--ci]" >&2
  exit 2
fi

if $ci; then
  iterations="${STRESS_ITERATIONS:-2}"
  modules="${STRESS_MODULES:-core}"
  tests="${STRESS_TESTS:-BroadcastLatchTest,ProgressNotifierTest,PositionalWriterTest,TracerInFlightTest}"
else
  iterations="${STRESS_ITERATIONS:-5}"
  modules="${STRESS_MODULES:-core,fetch-store,writer}"
  tests="${STRESS_TESTS:-}"
fi

reports=target/stress
rm -rf "$reports"
mkdir -p "$reports"
random_seed() { echo $(( (RANDOM << 30) | (RANDOM << 15) | RANDOM )); }  # 45 random bits, positive

started=$(date +%s)
for (( i = 1; i <= iterations; i++ )); do
  cpus="${STRESS_CPUS:-$(( 1 + RANDOM % 4 ))}"
  seed="${STRESS_SEED:-$(random_seed)}"
  args=(-B -q -pl "$modules" -am "-DargLine=-XX:ActiveProcessorCount=$cpus -Dlatchwork.test.seed=$seed"
        -Dsurefire.failIfNoSpecifiedTests=false -DtrimStackTrace=false)
  if [[ -n "$tests" ]]; then
    args+=("-Dtest=$tests")
  fi
  printf 'stress run %d/%d: ActiveProcessorCount=%d seed=%s tests=%s\n' "$i" "$iterations" "$cpus" "$seed" "${tests:-all}"
  t0=$(date +%s)
  if ! mvn "${args[@]}" test > "$reports/run-$i.log" 2>&1; then
    mkdir -p "$reports/run-$i-surefire"
    for m in ${modules//,/ }; do
      cp -r "$m/target/surefire-reports" "$reports/run-$i-surefire/$m" 2>/dev/null || true
    done
    echo "stress: run $i FAILED (ActiveProcessorCount=$cpus seed=$seed); log: $reports/run-$i.log," \
         "surefire reports: $reports/run-$i-surefire" >&2
    grep -E 'Tests run:|FAIL|ERROR' "$reports/run-$i.log" | head -40 >&2 || true
    echo "reproduce: STRESS_ITERATIONS=1 STRESS_CPUS=$cpus STRESS_SEED=$seed STRESS_MODULES=$modules" \
         "${tests:+STRESS_TESTS=$tests }$0" >&2
    exit 1
  fi
  echo "  passed in $(( $(date +%s) - t0 )) s"
done
echo "stress: $iterations runs passed in $(( $(date +%s) - started )) s"
