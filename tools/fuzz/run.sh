#!/usr/bin/env bash
# Builds the fuzz targets (tools/fuzz/CMakeLists.txt, clang + libFuzzer + ASan/UBSan, in
# build-fuzz/) and runs each in turn, one at a time, then prints per target the executions,
# exec/s, corpus size and findings (crash / leak / timeout / oom / slow-unit files).
#
#   tools/fuzz/run.sh [SECONDS] [TARGET...]    each target for SECONDS (default 60)
#   tools/fuzz/run.sh --runs N [TARGET...]     each target for N executions
#   tools/fuzz/run.sh --runs N SECONDS [...]   each for N executions or SECONDS, whichever first
#   tools/fuzz/run.sh --ci [TARGET...]         CI: each for CI_SECONDS (default 5) on the committed
#                                              corpus and regression inputs, corpus left as it is
#   tools/fuzz/run.sh --merge [TARGET...]      minimise tools/fuzz/corpus/<target> together with
#                                              what fuzzing found (build-fuzz/work/<target>)
#
# Inputs: tools/fuzz/corpus/<target>/ (committed seeds, tools/fuzz/make_corpus.py) and
# tests/fixtures/fuzz/<target>/ (the inputs of past findings, also run by the GoogleTest suites).
# New inputs go to build-fuzz/work/<target>/, findings to build-fuzz/findings/<run>/<target>/.
# Limits (issue 20): 2 GB RSS, 1 GB per allocation, 1 s per input (3 s in CI). Exit status 1 when any target
# found something. BUILD_DIR (default build-fuzz), JOBS (default 1), CXX (default clang++-14),
# FUZZ_TIMEOUT (seconds per input outside CI, default 1).
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=time
seconds=
runs=
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) mode=ci; seconds=${CI_SECONDS:-5}; shift ;;
    --merge) mode=merge; shift ;;
    --runs) runs=${2:?"--runs needs a count"}; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    ''|*[!0-9]*) break ;;
    *) seconds=$1; shift ;;
  esac
done
[ -n "$seconds$runs" ] || seconds=60

BUILD_DIR=${BUILD_DIR:-build-fuzz}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  nice -n 10 cmake -S tools/fuzz -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_CXX_COMPILER="${CXX:-clang++-14}" >/dev/null
fi
nice -n 10 cmake --build "$BUILD_DIR" -j "${JOBS:-1}" | grep -v '^\[' || true
[ -x "$BUILD_DIR/fuzz_npy" ] || { echo "tools/fuzz/run.sh: the build failed" >&2; exit 2; }

mapfile -t all_targets <"$BUILD_DIR/fuzz_targets.txt"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")

# Symbolised stack traces in the reports (llvm-14's symbolizer when no plain llvm-symbolizer).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null && [ -x /usr/bin/llvm-symbolizer-14 ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
fi
# CI allows 3 s per input (CI_TIMEOUT): a legitimate 150-Mpixel decode takes about 1 s under the
# sanitizers, and CI machines are busy; a real hang still fails.
timeout=${FUZZ_TIMEOUT:-1}
[ "$mode" = ci ] && timeout=${CI_TIMEOUT:-3}
limits=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout="$timeout")
stamp=$(date +%Y%m%d-%H%M%S)
status=0
rows=()
for t in "${targets[@]}"; do
  program="$BUILD_DIR/fuzz_$t"
  [ -x "$program" ] || { echo "tools/fuzz/run.sh: no target '$t' (targets: ${all_targets[*]})" >&2; exit 2; }
  seeds=("tools/fuzz/corpus/$t")
  [ -d "tests/fixtures/fuzz/$t" ] && seeds+=("tests/fixtures/fuzz/$t")
  dict=()
  [ -f "tools/fuzz/dict/$t.dict" ] && dict=("-dict=tools/fuzz/dict/$t.dict")

  if [ "$mode" = merge ]; then
    merged=$(mktemp -d)
    found=()
    [ -d "$BUILD_DIR/work/$t" ] && found=("$BUILD_DIR/work/$t")
    nice -n 10 "$program" -merge=1 "${limits[@]}" "$merged" "${seeds[0]}" "${found[@]}" >"$BUILD_DIR/merge_$t.log" 2>&1
    rm -f "${seeds[0]}"/*
    cp "$merged"/* "${seeds[0]}/"
    rm -rf "$merged"
    echo "$t: $(ls "${seeds[0]}" | wc -l) files, $(du -sh "${seeds[0]}" | cut -f1)"
    continue
  fi

  if [ "$mode" = ci ]; then
    work=$(mktemp -d)
  else
    work="$BUILD_DIR/work/$t"
    mkdir -p "$work"
  fi
  findings="$BUILD_DIR/findings/$stamp/$t"
  mkdir -p "$findings"
  budget=()
  [ -n "$seconds" ] && budget+=("-max_total_time=$seconds")
  [ -n "$runs" ] && budget+=("-runs=$runs")
  log="$findings/fuzz.log"
  start=$(date +%s)
  rc=0
  nice -n 10 "$program" "${limits[@]}" "${budget[@]}" "${dict[@]}" -print_final_stats=1 \
    -artifact_prefix="$findings/" "$work" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  elapsed=$(( $(date +%s) - start ))
  [ "$mode" = ci ] && rm -rf "$work"

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  per_sec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)
  artifacts=$(find "$findings" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \
    -o -name 'slow-unit-*' \) | wc -l)
  verdict=clean
  if [ "$artifacts" -gt 0 ] || [ "$rc" -ne 0 ]; then
    verdict="FOUND $artifacts (rc $rc; $findings)"
    status=1
  else
    rm -rf "$findings"
  fi
  rows+=("$(printf '%-14s %12s %8s %12s %6ss  %s' "$t" "${execs:-?}" "${per_sec:-?}" "${corpus:-?}" "$elapsed" "$verdict")")
  echo "${rows[-1]}"
done

if [ "$mode" != merge ]; then
  echo
  printf '%-14s %12s %8s %12s %7s  %s\n' target executions exec/s corpus time findings
  printf '%s\n' "${rows[@]}"
fi
exit $status
