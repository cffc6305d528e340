#!/bin/sh
# pca-sharded.sh - time the PCA fit of one generated 1,000,000 x 38 TSV
# as one pca-reduce process and as shards under GNU parallel (one
# pca-reduce --partial job per shard, then pca-reduce --merge), and
# check that both give the same model.
#
# usage: bench/pca-sharded.sh [ROWS] [SHARDS]   (defaults 1000000, nproc)
#
# The shards are blocks of whole rows that parallel cuts from the file
# itself (--pipe-part), each handed to its job with the header line, so
# no shard files are written.  Reading and parsing the numbers dominate
# a fit, so on N cores the sharded fit should approach 1/N of the time;
# the merge reads only the small partials.  Prints a table: the run,
# median seconds, peak MB (of the largest single process, the parallel
# driver included), time relative to the single process, then the
# largest relative difference between the two models' numbers.
set -eu
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_setup pca-reduce

rows="${1:-1000000}"
shards="${2:-$(nproc)}"
input=$(bench_pca_input "$rows")

bytes=$(wc -c < "$input")
block=$(((bytes + shards - 1) / shards))
partials="$BENCH_DIR/pca-partials"

size_mb=$(du -m "$input" | cut -f 1)
echo "data: $rows rows x 38 columns, ${size_mb} MB; $(nproc) cores;" \
    "$shards shards; OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS;" \
    "median of $BENCH_RUNS runs"

bench_time one-process pca-reduce --standardize -n 2 --fit-only \
    -o "$BENCH_DIR/one.model" "$input" > /dev/null
one=$BENCH_SECONDS
one_kb=$peak_kb

# One job per block; each writes its partial to a file numbered by
# block, and the merge takes them in block order.
# shellcheck disable=SC2016
bench_time sharded sh -c '
	rm -rf "$4" && mkdir "$4" &&
	parallel --will-cite --halt now,fail=1 --pipe-part -a "$1" \
	    --header : --block "$2" -j "$3" \
	    "pca-reduce --partial -o $4/{#}.partial" &&
	pca-reduce --merge --standardize -n 2 -o "$5" \
	    $(ls "$4"/*.partial | sort -V)' \
    sh "$input" "$block" "$shards" "$partials" "$BENCH_DIR/sharded.model" \
    > /dev/null
sharded=$BENCH_SECONDS
sharded_kb=$peak_kb

echo
bench_table_header
bench_row "pca-reduce, one process" "$one" "$one_kb" "$one"
bench_row "pca-reduce, $shards shards" "$sharded" "$sharded_kb" "$one"

# Both models side by side: the largest relative difference of any
# number (records other than the header lines, which must be equal).
for model in one sharded; do
	[ -s "$BENCH_DIR/$model.model" ] || {
		echo "bench: no $BENCH_DIR/$model.model to compare" >&2
		exit 1
	}
done
paste "$BENCH_DIR/one.model" "$BENCH_DIR/sharded.model" | awk -F '\t' '
	{ half = NF / 2
	  for (i = 2; i <= half; i++) {
		a = $i; b = $(i + half)
		if (a == b) continue
		if (a + 0 != a || b + 0 != b) { print "differ: " $0; bad = 1 }
		d = a - b; if (d < 0) d = -d
		s = (a < 0 ? -a : a); t = (b < 0 ? -b : b); if (t > s) s = t
		if (s > 0 && d / s > worst) worst = d / s } }
	END { printf "\nlargest relative difference between the models: %.3g\n",
	    worst; exit bad }'
awk -v o="$one" -v s="$sharded" -v n="$shards" 'BEGIN {
	printf "speed-up: %.2f on %d shards (ideal %d)\n", o / s, n, n }'
