#!/bin/sh
# common.sh - shared helpers of the benchmark scripts: where generated
# data lives, how a command is timed, and how a result row is printed.
# Sourced by bench/*.sh; not run on its own.
#
# Each benchmark times whole commands, end to end (reading the TSV,
# computing, writing the result), since that is what a user waits for.
# A command runs BENCH_RUNS times (default 3); the median wall time and
# the largest peak resident set size are reported, measured with GNU
# time.  Generated inputs are kept in BENCH_DIR (default
# /tmp/anomaly-bench) so that repeated runs reuse them.

BENCH_DIR="${BENCH_DIR:-/tmp/anomaly-bench}"
BENCH_RUNS="${BENCH_RUNS:-3}"
PROJECT_DIR="$(cd "$(dirname "$0")/.." && pwd)"
PATH="$PROJECT_DIR/bin:$PATH"
# Debian's own Python, which has numpy, pandas, SciPy and scikit-learn.
export PYTHON=/usr/bin/python3
peak_kb=0
export PATH OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export LC_ALL=C
mkdir -p "$BENCH_DIR"

# bench_setup PROGRAM...: install what the benchmarks compare against,
# and build the programs timed.
bench_setup() {
	sh "$PROJECT_DIR/scripts/install-deps.sh" base bench
	for program in "$@"; do
		make -C "$PROJECT_DIR" -s "bin/$program"
	done
}

# bench_time LABEL COMMAND...: run COMMAND BENCH_RUNS times, print
# "LABEL<TAB>median seconds<TAB>peak KB" and remember the median in
# $BENCH_SECONDS.  The command's output goes to $BENCH_DIR/LABEL.out.
bench_time() {
	label=$1
	shift
	times_file="$BENCH_DIR/$label.times"
	: > "$times_file"
	run=0
	while [ "$run" -lt "$BENCH_RUNS" ]; do
		/usr/bin/time -f '%e %M' -o "$BENCH_DIR/$label.one" "$@" \
		    > "$BENCH_DIR/$label.out" || {
			echo "bench: $label failed" >&2
			return 1
		}
		cat "$BENCH_DIR/$label.one" >> "$times_file"
		run=$((run + 1))
	done
	BENCH_SECONDS=$(sort -n "$times_file" | awk '{ t[NR] = $1 }
	    END { print t[int((NR + 1) / 2)] }')
	peak_kb=$(sort -k2n "$times_file" | tail -n 1 | cut -d ' ' -f 2)
	printf '%s\t%s\t%s\n' "$label" "$BENCH_SECONDS" "$peak_kb"
}

# bench_table_header: the header of the rows bench_row prints.
bench_table_header() {
	printf 'tool\tseconds\tpeak_mb\tratio_to_ours\n'
}

# bench_row LABEL SECONDS PEAK_KB OUR_SECONDS: one table row.
bench_row() {
	awk -v l="$1" -v s="$2" -v k="$3" -v o="$4" 'BEGIN {
		printf "%s\t%.2f\t%.1f\t%.2f\n", l, s, k / 1024, s / o }'
}

# bench_pca_input ROWS: the name of a generated ROWS x 38 TSV of
# correlated columns m1..m38 (seeded, so every run times the same
# bytes), made the first time it is asked for.
bench_pca_input() {
	pca_input="$BENCH_DIR/pca-${1}x38.tsv"
	if [ ! -s "$pca_input" ]; then
		echo "bench: generating $pca_input" >&2
		awk -v rows="$1" 'BEGIN { srand(42)
			for (j = 1; j <= 38; j++)
				printf "m%d%s", j, (j < 38 ? "\t" : "\n")
			for (i = 0; i < rows; i++) { base = rand()
				for (j = 1; j <= 38; j++)
					printf "%.6g%s", base * j + rand() * 10,
					    (j < 38 ? "\t" : "\n") } }' \
		    > "$pca_input.tmp"
		mv "$pca_input.tmp" "$pca_input"
	fi
	printf '%s\n' "$pca_input"
}
