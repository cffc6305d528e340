#!/bin/sh
# kl-drift.sh - time kl-drift on two generated samples of 100,000 x 2
# (bivariate normals, as PCA scores look) against Python scripts doing
# the same end to end: hist (20 bins, alpha 0.5) against
# numpy.histogramdd, and knn (k = 5) against scipy.spatial.cKDTree.
# The Python scripts read with pandas, the fastest TSV reader there.
#
# usage: bench/kl-drift.sh [ROWS]     (default 100000 per sample)
# Prints a table: tool, median seconds, peak MB, time relative to ours,
# and the divergence each printed, which must agree.
sh "$(dirname "$0")/../scripts/install-deps.sh" base bench
set -eu
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_setup kl-drift

rows="${1:-100000}"
reference="$BENCH_DIR/kl-reference-${rows}x2.tsv"
current="$BENCH_DIR/kl-current-${rows}x2.tsv"
# normal SEED SHIFT SCALE: rows of (z1 + SHIFT, 0.5 z1 + SCALE z2).
normal() {
	awk -v rows="$rows" -v seed="$1" -v shift="$2" -v scale="$3" 'BEGIN {
		srand(seed); pi = atan2(0, -1); print "PC1\tPC2"
		for (i = 0; i < rows; i++) {
			r = sqrt(-2 * log(1 - rand())); t = 2 * pi * rand()
			z1 = r * cos(t); z2 = r * sin(t)
			printf "%.17g\t%.17g\n", z1 + shift,
			    0.5 * z1 + scale * z2 } }'
}
if [ ! -s "$current" ]; then
	echo "bench: generating $reference and $current" >&2
	normal 1 0 1 > "$reference"
	normal 2 0.3 0.8 > "$current"
fi

cat > "$BENCH_DIR/kl_histogramdd.py" <<'PY'
import sys
import numpy as np
import pandas as pd
q = pd.read_csv(sys.argv[1], sep="\t").to_numpy()
p = pd.read_csv(sys.argv[2], sep="\t").to_numpy()
pooled = np.vstack([p, q])
ranges = list(zip(pooled.min(axis=0), pooled.max(axis=0)))
hp = np.histogramdd(p, bins=20, range=ranges)[0].ravel() + 0.5
hq = np.histogramdd(q, bins=20, range=ranges)[0].ravel() + 0.5
hp /= hp.sum()
hq /= hq.sum()
print("kl\n%.6g" % np.sum(hp * np.log(hp / hq)))
PY
cat > "$BENCH_DIR/kl_ckdtree.py" <<'PY'
import sys
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
k = 5
q = pd.read_csv(sys.argv[1], sep="\t").to_numpy()
p = pd.read_csv(sys.argv[2], sep="\t").to_numpy()
n, d = p.shape
m = len(q)
rho = cKDTree(p).query(p, k=k + 1)[0][:, k]
nu = cKDTree(q).query(p, k=k)[0][:, k - 1]
print("kl\n%.6g" % (d / n * np.sum(np.log(nu / rho)) + np.log(m / (n - 1))))
PY

echo "data: 2 samples of $rows rows x 2 columns; $(nproc) cores;" \
    "OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS; median of $BENCH_RUNS runs"
bench_time kl-drift-hist kl-drift --method hist --bins 20 --alpha 0.5 \
    "$reference" "$current" > /dev/null
hist=$BENCH_SECONDS
hist_kb=$peak_kb
bench_time numpy-histogramdd "$PYTHON" "$BENCH_DIR/kl_histogramdd.py" \
    "$reference" "$current" > /dev/null
numpy=$BENCH_SECONDS
numpy_kb=$peak_kb
bench_time kl-drift-knn kl-drift --method knn -k 5 "$reference" \
    "$current" > /dev/null
knn=$BENCH_SECONDS
knn_kb=$peak_kb
bench_time scipy-ckdtree "$PYTHON" "$BENCH_DIR/kl_ckdtree.py" \
    "$reference" "$current" > /dev/null
ckdtree=$BENCH_SECONDS
ckdtree_kb=$peak_kb
bench_time kl-drift-gauss kl-drift --method gauss "$reference" \
    "$current" > /dev/null
gauss=$BENCH_SECONDS
gauss_kb=$peak_kb

echo
bench_table_header
bench_row "kl-drift --method hist" "$hist" "$hist_kb" "$hist"
bench_row "numpy.histogramdd (pandas)" "$numpy" "$numpy_kb" "$hist"
bench_row "kl-drift --method knn -k 5" "$knn" "$knn_kb" "$knn"
bench_row "scipy cKDTree (pandas)" "$ckdtree" "$ckdtree_kb" "$knn"
bench_row "kl-drift --method gauss" "$gauss" "$gauss_kb" "$gauss"
echo
for label in kl-drift-hist numpy-histogramdd kl-drift-knn scipy-ckdtree; do
	printf '%s\tkl = %s\n' "$label" "$(awk -F '\t' 'NR == 1 {
	    for (i = 1; i <= NF; i++) if ($i == "kl") c = i }
	    NR == 2 { print $c }' "$BENCH_DIR/$label.out")"
done
awk -v h="$hist" -v n="$numpy" -v k="$knn" -v c="$ckdtree" 'BEGIN {
	printf "\ntarget: hist <= numpy / 4 = %.2f s: %s\n", n / 4,
	    (h <= n / 4 ? "met" : "missed")
	printf "target: knn <= cKDTree / 2 = %.2f s: %s\n", c / 2,
	    (k <= c / 2 ? "met" : "missed") }'
