#!/bin/sh
# batch-plots.sh - the plots of one month of the monthly batch, as PNG
# files drawn by gnuplot.
#
# usage: batch-plots.sh MONTH_OUTPUT_FOLDER
#
# Reads the files month.sh wrote in the folder and writes beside them:
#   sample-pca.png      the labelled sample (or, without votes, the
#                       labelling sample) in the first two coordinates
#                       of the cluster space, coloured by cluster, with
#                       the points labelled abnormal drawn as crosses;
#   workload-drift.png  the workload drift of every month so far, with
#                       each month's threshold and the retrained months;
#   system-drift.png    the system-performance drift of every month so
#                       far, with its threshold and the flagged months;
#   f1.png              the F1 of every bootstrap resample of the month.
# A plot whose data is absent (the drifts of the first month, F1
# without predictions) is not drawn.  gnuplot's pngcairo terminal is
# used when it has one, else png.
set -eu

die() {
	echo "batch-plots.sh: $*" >&2
	exit 1
}

[ "$#" -eq 1 ] || {
	echo "usage: batch-plots.sh MONTH_OUTPUT_FOLDER" >&2
	exit 2
}
dir=${1%/}
[ -f "$dir/history.tsv" ] || die "$dir/history.tsv: no such file"
command -v gnuplot > /dev/null || die "gnuplot is not installed"

if gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo; then
	terminal="pngcairo size 800,480 font 'sans,10'"
else
	terminal="png size 800,480"
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# --- The sample in the cluster space ------------------------------------

points="$dir/labelled.tsv"
[ -f "$points" ] || points="$dir/sample.tsv"
awk -F '\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i
		next }
	{ print $c["cluster"], $c["PC1"], ("PC2" in c ? $c["PC2"] : 0),
	    ("label" in c && $c["label"] == "abnormal") }' "$points" \
    > "$scratch/points.tsv"
if [ -s "$scratch/points.tsv" ]; then
	gnuplot <<-EOF || die "gnuplot failed on the sample plot"
	set terminal $terminal
	set output '$dir/sample-pca.png'
	set title 'Labelling sample in the cluster space (crosses: labelled abnormal)'
	set xlabel 'PC1'
	set ylabel 'PC2'
	set key off
	set grid
	plot '$scratch/points.tsv' using 2:(\$4 == 0 ? \$3 : NaN):1 \
	    with points pt 7 ps 0.8 lc variable, \
	    '' using 2:(\$4 == 1 ? \$3 : NaN):1 with points pt 2 ps 1.5 \
	    lw 2 lc variable
	EOF
fi

# --- Drift histories ----------------------------------------------------

# history_columns KIND: index, month, drift, threshold, marked (1 when
# the month was retrained or flagged) of the months with a drift.
history_columns() {
	awk -F '\t' -v OFS='\t' -v kind="$1" -v mark="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ n++ }
		$c[kind "_drift"] != "" { print n - 1, $c["month"],
		    $c[kind "_drift"], $c[kind "_threshold"],
		    $c[kind "_decision"] == mark }' "$dir/history.tsv"
}

# drift_plot KIND MARK TITLE LEGEND: the history plot of one drift.
drift_plot() {
	history_columns "$1" "$2" > "$scratch/$1.tsv"
	[ -s "$scratch/$1.tsv" ] || return 0
	gnuplot <<-EOF || die "gnuplot failed on the $1 drift plot"
	set terminal $terminal
	set output '$dir/$1-drift.png'
	set title '$3'
	set ylabel 'KL divergence (nats)'
	set logscale y
	set grid
	set key top left
	set xtics rotate by -45
	set offsets 0.5, 0.5, 0, 0
	plot '$scratch/$1.tsv' using 1:3:xtic(2) with linespoints pt 7 \
	    lc rgb '#1f77b4' title 'drift', \
	    '' using 1:4 with steps dt 2 lw 2 lc rgb '#7f7f7f' \
	    title 'threshold', \
	    '' using 1:(\$5 == 1 ? \$3 : NaN) with points pt 6 ps 3 lw 2 \
	    lc rgb '#d62728' title '$4'
	EOF
}

drift_plot workload retrain 'Workload drift by month' 'retrained'
drift_plot system flag 'System-performance drift by month' 'flagged'

# --- F1 over the bootstrap resamples ------------------------------------

if [ -f "$dir/f1-resamples.tsv" ]; then
	gnuplot <<-EOF || die "gnuplot failed on the F1 plot"
	set terminal $terminal
	set output '$dir/f1.png'
	set title 'F1 over bootstrap resamples'
	set xlabel 'F1'
	set ylabel 'resamples'
	set key off
	set grid
	set style fill solid 0.6
	width = 0.005
	bin(x) = width * floor(x / width) + width / 2
	plot '$dir/f1-resamples.tsv' using (bin(\$2)):(1) every ::1 \
	    smooth frequency with boxes lc rgb '#2ca02c'
	EOF
fi
