#!/usr/bin/env bash
# Reproducible-build check: builds the three libraries (core, fetch-store, writer) twice, each time
# from a fresh copy of this tree in a different directory (no target/ carried over), and fails if
# any published jar (the jar, -sources.jar, -javadoc.jar, and core's -tests.jar) of the two
# builds differs by one byte.
# Same JDK and Maven both times; tests are skipped (CI runs them elsewhere). On a difference it
# names the jar and lists the entries whose size, time or CRC differ.
#
#   scripts/reproducible-check.sh            # MVN_ARGS="-o" to build offline
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
modules=(core fetch-store writer)
work=$(mktemp -d "${TMPDIR:-/tmp}/latchwork-repro.XXXXXX")
trap 'rm -rf "$work"' EXIT

for run in a b; do
  mkdir -p "$work/$run"
  # A clean copy: every file of the tree except build output, VCS data and run results.
  tar -C "$root" --exclude=./.git --exclude='./*/target' --exclude=./target --exclude=./results \
    -cf - . | tar -C "$work/$run" -xf -
  echo "reproducible-check: build $run in $work/$run"
  (cd "$work/$run" && mvn -B -q ${MVN_ARGS:-} package -pl "$(IFS=,; echo "${modules[*]}")" -am \
    -DskipTests > "$work/$run.log" 2>&1) || { cat "$work/$run.log" >&2; exit 1; }
done

status=0
count=0
for m in "${modules[@]}"; do
  for jar in "$work/a/$m/target"/*.jar; do
    name=${jar##*/}
    other="$work/b/$m/target/$name"
    count=$((count + 1))
    if [[ ! -f $other ]]; then
      echo "reproducible-check: $m/target/$name built only once" >&2; status=1; continue
    fi
    if cmp -s "$jar" "$other"; then
      echo "  same  $(sha256sum "$jar" | cut -c1-16)  $m/target/$name"
    else
      echo "reproducible-check: $m/target/$name DIFFERS between two builds of the same tree;" \
           "entries that differ (size, date, time, CRC, name):" >&2
      if diff <(unzip -lv "$jar" | awk 'NR>3 {print $1, $5, $6, $7, $8}') \
              <(unzip -lv "$other" | awk 'NR>3 {print $1, $5, $6, $7, $8}') >&2; then
        echo "  (none: the entries are equal; the archive's own metadata differs)" >&2
      fi
      status=1
    fi
  done
done
if (( count == 0 )); then
  echo "reproducible-check: no jars were built" >&2; exit 1
fi
if (( status == 0 )); then echo "reproducible-check: all $count library jars are byte-identical"; fi
exit $status
