#!/bin/sh
# vote-labels.sh - time vote-labels against a pandas groupby script and
# an awk script doing the same job (one vote per annotator and item,
# majority label, ties left out) on the same generated votes, end to end.
#
# usage: bench/vote-labels.sh [VOTES]     (default 1000000)
# The votes: VOTES / 10 items, 10 votes each from 400 annotators, Slack
# reaction names, with about 2% of the rows an annotator's repeated
# vote.  The three outputs are compared, so a fast wrong answer shows.
# Prints a table: tool, median seconds, peak MB, time relative to ours.
set -eu
sh "$(dirname "$0")/../scripts/install-deps.sh" base bench
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
make -C "$PROJECT_DIR" -s bin/vote-labels

votes="${1:-1000000}"
input="$BENCH_DIR/votes-${votes}.tsv"
if [ ! -s "$input" ]; then
	echo "bench: generating $input" >&2
	awk -v votes="$votes" 'BEGIN {
		srand(42)
		print "item\tannotator\tvote"
		split("+1 thumbsup -1 thumbsdown", names, " ")
		for (n = 0; n < votes; n++) {
			item = int(n / 10)
			if (n % 10 == 0)
				abnormal_share = rand() < 0.2 ? 0.8 : 0.1
			annotator = int(rand() * 400)
			side = rand() < abnormal_share ? 3 : 1
			printf "vm-%07d\tU%04d\t%s\n", item, annotator,
			    names[side + int(rand() * 2)]
			if (rand() < 0.02)
				printf "vm-%07d\tU%04d\t%s\n", item, annotator,
				    names[side]
		}
	}' >"$input"
fi

cat >"$BENCH_DIR/votes_pandas.py" <<'PY'
import sys
import pandas as pd
SIDE = {"+1": 0, "thumbsup": 0, "-1": 1, "thumbsdown": 1}
votes = pd.read_csv(sys.argv[1], sep="\t", dtype=str)
votes["abnormal"] = votes["vote"].map(SIDE)
if votes["abnormal"].isna().any():
    sys.exit("unknown vote")
pairs = votes.groupby(["item", "annotator"], sort=False)["abnormal"]
pairs = pairs.agg(["min", "max"]).reset_index()
pairs = pairs[pairs["min"] == pairs["max"]]
items = pairs.groupby("item", sort=False)["min"].agg(["size", "sum"])
items = items[2 * items["sum"] != items["size"]]
out = pd.DataFrame({
    "item": items.index,
    "label": (2 * items["sum"] > items["size"]).map(
        {True: "abnormal", False: "normal"}).to_numpy(),
    "votes": items["size"].to_numpy(),
    "normal": (items["size"] - items["sum"]).to_numpy(),
    "abnormal": items["sum"].to_numpy(),
})
out["agreement"] = out[["normal", "abnormal"]].max(axis=1) / out["votes"]
out.to_csv(sys.stdout, sep="\t", index=False, float_format="%.6g")
PY

cat >"$BENCH_DIR/votes.awk" <<'AWK'
BEGIN { FS = OFS = "\t"; side["+1"] = side["thumbsup"] = 0
	side["-1"] = side["thumbsdown"] = 1 }
NR == 1 { next }
{
	if (!($3 in side)) { print "unknown vote" > "/dev/stderr"; exit 1 }
	if (!($1 in seen)) { seen[$1] = 1; order[++n_items] = $1 }
	key = $1 SUBSEP $2
	if (!(key in vote)) { vote[key] = side[$3]; voters[$1] = voters[$1] " " $2 }
	else if (vote[key] != side[$3]) conflict[key] = 1
}
END {
	print "item", "label", "votes", "normal", "abnormal", "agreement"
	for (i = 1; i <= n_items; i++) {
		item = order[i]; total = abnormal = 0
		count = split(voters[item], who, " ")
		for (j = 1; j <= count; j++) {
			key = item SUBSEP who[j]
			if (key in conflict) continue
			total++; abnormal += vote[key]
		}
		if (total == 0 || 2 * abnormal == total) continue
		label = 2 * abnormal > total ? "abnormal" : "normal"
		agree = 2 * abnormal > total ? abnormal : total - abnormal
		printf "%s\t%s\t%d\t%d\t%d\t%.6g\n", item, label, total,
		    total - abnormal, abnormal, agree / total
	}
}
AWK

size_mb=$(du -m "$input" | cut -f 1)
echo "data: $votes votes ($(($(wc -l <"$input") - 1)) rows with repeats)," \
    "${size_mb} MB; $(nproc) cores; median of $BENCH_RUNS runs"
# shellcheck disable=SC2016
bench_time vote-labels sh -c 'vote-labels "$1" 2>/dev/null' sh "$input" \
    >/dev/null
ours=$BENCH_SECONDS
ours_kb=$peak_kb
bench_time pandas "$PYTHON" "$BENCH_DIR/votes_pandas.py" "$input" >/dev/null
pandas=$BENCH_SECONDS
pandas_kb=$peak_kb
bench_time awk gawk -f "$BENCH_DIR/votes.awk" "$input" >/dev/null
gawk_seconds=$BENCH_SECONDS
gawk_kb=$peak_kb

for other in pandas awk; do
	cmp -s "$BENCH_DIR/vote-labels.out" "$BENCH_DIR/$other.out" ||
		echo "bench: $other's labels differ from vote-labels'" >&2
done

echo
bench_table_header
bench_row "vote-labels" "$ours" "$ours_kb" "$ours"
bench_row "pandas groupby" "$pandas" "$pandas_kb" "$ours"
bench_row "gawk" "$gawk_seconds" "$gawk_kb" "$ours"
awk -v o="$ours" -v p="$pandas" 'BEGIN {
	printf "\ntarget: vote-labels <= pandas / 3 = %.2f s: %s\n", p / 3,
	    (o <= p / 3 ? "met" : "missed") }'
