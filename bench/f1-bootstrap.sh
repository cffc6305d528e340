#!/bin/sh
# f1-bootstrap.sh - time f1-bootstrap against NumPy and scikit-learn
# doing the same bootstrap of F1, end to end on the same TSV file: read
# the labels, draw B resamples of n rows with replacement, score each,
# print the mean, standard deviation and 2.5/50/97.5 percentiles.
#
# usage: bench/f1-bootstrap.sh
# Settings from the environment: ROWS (100000), RESAMPLES (1000),
# BENCH_RUNS (3, the median is reported).  The predictions are made by
# awk from a fixed seed: 15% abnormal rows, 88% of them found, 3% false
# alarms.  NumPy draws every resample as one vector of indices and
# counts outcomes with bincount; scikit-learn calls f1_score on each
# resample.  The means agree to within the bootstrap's own noise, not
# bit for bit, since each tool has its own random generator.
set -eu

sh "$(dirname "$0")/../scripts/install-deps.sh" base bench
. "$(dirname "$0")/common.sh"
bench_setup f1-bootstrap

rows=${ROWS:-100000}
resamples=${RESAMPLES:-1000}
input="$BENCH_DIR/predictions-$rows.tsv"

if [ ! -f "$input" ]; then
	awk -v rows="$rows" 'BEGIN {
		srand(11)
		print "item\ttruth\tpredicted"
		for (i = 1; i <= rows; i++) {
			abnormal = rand() < 0.15
			found = abnormal ? rand() < 0.88 : rand() < 0.03
			printf "i%d\t%s\t%s\n", i,
			    abnormal ? "abnormal" : "normal",
			    found ? "abnormal" : "normal"
		}
	}' > "$input"
fi

cat > "$BENCH_DIR/f1_numpy.py" <<'PY'
import sys
import numpy as np
import pandas as pd
table = pd.read_csv(sys.argv[1], sep="\t", usecols=["truth", "predicted"])
truth = (table["truth"] == "abnormal").to_numpy()
predicted = (table["predicted"] == "abnormal").to_numpy()
outcome = truth * 1 + predicted * 2          # 0 tn, 1 fn, 2 fp, 3 tp
n, resamples = len(outcome), int(sys.argv[2])
rng = np.random.default_rng(1)
f1 = np.empty(resamples)
for b in range(resamples):
    counts = np.bincount(outcome[rng.integers(0, n, n)], minlength=4)
    tn, fn, fp, tp = counts
    f1[b] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
p = np.percentile(f1, [2.5, 50, 97.5])
print("mean\tsd\tp2.5\tp50\tp97.5")
print("%.6g\t%.6g\t%.6g\t%.6g\t%.6g" % (f1.mean(), f1.std(ddof=1), *p))
PY

cat > "$BENCH_DIR/f1_sklearn.py" <<'PY'
import sys
import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.utils import resample
table = pd.read_csv(sys.argv[1], sep="\t", usecols=["truth", "predicted"])
truth = (table["truth"] == "abnormal").to_numpy()
predicted = (table["predicted"] == "abnormal").to_numpy()
resamples = int(sys.argv[2])
f1 = np.array([f1_score(*resample(truth, predicted, random_state=b),
                        zero_division=0) for b in range(resamples)])
p = np.percentile(f1, [2.5, 50, 97.5])
print("mean\tsd\tp2.5\tp50\tp97.5")
print("%.6g\t%.6g\t%.6g\t%.6g\t%.6g" % (f1.mean(), f1.std(ddof=1), *p))
PY

size_mb=$(du -m "$input" | cut -f 1)
echo "data: $rows rows x 3 columns, ${size_mb} MB; $resamples resamples;" \
    "$(nproc) cores; OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS;" \
    "median of $BENCH_RUNS runs"
bench_time f1-bootstrap f1-bootstrap -B "$resamples" -s 1 "$input" \
    > /dev/null
ours=$BENCH_SECONDS
ours_kb=$peak_kb
bench_time numpy "$PYTHON" "$BENCH_DIR/f1_numpy.py" "$input" \
    "$resamples" > /dev/null
numpy_seconds=$BENCH_SECONDS
numpy_kb=$peak_kb
bench_time sklearn "$PYTHON" "$BENCH_DIR/f1_sklearn.py" "$input" \
    "$resamples" > /dev/null
sklearn_seconds=$BENCH_SECONDS
sklearn_kb=$peak_kb

echo
for label in f1-bootstrap numpy sklearn; do
	printf '%s: ' "$label"
	tail -n 1 "$BENCH_DIR/$label.out" | cut -f "$([ "$label" = f1-bootstrap ] &&
	    echo 7-11 || echo 1-5)"
done
echo
bench_table_header
bench_row f1-bootstrap "$ours" "$ours_kb" "$ours"
bench_row "numpy bincount" "$numpy_seconds" "$numpy_kb" "$ours"
bench_row "scikit-learn f1_score" "$sklearn_seconds" "$sklearn_kb" "$ours"
