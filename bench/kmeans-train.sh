#!/bin/sh
# kmeans-train.sh - time kmeans-train against scikit-learn's KMeans, end
# to end on the same TSV file: read, fit with k-means++ restarts, write
# the centroids.
#
# usage: bench/kmeans-train.sh
# Settings from the environment: ROWS (1000000), COLS (38), K (8),
# RESTARTS (10), RUNS (3, the median is reported), SEED (1).  The data
# are Gaussian blobs around K random centres, made by awk from a fixed
# seed, so every run of the benchmark times the same file.  Prints one
# line per tool: median seconds, peak resident memory, time relative to
# kmeans-train, and the inertia reached.
set -eu

sh "$(dirname "$0")/../scripts/install-deps.sh" base bench
root=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$root" bin/kmeans-train

rows=${ROWS:-1000000}
cols=${COLS:-38}
k=${K:-8}
restarts=${RESTARTS:-10}
runs=${RUNS:-3}
seed=${SEED:-1}
python=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/kmeans-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Gaussian blobs: K centres uniform in [-10, 10]^COLS, noise sd 3.
awk -v rows="$rows" -v cols="$cols" -v k="$k" 'BEGIN {
	srand(42)
	for (c = 0; c < k; c++)
		for (j = 0; j < cols; j++)
			centre[c, j] = (rand() - 0.5) * 20
	for (j = 0; j < cols; j++)
		printf "%sm%d", (j ? "\t" : ""), j + 1
	print ""
	for (i = 0; i < rows; i++) {
		c = int(rand() * k)
		for (j = 0; j < cols; j++) {
			z = sqrt(-2 * log(1 - rand())) * cos(6.283185307 * rand())
			printf "%s%.4f", (j ? "\t" : ""), centre[c, j] + 3 * z
		}
		print ""
	}
}' > "$work/data.tsv"

cat > "$work/sklearn_kmeans.py" <<'EOF'
import sys
import pandas as pd
from sklearn.cluster import KMeans

data, k, restarts, seed, out, inertia_file = sys.argv[1:]
X = pd.read_csv(data, sep='\t').to_numpy()
model = KMeans(n_clusters=int(k), n_init=int(restarts),
               random_state=int(seed)).fit(X)
pd.DataFrame(model.cluster_centers_).to_csv(out, sep='\t', index=False)
with open(inertia_file, 'w') as f:
    f.write('%.10g\n' % model.inertia_)
EOF

# measure NAME COMMAND...: run COMMAND $runs times; record the median
# seconds and the largest peak RSS (MB) in $work/NAME.time.
measure() {
	name=$1
	shift
	: > "$work/$name.runs"
	run=0
	while [ "$run" -lt "$runs" ]; do
		/usr/bin/time -f '%e %M' -o "$work/$name.one" "$@"
		cat "$work/$name.one" >> "$work/$name.runs"
		run=$((run + 1))
	done
	sort -n "$work/$name.runs" | awk '{ s[NR] = $1
		if ($2 > rss) rss = $2 }
		END { printf "%s %.0f\n", s[int((NR + 1) / 2)], rss / 1024 }' \
	    > "$work/$name.time"
}

measure ours "$root/bin/kmeans-train" -k "$k" --restarts "$restarts" \
    -s "$seed" -o "$work/ours.model" "$work/data.tsv"
awk -F '\t' '$1 == "inertia" { printf "%.10g\n", $2 }' \
    "$work/ours.model" > "$work/ours.inertia"
measure sklearn "$python" "$work/sklearn_kmeans.py" "$work/data.tsv" \
    "$k" "$restarts" "$seed" "$work/sklearn.tsv" "$work/sklearn.inertia"

size=$(du -m "$work/data.tsv" | cut -f 1)
echo "data: $rows rows x $cols columns ($size MB), k=$k," \
    "$restarts restarts, median of $runs runs," \
    "OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}, $(nproc) cores"
ours=$(cut -d ' ' -f 1 "$work/ours.time")
printf '%-14s %9s %12s %8s %18s\n' tool seconds peak_rss_mb ratio inertia
for name in ours sklearn; do
	read -r seconds rss < "$work/$name.time"
	label=$name
	[ "$name" = ours ] && label=kmeans-train
	[ "$name" = sklearn ] && label=sklearn-KMeans
	printf '%-14s %9s %12s %8s %18s\n' "$label" "$seconds" "$rss" \
	    "$(awk -v a="$seconds" -v b="$ours" \
	    'BEGIN { printf "%.2f", a / b }')" "$(cat "$work/$name.inertia")"
done
