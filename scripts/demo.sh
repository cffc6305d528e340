#!/bin/sh
# demo.sh - the monthly batch over the built-in simulated fleet: what
# `make demo` runs after building the programs.
#
# usage: demo.sh [FOLDER]
#
# Writes the fleet with fleet-simulate into FOLDER/fleet (default
# FOLDER: demo-output in the project) unless it is already there, runs
# scripts/month.sh on every month in order into FOLDER/batch, and ends
# by printing where the last month's report is.  The fleet plants a new
# workload in its sixth month (the batch retrains the clusters), a
# performance regression in its eighth to tenth (flagged, nothing
# retrained), and two biased annotators (flagged every month).  The
# programs come from BIN_DIR (default: the project's bin/).
set -eu

script_dir=$(cd "$(dirname "$0")" && pwd)
project_dir=$(dirname "$script_dir")
BIN_DIR=${BIN_DIR:-$project_dir/bin}
export BIN_DIR
folder=${1:-$project_dir/demo-output}
fleet_seed=7

die() {
	echo "demo.sh: $*" >&2
	exit 1
}

[ -x "$BIN_DIR/fleet-simulate" ] ||
	die "$BIN_DIR/fleet-simulate is missing; run make first"
mkdir -p "$folder" || die "$folder: cannot make the folder"
if [ ! -d "$folder/fleet" ]; then
	echo "demo.sh: simulating the fleet into $folder/fleet" >&2
	"$BIN_DIR/fleet-simulate" -s "$fleet_seed" -o "$folder/fleet"
fi

last=""
for month_dir in "$folder"/fleet/*/; do
	month_dir=${month_dir%/}
	[ -f "$month_dir/metrics.tsv" ] || continue
	last=${month_dir##*/}
	sh "$script_dir/month.sh" "$folder/fleet" "$last" "$folder/batch"
done
[ -n "$last" ] || die "$folder/fleet holds no month"

echo
echo "Decisions, month by month:"
awk -F '\t' 'FNR > 1 && ($5 == "retrain" || $5 == "flag" ||
	$5 == "flagged") { printf "  %s  %-15s %s\n", $1, $2, $5 }' \
    "$folder"/batch/*/decisions.tsv
echo
echo "The report of the last month: $folder/batch/$last/report.md"
echo "Every month's report: $folder/batch/*/report.md"
