#!/bin/sh
# fuzz.sh - run the libFuzzer harnesses that fuzz/fuzz.mk builds.
#
# usage: fuzz.sh available
#        fuzz.sh check NAME [RUNS]
#        fuzz.sh run NAME [SECONDS]
#
#   available  succeed if clang can build a libFuzzer program here;
#              otherwise print why not and fail
#   check      run harness NAME once over each file of its seed corpus
#              (fuzz/corpus/NAME) and its regression inputs
#              (fuzz/regressions/NAME), then fuzz it from that corpus
#              for RUNS inputs (default 2000) with a fixed seed, so the
#              check is repeatable; new inputs go to a scratch directory
#   run        fuzz harness NAME for SECONDS (default 600), growing the
#              working corpus build/fuzz/corpus/NAME (seeded from
#              fuzz/corpus/NAME); crashing inputs land in
#              build/fuzz/crashes/NAME/, to be fixed and then copied
#              into fuzz/regressions/NAME/
#
# Messages of the code under test are discarded (-close_fd_mask=2);
# sanitizer and harness reports still reach standard error.  Leak
# detection stays on: the harnesses free what an aborted run allocated.
# Run from the project directory, after `make fuzz-build`.
set -eu

harness_dir=build/fuzz/bin
# The harnesses' own sanitizer settings, whatever the caller's (make
# test-sanitize sets options meant for the programs).
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mode=${1:-}
name=${2:-}

usage() {
	echo "usage: fuzz.sh available | check NAME [RUNS] |" \
	    "run NAME [SECONDS]" >&2
	exit 2
}

# The files of the directories given, one per line (none if absent).
files_of() {
	for directory in "$@"; do
		[ -d "$directory" ] || continue
		find "$directory" -type f | LC_ALL=C sort
	done
}

available() {
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	if ! command -v clang >/dev/null 2>&1; then
		echo "fuzz.sh: clang is not installed" \
		    "(sh scripts/install-deps.sh fuzz)" >&2
		exit 1
	fi
	printf '%s\n' '#include <stddef.h>' \
	    'int LLVMFuzzerTestOneInput(const char *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >"$scratch/probe.c"
	if ! clang -fsanitize=fuzzer,address -o "$scratch/probe" \
	    "$scratch/probe.c" >/dev/null 2>&1; then
		echo "fuzz.sh: clang has no libFuzzer runtime" \
		    "(Debian: libclang-rt-14-dev)" >&2
		exit 1
	fi
}

check() {
	runs=${1:-2000}
	harness=$harness_dir/fuzz_$name
	[ -x "$harness" ] || { echo "fuzz.sh: no $harness" >&2; exit 1; }
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	files_of "fuzz/corpus/$name" "fuzz/regressions/$name" \
	    >"$scratch/inputs"
	if [ ! -s "$scratch/inputs" ]; then
		echo "fuzz.sh: $name has no seed corpus" >&2
		exit 1
	fi
	# Replay every input once; a crash names the input that caused it.
	# shellcheck disable=SC2046
	(cd "$scratch" && "$OLDPWD/$harness" -close_fd_mask=2 \
	    $(sed "s|^|$OLDPWD/|" inputs)) >"$scratch/replay.log" 2>&1 || {
		grep -v '^INFO\|^Executed' "$scratch/replay.log" | tail -40 >&2
		echo "fuzz.sh: $name failed on its corpus or regressions" >&2
		exit 1
	}
	mkdir "$scratch/new"
	(cd "$scratch" && "$OLDPWD/$harness" -close_fd_mask=2 -seed=1 \
	    -runs="$runs" -artifact_prefix="$scratch/" new \
	    "$OLDPWD/fuzz/corpus/$name") >"$scratch/fuzz.log" 2>&1 || {
		tail -40 "$scratch/fuzz.log" >&2
		for crash in "$scratch"/crash-* "$scratch"/leak-* \
		    "$scratch"/timeout-* "$scratch"/oom-*; do
			[ -f "$crash" ] || continue
			echo "fuzz.sh: $name: input that failed:" >&2
			od -c "$crash" | head -20 >&2
		done
		exit 1
	}
	grep '^Done\|^#[0-9]*[[:space:]]*DONE' "$scratch/fuzz.log" || true
}

run() {
	seconds=${1:-600}
	harness=$harness_dir/fuzz_$name
	[ -x "$harness" ] || { echo "fuzz.sh: no $harness" >&2; exit 1; }
	corpus=build/fuzz/corpus/$name
	crashes=build/fuzz/crashes/$name
	mkdir -p "$corpus" "$crashes"
	echo "fuzz.sh: fuzzing $name for $seconds s" \
	    "(log: build/fuzz/$name.log)" >&2
	status=0
	"$harness" -close_fd_mask=2 -max_total_time="$seconds" \
	    -print_final_stats=1 -artifact_prefix="$crashes/" \
	    "$corpus" "fuzz/corpus/$name" >"build/fuzz/$name.log" 2>&1 ||
	    status=$?
	grep '^#[0-9]*[[:space:]]*DONE\|^stat::' "build/fuzz/$name.log" >&2 \
	    || true
	if [ "$status" -ne 0 ]; then
		tail -30 "build/fuzz/$name.log" >&2
		echo "fuzz.sh: $name found a failure; inputs in $crashes/" >&2
		exit 1
	fi
}

case $mode in
available) available ;;
check) [ -n "$name" ] || usage; check "${3:-}" ;;
run) [ -n "$name" ] || usage; run "${3:-}" ;;
*) usage ;;
esac
