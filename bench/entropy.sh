#!/bin/sh
# entropy.sh - time entropy on a 1,000,000-row category column against
# GNU datamash (counts per category, on presorted input and with its own
# sort, then awk for -sum p ln p) and pandas value_counts with
# scipy.stats.entropy, end to end on the same generated file.
#
# usage: bench/entropy.sh [ROWS]     (default 1000000)
# Prints a table: tool, median seconds, peak MB, time relative to ours,
# and checks that every tool printed the same entropy to 6 digits.
sh "$(dirname "$0")/../scripts/install-deps.sh" base bench
set -eu
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_setup entropy

rows="${1:-1000000}"
input="$BENCH_DIR/entropy-${rows}.tsv"
sorted="$BENCH_DIR/entropy-${rows}-sorted.tsv"
if [ ! -s "$input" ]; then
	echo "bench: generating $input" >&2
	# 200 clusters of skewed sizes, in random order, and a value column.
	awk -v rows="$rows" 'BEGIN { srand(42); print "cluster\tvalue"
		for (i = 0; i < rows; i++)
			printf "cluster_%03d\t%.4f\n",
			    int(200 * rand() * rand()), rand() }' > "$input"
	{ head -n 1 "$input"; tail -n +2 "$input" | sort -t "$(printf '\t')" \
	    -k 1,1; } > "$sorted"
fi

cat > "$BENCH_DIR/entropy_pandas.py" <<'PY'
import sys
import pandas as pd
from scipy.stats import entropy
frame = pd.read_csv(sys.argv[1], sep="\t", usecols=["cluster"])
counts = frame["cluster"].value_counts()
print("n\tcategories\tentropy")
print("%d\t%d\t%.6g" % (counts.sum(), len(counts), entropy(counts)))
PY
# -sum (c/n) ln(c/n) from "category<TAB>count" lines.
cat > "$BENCH_DIR/entropy_counts.awk" <<'AWK'
{ count[NR] = $2; n += $2 }
END { for (i in count) h -= count[i] / n * log(count[i] / n)
	printf "n\tcategories\tentropy\n%d\t%d\t%.6g\n", n, NR, h }
AWK

size_mb=$(du -m "$input" | cut -f 1)
echo "data: $rows rows x 2 columns, ${size_mb} MB, 200 categories;" \
    "$(nproc) cores; median of $BENCH_RUNS runs"
bench_time entropy entropy -f cluster "$input" > /dev/null
ours=$BENCH_SECONDS
ours_kb=$peak_kb
# shellcheck disable=SC2016
bench_time datamash-presorted sh -c 'datamash --header-in -g 1 count 1 \
    < "$1" | awk -F "\t" -f "$2"' sh "$sorted" "$BENCH_DIR/entropy_counts.awk" > /dev/null
presorted=$BENCH_SECONDS
presorted_kb=$peak_kb
# shellcheck disable=SC2016
bench_time datamash-sort sh -c 'datamash --header-in -s -g 1 count 1 \
    < "$1" | awk -F "\t" -f "$2"' sh "$input" "$BENCH_DIR/entropy_counts.awk" > /dev/null
datamash_sort=$BENCH_SECONDS
datamash_sort_kb=$peak_kb
bench_time pandas "$PYTHON" "$BENCH_DIR/entropy_pandas.py" "$input" \
    > /dev/null
pandas=$BENCH_SECONDS
pandas_kb=$peak_kb

echo
bench_table_header
bench_row "entropy (unsorted input)" "$ours" "$ours_kb" "$ours"
bench_row "datamash count + awk (presorted)" "$presorted" "$presorted_kb" \
    "$ours"
bench_row "datamash -s count + awk" "$datamash_sort" "$datamash_sort_kb" \
    "$ours"
bench_row "pandas value_counts + scipy" "$pandas" "$pandas_kb" "$ours"
echo
for label in entropy datamash-presorted datamash-sort pandas; do
	printf '%s\t%s\n' "$label" "$(tail -n 1 "$BENCH_DIR/$label.out" |
	    cut -f 3)"
done
awk -v o="$ours" -v d="$presorted" 'BEGIN {
	printf "\ntarget: entropy <= datamash on presorted input = %.2f s: %s\n",
	    d, (o <= d ? "met" : "missed") }'
