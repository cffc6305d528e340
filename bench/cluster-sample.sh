#!/bin/sh
# cluster-sample.sh - time cluster-sample against scikit-learn's
# pairwise_distances_argmin with a pandas per-cluster sample, end to end
# on the same TSV file: read, assign every row to its nearest centroid,
# draw the per-cluster sample, write it.
#
# usage: bench/cluster-sample.sh
# Settings from the environment: ROWS (1000000), COLS (38), K (8),
# PER_CLUSTER (1000), RUNS (3, the median is reported).  The data are
# Gaussian blobs made by awk from a fixed seed, of cluster sizes that
# differ a hundredfold; the model comes from kmeans-train on the same
# file.  Prints one line per tool: median seconds, peak resident memory
# and time relative to cluster-sample --per-cluster.
set -eu

sh "$(dirname "$0")/../scripts/install-deps.sh" base bench
root=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$root" bin/kmeans-train bin/cluster-sample

rows=${ROWS:-1000000}
cols=${COLS:-38}
k=${K:-8}
per_cluster=${PER_CLUSTER:-1000}
runs=${RUNS:-3}
python=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/cluster-sample-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Blob c gets a share of rows proportional to 100^(-c / (K - 1)).
awk -v rows="$rows" -v cols="$cols" -v k="$k" 'BEGIN {
	srand(43)
	for (c = 0; c < k; c++) {
		share[c] = 100 ^ (-c / (k - 1))
		total += share[c]
		for (j = 0; j < cols; j++)
			centre[c, j] = (rand() - 0.5) * 40
	}
	printf "id"
	for (j = 0; j < cols; j++)
		printf "\tm%d", j + 1
	print ""
	for (i = 0; i < rows; i++) {
		r = rand() * total
		for (c = 0; c < k - 1 && r >= share[c]; c++)
			r -= share[c]
		printf "row%d", i + 1
		for (j = 0; j < cols; j++) {
			z = sqrt(-2 * log(1 - rand())) * cos(6.283185307 * rand())
			printf "\t%.4f", centre[c, j] + z
		}
		print ""
	}
}' > "$work/data.tsv"
"$root/bin/kmeans-train" -k "$k" --restarts 2 --keep id \
    -o "$work/model" "$work/data.tsv"
awk -F '\t' '$1 == "cluster" { sub(/^cluster\t[^\t]*\t[^\t]*\t/, "")
	print }' "$work/model" > "$work/centroids.tsv"

cat > "$work/sklearn_sample.py" <<'EOF'
import sys
import numpy as np
import pandas as pd
from sklearn.metrics import pairwise_distances_argmin

data, centroids, per_cluster, out = sys.argv[1:]
frame = pd.read_csv(data, sep='\t')
centres = np.loadtxt(centroids, delimiter='\t')
features = frame.columns[1:]
frame['cluster'] = pairwise_distances_argmin(frame[features].to_numpy(),
                                             centres) + 1
n = int(per_cluster)
sample = frame.groupby('cluster', group_keys=False).apply(
    lambda g: g.sample(n=min(n, len(g)), random_state=1)).sort_index()
sample.to_csv(out, sep='\t', index=False)
EOF

# measure NAME COMMAND...: run COMMAND $runs times; record the median
# seconds and the largest peak RSS (MB) in $work/NAME.time.
measure() {
	name=$1
	shift
	: > "$work/$name.runs"
	run=0
	while [ "$run" -lt "$runs" ]; do
		/usr/bin/time -f '%e %M' -o "$work/$name.one" "$@" \
		    > "$work/$name.out"
		cat "$work/$name.one" >> "$work/$name.runs"
		run=$((run + 1))
	done
	sort -n "$work/$name.runs" | awk '{ s[NR] = $1
		if ($2 > rss) rss = $2 }
		END { printf "%s %.0f\n", s[int((NR + 1) / 2)], rss / 1024 }' \
	    > "$work/$name.time"
}

measure per-cluster "$root/bin/cluster-sample" -m "$work/model" \
    --per-cluster "$per_cluster" -s 1 "$work/data.tsv"
measure exact "$root/bin/cluster-sample" -m "$work/model" \
    --exact "$per_cluster" -s 1 "$work/data.tsv"
measure sklearn "$python" "$work/sklearn_sample.py" "$work/data.tsv" \
    "$work/centroids.tsv" "$per_cluster" /dev/stdout

size=$(du -m "$work/data.tsv" | cut -f 1)
echo "data: $rows rows x $cols columns ($size MB), k=$k," \
    "$per_cluster per cluster, median of $runs runs," \
    "OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}, $(nproc) cores"
ours=$(cut -d ' ' -f 1 "$work/per-cluster.time")
printf '%-28s %9s %12s %8s\n' tool seconds peak_rss_mb ratio
for name in per-cluster exact sklearn; do
	read -r seconds rss < "$work/$name.time"
	case $name in
	per-cluster) label="cluster-sample --per-cluster" ;;
	exact) label="cluster-sample --exact" ;;
	sklearn) label="sklearn argmin+pandas" ;;
	esac
	printf '%-28s %9s %12s %8s\n' "$label" "$seconds" "$rss" \
	    "$(awk -v a="$seconds" -v b="$ours" \
	    'BEGIN { printf "%.2f", a / b }')"
done
