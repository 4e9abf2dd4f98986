#!/usr/bin/env bash
# Race verification for CI: runs every jcstress harness in jcstress-tests/target/jcstress.jar in a
# CI-sized mode, then gates on dev.latchwork.jcstress.ResultCheck, which fails the build when
#   - a latchwork harness observed a FORBIDDEN outcome, ended in an error, or was not run at all;
#   - a negative control (a model of a broken design) did NOT show its hang / lost signal.
#
# Usage: scripts/jcstress-ci.sh            (builds the jar first if it is missing)
# Environment:
#   JCSTRESS_TESTS  regexp of tests to run (jcstress -t; default: all latchwork harnesses)
#   JCSTRESS_MODE   extra/override jcstress flags (default: the CI mode below)
#   JAVA_HOME       the JDK to run on (default: java on PATH)
# Output: the console log, the HTML report (index.html) and the binary results end up in
#   jcstress-tests/target/jcstress-ci/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jar="$root/jcstress-tests/target/jcstress.jar"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
tests="${JCSTRESS_TESTS:-^dev\.latchwork\.}"
# CI mode: jcstress's "quick" preset (one fork per VM configuration, 5 iterations of 200 ms) with
# the VM-flag matrix cut down by -jvmArgs (jcstress still adds -XX:+/-UseBiasedLocking on JDK 17:
# 2 configurations there, 1 on JDK 25) and no split interpreter/C1/C2 compilation (-sc false).
# Together that is about a tenth of the full "quick" matrix, which takes ~40 min on 2 CPUs.
# Measured on 2 CPUs with 45 harnesses: ~6 min on JDK 17.
mode=(${JCSTRESS_MODE:--m quick -sc false -jvmArgs -Xmx256m})

if [[ ! -f "$jar" ]]; then
  mvn -B -q -pl jcstress-tests -am -DskipTests package
fi

out="$root/jcstress-tests/target/jcstress-ci"
rm -rf "$out"
mkdir -p "$out"
# Run a copy: the forked VMs load the jar by path, so a rebuild during the run must not touch it.
cp "$jar" "$out/jcstress.jar"
jar="$out/jcstress.jar"
cd "$out"   # jcstress writes jcstress-results-*.bin.gz into the working directory

start=$(date +%s)
echo "jcstress: $java -jar $jar -t '$tests' ${mode[*]} -r $out/report"
set +e
"$java" -jar "$jar" -t "$tests" "${mode[@]}" -r "$out/report" > "$out/console.log" 2>&1
status=$?
set -e
echo "jcstress finished with status $status after $(( $(date +%s) - start )) s; console log: $out/console.log"
# The console's final summary (interesting / failed / error tests) is worth having in the CI log.
sed -n '/^RUN RESULTS:/,$p' "$out/console.log" | grep -v -E '^\s*$' | head -200 || true

shopt -s nullglob
results=(jcstress-results-*.bin.gz)
if (( ${#results[@]} != 1 )); then
  echo "jcstress-ci: expected one results file in $out, found ${#results[@]}" >&2
  tail -50 "$out/console.log" >&2
  exit 1
fi
"$java" -cp "$jar" dev.latchwork.jcstress.ResultCheck "$out/${results[0]}" "$tests"
