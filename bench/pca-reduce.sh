#!/bin/sh
# pca-reduce.sh - time pca-reduce against scikit-learn's PCA (pandas
# read, fit_transform, write) and R's prcomp on the same generated
# 1,000,000 x 38 TSV, end to end, and the projection with a saved model
# at one and ten million rows to show its memory is flat.
#
# usage: bench/pca-reduce.sh [ROWS]     (default 1000000)
# Prints a table: tool, median seconds, peak MB, time relative to ours.
set -eu
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_setup pca-reduce

rows="${1:-1000000}"
input=$(bench_pca_input "$rows")

cat > "$BENCH_DIR/pca_sklearn.py" <<'PY'
import sys
import pandas as pd
from sklearn.decomposition import PCA
frame = pd.read_csv(sys.argv[1], sep="\t")
scores = PCA(n_components=2).fit_transform(frame.to_numpy())
pd.DataFrame(scores, columns=["PC1", "PC2"]).to_csv(
    sys.stdout, sep="\t", index=False, float_format="%.6g")
PY
cat > "$BENCH_DIR/pca_prcomp.R" <<'R'
args <- commandArgs(trailingOnly = TRUE)
frame <- read.delim(args[1])
fit <- prcomp(frame, rank. = 2)
write.table(signif(fit$x, 6), stdout(), sep = "\t", quote = FALSE,
    row.names = FALSE)
R

size_mb=$(du -m "$input" | cut -f 1)
echo "data: $rows rows x 38 columns, ${size_mb} MB; $(nproc) cores;" \
    "OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS; median of $BENCH_RUNS runs"
bench_time pca-reduce pca-reduce -n 2 "$input" > /dev/null
ours=$BENCH_SECONDS
ours_kb=$peak_kb
bench_time sklearn "$PYTHON" "$BENCH_DIR/pca_sklearn.py" "$input" > /dev/null
sklearn=$BENCH_SECONDS
sklearn_kb=$peak_kb
bench_time prcomp Rscript "$BENCH_DIR/pca_prcomp.R" "$input" > /dev/null
prcomp=$BENCH_SECONDS
prcomp_kb=$peak_kb

pca-reduce -n 2 --fit-only -o "$BENCH_DIR/pca.model" "$input"
bench_time project-1x pca-reduce -m "$BENCH_DIR/pca.model" "$input" \
    > /dev/null
project_1x=$BENCH_SECONDS
project_1x_kb=$peak_kb
# Ten times the rows, streamed from a pipe so no 3 GB file is needed.
# shellcheck disable=SC2016
bench_time project-10x sh -c 'f=$1; m=$2; { cat "$f";
	for i in 1 2 3 4 5 6 7 8 9; do tail -n +2 "$f"; done; } |
	pca-reduce -m "$m"' sh "$input" "$BENCH_DIR/pca.model" > /dev/null
project_10x=$BENCH_SECONDS
project_10x_kb=$peak_kb

echo
bench_table_header
bench_row "pca-reduce fit+project" "$ours" "$ours_kb" "$ours"
bench_row "sklearn PCA (pandas)" "$sklearn" "$sklearn_kb" "$ours"
bench_row "R prcomp" "$prcomp" "$prcomp_kb" "$ours"
bench_row "pca-reduce -m, ${rows} rows" "$project_1x" "$project_1x_kb" \
    "$ours"
bench_row "pca-reduce -m, 10 x ${rows} rows" "$project_10x" \
    "$project_10x_kb" "$ours"
awk -v o="$ours" -v r="$prcomp" 'BEGIN {
	printf "\ntarget: pca-reduce <= R / 4 = %.2f s: %s\n", r / 4,
	    (o <= r / 4 ? "met" : "missed") }'
