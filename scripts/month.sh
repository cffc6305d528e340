#!/bin/sh
# month.sh - run the monthly batch for one month.
#
# usage: month.sh [-c CONFIG] [-n SHARDS] [-S SSHLOGIN] DATA MONTH OUT
#
# DATA holds one folder per month (any names that sort in time order,
# such as 2026-10), each with metrics.tsv and, optionally, votes.tsv and
# predictions.tsv.  The month's outputs go to OUT/MONTH; the previous
# month (the folder of DATA sorted just before MONTH) must have its
# outputs in OUT already, except for the first month, which sets the
# baseline.  CONFIG (default scripts/batch.conf) is read as data by
# batch-config.sh.
#
# The steps, each a program of the toolchain:
#  1. workload drift: PCA fitted on last month's workload metrics, both
#     months projected, KL divergence; above the threshold the workload
#     clusters are retrained on this month;
#  2. labelling sample: cluster-sample, inverse to the clusters'
#     populations, and the labelling messages (a dry run without a token);
#  3. labels: vote-labels on the votes for the sampled points, and the
#     annotator report (skipped, and said, when there is no votes.tsv);
#  4. diversity: entropy of the labelled points over the clusters; a drop
#     of entropy_drop or more from last month retrains the clusters;
#  5. system-performance drift: exactly N rows per cluster of each month,
#     PCA of their performance metrics, KL; above the threshold the month
#     is flagged for engineers and nothing is retrained;
#  6. model quality: f1-bootstrap on predictions.tsv, when there is one.
# Then the history, the decisions, the plots and the report.
#
# Every seed derives from the configured seed and the month's name, and
# nothing records the time of the run, so a re-run gives the same bytes.
# The outputs are built in a temporary folder beside OUT/MONTH and moved
# into place only when every step has worked.  The programs are taken
# from BIN_DIR (default: the project's bin/) before PATH.
#
# With SHARDS above 1 (-n, or the setting shards) the steps that read a
# whole month's rows, and the votes, run as GNU parallel jobs over that
# many shards, on this machine's cores or on the hosts of SSHLOGIN (-S,
# or the setting sshlogin: a parallel --sshlogin list).  Fits merge the
# shards' partial statistics into the model of one pass; row-by-row
# steps give the rows of one pass, in order.  The labelling sample is
# the exception: each shard draws its own rows, with the probabilities
# of a single run but seeds of its own (see "Shards" below).  SHARDS 1,
# the default, runs every step as one process on whole files.
set -eu

script_dir=$(cd "$(dirname "$0")" && pwd)
PATH="${BIN_DIR:-$script_dir/../bin}:$PATH"
export PATH LC_ALL=C

usage() {
	echo "month.sh: $*" >&2
	echo "usage: month.sh [-c CONFIG] [-n SHARDS] [-S SSHLOGIN] DATA MONTH" \
	    "OUT" >&2
	exit 2
}

die() {
	echo "month.sh: $*" >&2
	exit 1
}

say() {
	echo "month.sh: $month: $*" >&2
}

config=""
shards_option="" sshlogin_option="" sshlogin_given=""
while getopts c:n:S: option; do
	case $option in
	c) config=$OPTARG ;;
	n) shards_option=$OPTARG ;;
	S) sshlogin_option=$OPTARG sshlogin_given=1 ;;
	*) usage "unknown option" ;;
	esac
done
shift $((OPTIND - 1))
[ "$#" -eq 3 ] || usage "expected DATA MONTH OUT, got $# operands"
data=${1%/}
month=${2%/}
out=${3%/}
case $month in
''|*/*) usage "MONTH is the name of a folder of DATA, got '$2'" ;;
esac

# --- Settings -----------------------------------------------------------

settings=$(sh "$script_dir/batch-config.sh" ${config:+"$config"}) ||
	die "cannot read the configuration"

# conf KEY: the value of a setting.
conf() {
	printf '%s\n' "$settings" | awk -F '\t' -v key="$1" '
		$1 == key { print substr($0, length(key) + 2); found = 1 }
		END { exit !found }' || die "no setting '$1'"
}

# conf_number KEY: a setting that must be a number.
conf_number() {
	value=$(conf "$1")
	printf '%s\n' "$value" | grep -Eq '^[0-9]+([.][0-9]*)?([eE][-+]?[0-9]+)?$' ||
		die "setting $1 = '$value' is not a number"
	printf '%s\n' "$value"
}

# --- Small helpers over TSV files ---------------------------------------

# tsv_value FILE COLUMN: the value of the named column in the first row.
tsv_value() {
	awk -F '\t' -v name="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i
			if (!c) exit 1; next }
		{ print $c; exit }' "$1" ||
		die "$1: no column '$2'"
}

# data_rows FILE: the number of rows after the header.
data_rows() {
	awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$1"
}

# attempt STEP COMMAND...: run a program, its messages kept in the
# month's log; a failure returns its status, with the messages left in
# $work/step.err.  A message gets the step's name in front unless it
# already starts with it (a program names itself, and most steps are
# named after their program).
attempt() {
	step=$1
	shift
	"$@" 2> "$work/step.err" || return
	if [ -s "$work/step.err" ]; then
		awk -v step="$step" 'index($0, step ": ") == 1 { print; next }
		    { print step ": " $0 }' "$work/step.err" >> "$work/batch.log"
	fi
}

# run STEP COMMAND...: attempt, and on failure show the messages and
# stop the month.
run() {
	attempt "$@" && return
	cat "$work/step.err" >&2
	shift
	die "$month: $step failed: $*"
}

# compare A OP B: a numeric comparison of two numbers, with awk.
compare() {
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		exit !((op == ">" && a > b) || (op == ">=" && a >= b)) }'
}

# fmt NUMBER: a number in four significant digits, for sentences.
fmt() {
	awk -v x="$1" 'BEGIN { printf "%.4g", x }'
}

# add_decision CHECK VALUE THRESHOLD DECISION REASON
add_decision() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$month" "$1" "$2" "$3" "$4" \
	    "$5" >> "$work/decisions.tsv"
}

# --- Inputs and the previous month --------------------------------------

[ -d "$data" ] || die "$data: no such data folder"
metrics="$data/$month/metrics.tsv"
if [ ! -f "$metrics" ] || [ ! -r "$metrics" ]; then
	die "$metrics: no such readable file"
fi
[ -d "$out" ] || mkdir -p "$out" || die "$out: cannot make the folder"

# Every setting is checked now, whichever month this is: the baseline
# month uses only some of them, and a mistake should not wait a month.
# whole KEY MIN: a setting that must be a whole number of at least MIN.
whole() {
	value=$(conf "$1")
	if ! printf '%s\n' "$value" | grep -Eq '^[0-9]+$' ||
	    [ "$value" -lt "$2" ]; then
		die "setting $1 = '$value': expected a whole number from $2"
	fi
}
for key in seed cluster_variance kl_alpha entropy_drop \
    workload_drift_initial workload_drift_floor system_drift_initial \
    system_drift_floor; do
	conf_number "$key" > /dev/null
done
whole clusters 2
whole kmeans_restarts 1
whole kmeans_init_rows 1
whole drift_components 1
whole kl_bins 1
whole kl_neighbours 1
whole auto_min_history 1
whole label_sample_per_cluster 1
whole system_sample_per_cluster 1
whole bootstrap_resamples 2
case $(conf kl_method) in
gauss|hist|knn) ;;
*) die "setting kl_method = '$(conf kl_method)': expected gauss, hist or knn" ;;
esac
for kind in workload system; do
	value=$(conf "${kind}_drift_threshold")
	[ "$value" = auto ] ||
		printf '%s\n' "$value" | grep -Eq '^[0-9]+([.][0-9]*)?$' ||
		die "setting ${kind}_drift_threshold = '$value':" \
		    "expected auto or a number"
done
# The column lists, against this month's metrics: pca-reduce resolves
# them as every step will (a missing column is a usage error, status 2,
# naming the header) and reads every row, so that a bad value is named
# by its line in metrics.tsv, whichever rows the steps later sample.
for key in workload_columns performance_columns; do
	status=0
	message=$(pca-reduce --partial -f "$(conf "$key")" -o /dev/null \
	    "$metrics" 2>&1) || status=$?
	case $status in
	0) ;;
	2) die "setting $key: $(printf '%s\n' "$message" | head -n 1)" ;;
	*) die "$(printf '%s\n' "$message" | head -n 1)" ;;
	esac
done

previous=$(for folder in "$data"/*/; do
	folder=${folder%/}
	[ -d "$folder" ] && printf '%s\n' "${folder##*/}"
done | sort | awk -v month="$month" '$0 == month { print last; exit }
	{ last = $0 }')
if [ -n "$previous" ]; then
	for file in history.tsv workload-pca.model cluster-pca.model \
	    kmeans.model; do
		[ -f "$out/$previous/$file" ] ||
			die "$out/$previous/$file: the previous month's state" \
			    "is missing; run month $previous first"
	done
	previous_metrics="$data/$previous/metrics.tsv"
fi

seed=$(conf_number seed)
month_seed=$(printf '%s/%s' "$seed" "$month" | cksum | awk '{ print $1 }')
item_column=$(conf item_column)
workload_columns=$(conf workload_columns)
performance_columns=$(conf performance_columns)
k=$(conf_number clusters)
shards=${shards_option:-$(conf shards)}
if ! printf '%s\n' "$shards" | grep -Eq '^[1-9][0-9]{0,3}$' ||
    [ "$shards" -gt 4096 ]; then
	die "shards = '$shards': expected a whole number from 1 to 4096"
fi
sshlogin=$(conf sshlogin)
[ -z "$sshlogin_given" ] || sshlogin=$sshlogin_option

work="$out/.$month.partial"
rm -rf "$work"
mkdir "$work"
trap 'rm -rf "$work"' EXIT
# A signal ends the month as a failure does: the partial folder goes.
trap 'rm -rf "$work"; trap - EXIT; exit 130' INT
trap 'rm -rf "$work"; trap - EXIT; exit 143' TERM
trap 'rm -rf "$work"; trap - EXIT; exit 129' HUP
: > "$work/batch.log"
printf 'month\tcheck\tvalue\tthreshold\tdecision\treason\n' \
    > "$work/decisions.tsv"

# --- Shards -------------------------------------------------------------
# With shards = 1 none of this is used.  With more, a step over a file
# of rows hands GNU parallel the file and a command line; parallel cuts
# the file's data rows into `shards` blocks of whole rows, in file order
# (--pipe-part), gives each block with the header line to one job on
# standard input, and returns the jobs' outputs in block order.  Jobs
# run on the local cores, or on the hosts of sshlogin, to which the
# model files a step reads are copied first (the hosts need the
# programs on their PATH, and rsync, as parallel --basefile does).  A
# fit's jobs write partial statistics that one merge turns into the
# model of a single pass, up to rounding; a row-by-row filter's outputs
# are joined under one header into exactly the rows of a single run.
# The labelling sample is drawn per block: a row is kept with the
# probability of a single run (cluster-sample --expected-rows is the
# month's rows), but block b draws with the seed 4096 s + b, s the
# step's seed, so the rows kept differ from a single run's, and with
# them the labels, the entropy and the annotator figures, but not the
# design of the sample.  The exact per-cluster draws of the system
# samples need every row of a cluster, so they run as one pass over the
# rows projected by the shards.

if [ "$shards" -gt 1 ]; then
	work_path=$(cd "$work" && pwd)
	map_dir="$work_path/map"
	mkdir "$map_dir"
fi

# absolute FILE: the absolute name of an existing FILE.
absolute() {
	printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd)" "$(basename "$1")"
}

# quote WORD...: the WORDs as words of a shell command line, each in
# single quotes, separated by spaces.
quote() {
	quote_separator=""
	for word in "$@"; do
		printf "%s'%s'" "$quote_separator" \
		    "$(printf '%s' "$word" | sed "s/'/'\\\\''/g")"
		quote_separator=" "
	done
}

# in_parallel MODELS OPTION...: GNU parallel with the batch's settings:
# stop at the first failed job, outputs in job order, jobs run by bash;
# with sshlogin, its hosts, to which the model files named in MODELS
# (absolute names, one a line) are copied first, under the same names,
# and removed after.
in_parallel() {
	map_models=$1
	shift
	if [ -n "$sshlogin" ]; then
		while IFS= read -r map_model; do
			[ -z "$map_model" ] || set -- --basefile "$map_model" "$@"
		done <<-EOF
		$map_models
		EOF
		set -- --sshlogin "$sshlogin" --cleanup "$@"
	fi
	PARALLEL_SHELL=bash parallel --will-cite --halt now,fail=1 \
	    --keep-order --tmpdir "$map_dir" "$@"
}

# map_blocks rows|files FILE COMMAND [MODEL...]: COMMAND, a shell
# command line that reads rows with a header on standard input, run on
# each block of FILE's rows by in_parallel; {#} in COMMAND is the
# block's number, from 1, and the MODEL files it reads are named by
# their absolute names.  With rows, the outputs of the jobs, each with a header
# line, are joined under the first job's header; with files, the names
# of the files holding the jobs' outputs are printed, in block order.
# Parallel may hand out a few empty blocks at the end, which do nothing.
map_blocks() {
	map_mode=$1 map_file=$(absolute "$2") map_command=$3
	shift 3
	[ "$(data_rows "$map_file")" -gt 0 ] ||
		die "$map_file: no data rows to cut into shards"
	map_bytes=$(($(wc -c < "$map_file") - $(head -n 1 "$map_file" |
	    wc -c)))
	map_command="set -o pipefail
		IFS= read -r header || [ -n \"\$header\" ] || exit 0
		{ printf '%s\\n' \"\$header\"; cat; } | $map_command"
	[ "$map_mode" = files ] || map_command="$map_command |
		{ [ {#} -eq 1 ] || IFS= read -r header; cat; }"
	map_models=$(printf '%s\n' "$@")
	set -- --pipe-part -a "$map_file" --header : \
	    --block $(((map_bytes + shards - 1) / shards)) "$map_command"
	[ "$map_mode" = rows ] || set -- --files "$@"
	in_parallel "$map_models" "$@"
}

# map_partials STEP LIST FILE COMMAND [MODEL...]: map_blocks of a
# COMMAND that writes partial statistics; the names of the partial
# files, one a line in block order, go to LIST.
map_partials() {
	map_step=$1 map_list=$2
	shift 2
	run "$map_step" map_blocks files "$@" > "$map_list.all"
	while IFS= read -r map_name; do
		[ ! -s "$map_name" ] || printf '%s\n' "$map_name"
	done < "$map_list.all" > "$map_list"
}

# with_list LIST COMMAND...: COMMAND with the names in the file LIST,
# one a line, as its last operands.
with_list() {
	map_list=$1
	shift
	while IFS= read -r map_name; do
		set -- "$@" "$map_name"
	done < "$map_list"
	"$@"
}

# --- Step 0: this month's workload PCA ----------------------------------
# Fitted on the standardised workload metrics, keeping cluster_variance
# of their variance: the reference of next month's drift, and the space
# of the clusters whenever they are trained on this month.

# fit_pca STEP ROWS MODEL COLUMNS OPTION VALUE: the standardised PCA of
# the COLUMNS of ROWS, keeping components by OPTION VALUE (-n or
# --variance), saved in MODEL; with shards, the partial statistics of
# the blocks merged.
fit_pca() {
	if [ "$shards" -eq 1 ]; then
		run "$1" pca-reduce --standardize -f "$4" "$5" "$6" --fit-only \
		    -o "$3" "$2"
		return
	fi
	map_partials "$1" "$map_dir/$1.list" "$2" \
	    "pca-reduce --partial -f $(quote "$4")"
	run "$1" with_list "$map_dir/$1.list" pca-reduce --merge \
	    --standardize "$5" "$6" -o "$3"
}

rows=$(data_rows "$metrics")
say "$rows rows${previous:+, previous month $previous}$(
	[ "$shards" -eq 1 ] || printf ', %s shards' "$shards")"
fit_pca workload-pca "$metrics" "$work/workload-pca.model" \
    "$workload_columns" --variance "$(conf_number cluster_variance)"

# project STEP MODEL ROWS [OPTION...]: the rows of ROWS projected with
# the PCA MODEL (pca-reduce -m MODEL OPTION...), on standard output;
# with shards, block by block, giving the same bytes.
project() {
	project_step=$1 project_model=$2 project_rows=$3
	shift 3
	if [ "$shards" -eq 1 ]; then
		run "$project_step" pca-reduce -m "$project_model" "$@" \
		    "$project_rows"
		return
	fi
	project_model=$(absolute "$project_model")
	run "$project_step" map_blocks rows "$project_rows" \
	    "pca-reduce $(quote -m "$project_model" "$@")" "$project_model"
}

# train_clusters REASON: new clusters on this month's workload.
train_clusters() {
	cp "$work/workload-pca.model" "$work/cluster-pca.model"
	if [ "$shards" -gt 1 ]; then
		train_clusters_by_shard
		clusters_trained=$1
		return
	fi
	project cluster-space "$work/cluster-pca.model" "$metrics" \
	    > "$work/cluster-space.tsv"
	run kmeans-train kmeans-train -k "$k" -f 'PC*' \
	    --restarts "$(conf_number kmeans_restarts)" -s "$month_seed" \
	    -o "$work/kmeans.model" "$work/cluster-space.tsv"
	rm -f "$work/cluster-space.tsv"
	clusters_trained=$1
}

# train_clusters_by_shard: kmeans.model from shards of the cluster
# space.  The shards project their blocks; k-means++ and the restarts
# run on every n-th row, at most kmeans_init_rows of them (all rows of
# a month that small, giving a single run's model); then Lloyd steps
# over every row, map (each shard's sums) and reduce (the next model),
# by kmeans-sharded.sh until the centroids stop moving.
train_clusters_by_shard() {
	map_partials cluster-space "$map_dir/space.list" "$metrics" \
	    "pca-reduce $(quote -m "$work_path/cluster-pca.model")" \
	    "$work_path/cluster-pca.model"
	init_rows=$(conf_number kmeans_init_rows)
	with_list "$map_dir/space.list" awk \
	    -v every=$(((rows + init_rows - 1) / init_rows)) '
		FNR == 1 { if (NR == 1) print; next }
		n++ % every == 0' > "$map_dir/init-rows.tsv"
	run kmeans-train kmeans-train -k "$k" -f 'PC*' \
	    --restarts "$(conf_number kmeans_restarts)" -s "$month_seed" \
	    -o "$map_dir/init.model" "$map_dir/init-rows.tsv"
	set -- --init "$map_dir/init.model" -o "$work/kmeans.model"
	[ -z "$sshlogin" ] || set -- "$@" --sshlogin "$sshlogin" --transfer
	run kmeans-train with_list "$map_dir/space.list" \
	    sh "$script_dir/kmeans-sharded.sh" "$@"
}

# kl_between REFERENCE CURRENT OUTPUT: kl-drift by the configured method.
kl_between() {
	method=$(conf kl_method)
	case $method in
	gauss) set -- "$@" ;;
	hist) set -- "$@" --bins "$(conf_number kl_bins)" \
	    --alpha "$(conf_number kl_alpha)" ;;
	knn) set -- "$@" -k "$(conf_number kl_neighbours)" ;;
	esac
	reference=$1 current=$2 output=$3
	shift 3
	run kl-drift kl-drift --method "$method" -f 'PC*' "$@" "$reference" \
	    "$current" > "$output"
}

# measure_drift STEP MODEL REFERENCE CURRENT OUTPUT [OPTION...]: the
# rows of both files projected with the PCA MODEL (pca-reduce -m MODEL
# OPTION...), and the KL divergence of the current projection from the
# reference one in OUTPUT.  With shards, gauss and hist merge the
# statistics of each block's projection (hist on the pooled range of
# the merged gauss statistics, the range a single run cuts); knn needs
# the whole projections, made block by block.
measure_drift() {
	drift_step=$1 drift_model=$2 drift_reference=$3 drift_current=$4
	drift_output=$5
	shift 5
	method=$(conf kl_method)
	if [ "$shards" -eq 1 ] || [ "$method" = knn ]; then
		project "$drift_step" "$drift_model" "$drift_reference" "$@" \
		    > "$work/reference.tsv"
		project "$drift_step" "$drift_model" "$drift_current" "$@" \
		    > "$work/current.tsv"
		kl_between "$work/reference.tsv" "$work/current.tsv" \
		    "$drift_output"
		rm -f "$work/reference.tsv" "$work/current.tsv"
		return
	fi
	drift_model=$(absolute "$drift_model")
	drift_projection="pca-reduce $(quote -m "$drift_model" "$@") |"
	case $method in
	gauss | hist) ;;
	*) die "setting kl_method = '$method': expected gauss, hist or knn" ;;
	esac
	drift_partials gauss "$drift_projection kl-drift --partial -f 'PC*'"
	if [ "$method" = gauss ]; then
		run kl-drift kl-drift --merge "$map_dir/reference.gauss" \
		    "$map_dir/current.gauss" > "$drift_output"
		return
	fi
	run kl-drift kl-drift --merge --partial -o "$map_dir/pooled.gauss" \
	    "$map_dir/reference.gauss" "$map_dir/current.gauss"
	drift_range=$(awk -F '\t' '$1 == "minimum" { split($0, low) }
		$1 == "maximum" { for (i = 2; i <= NF; i++)
			printf "%s%s:%s", (i > 2 ? "," : ""), low[i], $i }' \
	    "$map_dir/pooled.gauss")
	drift_partials hist "$drift_projection kl-drift --partial \
	    --method hist -f 'PC*' $(quote --bins "$(conf_number kl_bins)" \
	    --range="$drift_range")"
	run kl-drift kl-drift --merge --alpha "$(conf_number kl_alpha)" \
	    "$map_dir/reference.hist" "$map_dir/current.hist" \
	    > "$drift_output"
}

# drift_partials KIND COMMAND: COMMAND run on the blocks of the drift's
# reference and current rows, and each side's partials merged into
# reference.KIND and current.KIND in the shards' folder.
drift_partials() {
	for drift_side in reference current; do
		if [ "$drift_side" = reference ]; then
			drift_rows=$drift_reference
		else
			drift_rows=$drift_current
		fi
		map_partials "$drift_step" "$map_dir/$drift_side.list" \
		    "$drift_rows" "$2" "$drift_model"
		run kl-drift with_list "$map_dir/$drift_side.list" kl-drift \
		    --merge --partial -o "$map_dir/$drift_side.$1"
	done
}

# threshold_for KIND: "VALUE<TAB>RULE" for the workload or system drift,
# from the setting and the history of past months.
threshold_for() {
	setting=$(conf "$1_drift_threshold")
	if [ "$setting" != auto ]; then
		# Checked when the settings were read.
		printf '%s\tset in the configuration\n' "$setting"
		return
	fi
	awk -F '\t' -v kind="$1" -v initial="$(conf_number "$1_drift_initial")" \
	    -v floor="$(conf_number "$1_drift_floor")" \
	    -v needed="$(conf_number auto_min_history)" '
		NR == 1 { for (i = 1; i <= NF; i++) column[$i] = i; next }
		$column[kind "_decision"] == (kind == "workload" ? "keep" : "ok") {
			x[++n] = $column[kind "_drift"] }
		END {
			if (n < needed) {
				printf "%s\tinitial value (%d of %d past months " \
				    "needed for auto)\n", initial, n, needed
				exit
			}
			for (i = 1; i <= n; i++) sum += x[i]
			mean = sum / n
			for (i = 1; i <= n; i++) squares += (x[i] - mean) ^ 2
			sd = sqrt(squares / (n - 1))
			value = mean + 2 * sd
			rule = sprintf("auto: mean %.4g + 2 sd %.4g of %d past " \
			    "months", mean, sd, n)
			if (value < floor) {
				value = floor
				rule = rule sprintf(", raised to the floor %g", floor)
			}
			printf "%.6g\t%s\n", value, rule
		}' "$out/$previous/history.tsv"
}

# --- Step 1: workload drift ---------------------------------------------

clusters_trained=""
workload_drift="" workload_threshold="" workload_decision=baseline
if [ -z "$previous" ]; then
	train_clusters "baseline month: first clusters"
	add_decision workload_drift "" "" baseline \
	    "first month: it sets the baseline, there is no drift to measure"
else
	components=$(grep -c '^PC[0-9]' "$out/$previous/workload-pca.model")
	wanted=$(conf_number drift_components)
	[ "$components" -lt "$wanted" ] || components=$wanted
	measure_drift workload-projection \
	    "$out/$previous/workload-pca.model" "$previous_metrics" \
	    "$metrics" "$work/workload-drift.tsv" -n "$components"
	workload_drift=$(tsv_value "$work/workload-drift.tsv" kl)
	threshold_line=$(threshold_for workload)
	workload_threshold=${threshold_line%%	*}
	rule=${threshold_line#*	}
	if compare "$workload_drift" ">" "$workload_threshold"; then
		workload_decision=retrain
		reason="workload drift $(fmt "$workload_drift") is"
		reason="$reason above the threshold"
		reason="$reason $(fmt "$workload_threshold") ($rule): the"
		reason="$reason clusters are retrained on $month"
		train_clusters "workload drift above the threshold"
	else
		workload_decision=keep
		reason="workload drift $(fmt "$workload_drift") is"
		reason="$reason within the threshold"
		reason="$reason $(fmt "$workload_threshold") ($rule): the"
		reason="$reason clusters are kept"
		cp "$out/$previous/cluster-pca.model" "$out/$previous/kmeans.model" \
		    "$work/"
	fi
	add_decision workload_drift "$workload_drift" "$workload_threshold" \
	    "$workload_decision" "$reason"
	say "workload drift $(fmt "$workload_drift")," \
	    "threshold $(fmt "$workload_threshold"): $workload_decision"
fi

# --- Step 2: labelling sample -------------------------------------------

# assign_clusters METRICS: every column of METRICS, then the cluster
# space coordinates, on standard output.
assign_clusters() {
	project cluster-space "$work/cluster-pca.model" "$1" --keep 1-
}

# With shards, each block is projected and sampled by one job: the
# probabilities are a single run's, the seeds the blocks' own.
set -- --per-cluster "$(conf_number label_sample_per_cluster)" \
    --expected-rows "$rows"
if [ "$shards" -eq 1 ]; then
	assign_clusters "$metrics" > "$work/projected.tsv"
	run cluster-sample cluster-sample -m "$work/kmeans.model" "$@" \
	    -s "$((month_seed + 1))" "$work/projected.tsv" > "$work/sample.tsv"
	rm -f "$work/projected.tsv"
else
	run cluster-sample map_blocks rows "$metrics" \
	    "pca-reduce $(quote -m "$work_path/cluster-pca.model" --keep 1-) |
	    cluster-sample $(quote -m "$work_path/kmeans.model" "$@") \
	    -s \$(($(((month_seed + 1) * 4096)) + {#}))" \
	    "$work_path/cluster-pca.model" "$work_path/kmeans.model" \
	    > "$work/sample.tsv"
fi
sample_rows=$(data_rows "$work/sample.tsv")
say "$sample_rows points sampled for labelling"

# The messages, as JSON lines in messages.json; posted too when a token
# file is configured.  The receipts of posts are kept outside the month
# being built (OUT/.posted/MONTH.tsv), written as each post succeeds, so
# that a re-run, or a run after one that failed later on, posts only
# the points not posted yet; posted.tsv is their copy in the month.
token_file=$(conf slack_token_file)
set -- --channel "$(conf slack_channel)" --id "$item_column" \
    --metrics "$(conf message_metrics)"
run messages bash "$script_dir/slack-messages.sh" "$@" --dry-run \
    "$work/sample.tsv" > "$work/messages.json"
if [ -n "$token_file" ]; then
	mkdir -p "$out/.posted" || die "$out/.posted: cannot make the folder"
	run messages bash "$script_dir/slack-messages.sh" "$@" \
	    --token-file "$token_file" --api-url "$(conf slack_api_url)" \
	    --posted "$out/.posted/$month.tsv" \
	    "$work/sample.tsv" > /dev/null
	cp "$out/.posted/$month.tsv" "$work/posted.tsv"
	messages_decision=posted
	reason="$sample_rows labelling messages posted to the"
	reason="$reason channel $(conf slack_channel), each once"
	reason="$reason (receipts in posted.tsv)"
else
	messages_decision=dry-run
	reason="$sample_rows labelling messages built as a dry run"
	reason="$reason (no token file configured) and saved in"
	reason="$reason messages.json"
fi
add_decision messages "$sample_rows" "" "$messages_decision" "$reason"

# --- Step 3: labels -----------------------------------------------------

# label_items_by_shard OPTION...: labels.tsv from votes-sample.tsv by
# vote-labels OPTION... on shards cut by a hash of the item, so that
# all the votes on an item meet in one shard; the shards' labels are
# put in the order of a single run, that of each item's first vote.
label_items_by_shard() {
	item_vote_column=$(conf vote_item_column)
	run vote-labels shard-rows -n "$shards" --by "$item_vote_column" \
	    -o "$map_dir/votes" "$work/votes-sample.tsv"
	set -- "vote-labels $(quote "$@") {}" ::: "$map_dir"/votes-*.tsv
	[ -z "$sshlogin" ] || set -- --transferfile {} "$@"
	run vote-labels in_parallel "" "$@" > "$map_dir/labels.tsv"
	awk -F '\t' -v item="$item_vote_column" '
		NR == FNR && FNR == 1 { for (i = 1; i <= NF; i++)
			if ($i == item) c = i; next }
		NR == FNR { if (!($c in first)) first[$c] = ++n; next }
		FNR == 1 { header = $0; print; next }
		$0 != header { row[first[$1]] = $0 }
		END { for (i = 1; i <= n; i++) if (i in row) print row[i] }' \
	    "$work/votes-sample.tsv" "$map_dir/labels.tsv" > "$work/labels.tsv"
}

votes="$data/$month/votes.tsv"
labelled_basis=labelled
if [ -f "$votes" ]; then
	set -- --item "$(conf vote_item_column)" \
	    --annotator "$(conf vote_annotator_column)" \
	    --vote "$(conf vote_column)" --time "$(conf vote_time_column)"
	[ -z "$(conf vote_positive)" ] ||
		set -- "$@" --positive "$(conf vote_positive)"
	[ -z "$(conf vote_negative)" ] ||
		set -- "$@" --negative "$(conf vote_negative)"
	# Every vote is read once as it is, so that a bad one is named by
	# its line in votes.tsv, whether or not its point was sampled.
	if ! vote-labels "$@" "$votes" > /dev/null 2> "$work/step.err"; then
		cat "$work/step.err" >&2
		die "$month: vote-labels failed: vote-labels $* $votes"
	fi
	# Keep the votes on the points sent out for labelling.
	awk -F '\t' -v sample_item="$item_column" \
	    -v vote_item="$(conf vote_item_column)" '
		FNR == 1 { for (i = 1; i <= NF; i++) name[i] = $i }
		NR == FNR && FNR == 1 { for (i = 1; i <= NF; i++)
			if ($i == sample_item) s = i
			if (!s) exit 2; next }
		NR == FNR { wanted[$s] = 1; next }
		FNR == 1 { for (i = 1; i <= NF; i++) if ($i == vote_item) v = i
			if (!v) exit 3; print; next }
		$v in wanted' "$work/sample.tsv" "$votes" \
	    > "$work/votes-sample.tsv" ||
		die "$votes: no column '$(conf vote_item_column)'," \
		    "or the sample has no '$item_column'"
	if [ "$shards" -eq 1 ]; then
		run vote-labels vote-labels "$@" "$work/votes-sample.tsv" \
		    > "$work/labels.tsv"
	else
		label_items_by_shard "$@"
	fi
	# Each annotator's report reads their votes on every item: one run.
	run annotators vote-labels "$@" --annotators \
	    "$work/votes-sample.tsv" > "$work/annotators.tsv"
	rm -f "$work/votes-sample.tsv"
	# The labelled sample: each sampled point that got a label.
	awk -F '\t' -v OFS='\t' -v sample_item="$item_column" '
		NR == FNR && FNR == 1 { next }
		NR == FNR { if ($2 == "normal" || $2 == "abnormal")
			label[$1] = $2; next }
		FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i
			print "item", "cluster", "label", "PC1", "PC2"; next }
		$c[sample_item] in label { print $c[sample_item], $c["cluster"],
			label[$c[sample_item]], $c["PC1"],
			("PC2" in c ? $c["PC2"] : 0) }' \
	    "$work/labels.tsv" "$work/sample.tsv" > "$work/labelled.tsv"
	labelled_rows=$(data_rows "$work/labelled.tsv")
	flagged=$(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == "flag") f = i; next }
		f && $f != "" && $f != "ok" && $f != "NA" && $f != "-" {
		    printf "%s%s",
		    n++ ? ", " : "", $1 }' "$work/annotators.tsv")
	add_decision labels "$labelled_rows" "" labelled \
	    "$labelled_rows of the $sample_rows sampled points got a majority label"
	if [ -n "$flagged" ]; then
		add_decision annotators "$(printf '%s\n' "$flagged" |
		    awk -F ', ' '{ print NF }')" "" flagged \
		    "out of line with their peers: $flagged"
	else
		add_decision annotators 0 "" none \
		    "no annotator is out of line with their peers"
	fi
	say "$labelled_rows points labelled; flagged annotators: ${flagged:-none}"
else
	labelled_rows=""
	labelled_basis=sample
	reason="no votes.tsv for $month: the label steps are skipped, and the"
	reason="$reason entropy is that of the sample sent for labelling"
	add_decision labels "" "" skipped "$reason"
	say "no $votes: label steps skipped"
fi

# --- Step 4: diversity --------------------------------------------------

entropy="" entropy_decision=skipped
entropy_input="$work/labelled.tsv"
[ "$labelled_basis" = labelled ] || entropy_input="$work/sample.tsv"
if [ "$(data_rows "$entropy_input")" -gt 0 ]; then
	if [ "$shards" -eq 1 ]; then
		run entropy entropy -f cluster --categories "$k" --normalized \
		    "$entropy_input" > "$work/entropy.tsv"
	else
		map_partials entropy "$map_dir/entropy.list" "$entropy_input" \
		    "entropy --partial -f cluster"
		run entropy with_list "$map_dir/entropy.list" entropy --merge \
		    --categories "$k" --normalized > "$work/entropy.tsv"
	fi
	entropy=$(tsv_value "$work/entropy.tsv" entropy)
	previous_entropy=""
	[ -z "$previous" ] || previous_entropy=$(awk -F '\t' '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == "entropy") c = i
			next }
		{ value = $c } END { print value }' "$out/$previous/history.tsv")
	drop_limit=$(conf_number entropy_drop)
	if [ -z "$previous_entropy" ]; then
		entropy_decision=baseline
		reason="entropy $(fmt "$entropy") of the"
		reason="$reason $labelled_basis points over the clusters; no"
		reason="$reason previous month to compare with"
	elif ! awk -v a="$previous_entropy" -v b="$entropy" \
	    -v limit="$drop_limit" 'BEGIN { exit !(a - b >= limit) }'; then
		entropy_decision=keep
		reason="entropy $(fmt "$entropy") against"
		reason="$reason $(fmt "$previous_entropy") last month: no"
		reason="$reason drop of $drop_limit or more"
	elif [ -n "$clusters_trained" ]; then
		entropy_decision=keep
		reason="entropy fell from $(fmt "$previous_entropy")"
		reason="$reason to $(fmt "$entropy"), but the clusters were"
		reason="$reason already retrained this month"
	else
		entropy_decision=retrain
		reason="entropy fell from $(fmt "$previous_entropy")"
		reason="$reason to $(fmt "$entropy"), a drop of $drop_limit"
		reason="$reason or more: the clusters are retrained on"
		reason="$reason $month"
		train_clusters "entropy drop"
	fi
	add_decision entropy "$entropy" "$drop_limit" "$entropy_decision" \
	    "$reason"
	say "entropy $(fmt "$entropy"): $entropy_decision"
else
	add_decision entropy "" "" skipped \
	    "no labelled points: the entropy is not measured"
fi

if [ -z "$previous" ]; then
	clusters_decision=trained
	reason="first clusters, trained on $month"
elif [ -n "$clusters_trained" ]; then
	clusters_decision=retrained
	reason="retrained on $month: $clusters_trained"
else
	clusters_decision=kept
	reason="the clusters of $previous stay in force"
fi
add_decision clusters "$k" "" "$clusters_decision" "$reason"

# --- Step 5: system-performance drift -----------------------------------

# draw_system_samples: exactly N rows of each cluster from last month and
# this month, kept only for the clusters that have N rows in both, so that
# like is compared with like (a workload new this month has no
# counterpart last month); sets compared and left_out.  The draw of
# exactly N needs every row of a cluster, so it is one pass over the
# rows, which shards may have projected.
draw_system_samples() {
	per_cluster=$(conf_number system_sample_per_cluster)
	assign_clusters "$previous_metrics" > "$work/projected.tsv"
	run system-sample cluster-sample -m "$work/kmeans.model" \
	    --exact "$per_cluster" -s "$((month_seed + 2))" \
	    "$work/projected.tsv" > "$work/system-reference.tsv"
	assign_clusters "$metrics" > "$work/projected.tsv"
	run system-sample cluster-sample -m "$work/kmeans.model" \
	    --exact "$per_cluster" -s "$((month_seed + 3))" \
	    "$work/projected.tsv" > "$work/system-current.tsv"
	rm -f "$work/projected.tsv"
	compared=$(awk -F '\t' -v n="$per_cluster" '
		FNR == 1 { for (i = 1; i <= NF; i++) if ($i == "cluster") c = i
			next }
		NR == FNR { reference[$c]++; next }
		{ current[$c]++ }
		END { for (k in reference) if (reference[k] == n &&
			current[k] == n) print k }' \
	    "$work/system-reference.tsv" "$work/system-current.tsv" |
	    sort -n | tr '\n' ' ')
	compared=${compared% }
	for file in system-reference system-current; do
		awk -F '\t' -v list="$compared" '
			BEGIN { n = split(list, keep, " ")
				for (i = 1; i <= n; i++) wanted[keep[i]] = 1 }
			FNR == 1 { for (i = 1; i <= NF; i++)
				if ($i == "cluster") c = i; print; next }
			$c in wanted' "$work/$file.tsv" > "$work/$file.kept"
		mv "$work/$file.kept" "$work/$file.tsv"
	done
	left_out=$(awk -v k="$k" -v list=" $compared " 'BEGIN {
		for (i = 1; i <= k; i++) if (index(list, " " i " ") == 0)
			printf "%s%d", n++ ? " " : "", i }')
}

# measure_system_drift: PCA of last month's performance sample, both
# samples projected, KL; sets system_drift.
measure_system_drift() {
	fit_pca performance-pca "$work/system-reference.tsv" \
	    "$work/performance-pca.model" "$performance_columns" \
	    -n "$(conf_number drift_components)"
	measure_drift performance-projection "$work/performance-pca.model" \
	    "$work/system-reference.tsv" "$work/system-current.tsv" \
	    "$work/system-drift.tsv"
	system_drift=$(tsv_value "$work/system-drift.tsv" kl)
}

system_drift="" system_threshold="" system_decision=baseline
if [ -z "$previous" ]; then
	add_decision system_drift "" "" baseline \
	    "first month: there is no system drift to measure"
else
	draw_system_samples
	if [ -z "$compared" ]; then
		system_decision=skipped
		reason="no workload cluster has $per_cluster rows in"
		reason="$reason both months, so there is nothing to compare"
		reason="$reason like with like (a lower"
		reason="$reason system_sample_per_cluster may help)"
		add_decision system_drift "" "" skipped "$reason"
		say "system drift not measured: no cluster has" \
		    "$per_cluster rows in both months"
	else
		measure_system_drift
		threshold_line=$(threshold_for system)
		system_threshold=${threshold_line%%	*}
		rule=${threshold_line#*	}
		scope="$per_cluster rows of each of the clusters"
		scope="$scope $compared in both"
		scope="$scope months"
		[ -z "$left_out" ] ||
			scope="$scope; clusters $left_out left out, short of rows"
		if compare "$system_drift" ">" "$system_threshold"; then
			system_decision=flag
			reason="system-performance drift"
			reason="$reason $(fmt "$system_drift") is above the"
			reason="$reason threshold $(fmt "$system_threshold")"
			reason="$reason ($rule; $scope): flagged for"
			reason="$reason engineers, nothing is retrained"
		else
			system_decision=ok
			reason="system-performance drift"
			reason="$reason $(fmt "$system_drift") is within the"
			reason="$reason threshold $(fmt "$system_threshold")"
			reason="$reason ($rule; $scope)"
		fi
		add_decision system_drift "$system_drift" \
		    "$system_threshold" "$system_decision" "$reason"
		say "system drift $(fmt "$system_drift")," \
		    "threshold $(fmt "$system_threshold"): $system_decision"
	fi
	rm -f "$work/system-reference.tsv" "$work/system-current.tsv"
fi

# --- Step 6: model quality ----------------------------------------------

predictions="$data/$month/predictions.tsv"
f1_mean="" f1_low="" f1_high=""
# A month whose predictions hold no abnormal row, true or predicted, has
# no F1 to measure: f1-bootstrap says so, and the step is skipped.
f1_undefined="no positive row, true or predicted: F1 is undefined"
if [ -f "$predictions" ] && ! attempt f1-bootstrap f1-bootstrap \
    -B "$(conf bootstrap_resamples)" -s "$((month_seed + 4))" \
    --truth "$(conf truth_column)" --predicted "$(conf predicted_column)" \
    --positive "$(conf positive_label)" \
    --negative "$(conf negative_label)" \
    -o "$work/f1-resamples.tsv" "$predictions" > "$work/f1.tsv"; then
	grep -Fq "$f1_undefined" "$work/step.err" || {
		cat "$work/step.err" >&2
		die "$month: f1-bootstrap failed on $predictions"
	}
	rm -f "$work/f1.tsv" "$work/f1-resamples.tsv"
	reason="predictions.tsv has no $(conf positive_label) row, true or"
	add_decision model_quality "" "" skipped \
	    "$reason predicted: F1 is undefined"
elif [ -f "$predictions" ]; then
	f1_mean=$(tsv_value "$work/f1.tsv" mean)
	f1_low=$(tsv_value "$work/f1.tsv" p2.5)
	f1_high=$(tsv_value "$work/f1.tsv" p97.5)
	reason="mean F1 $(fmt "$f1_mean") over"
	reason="$reason $(tsv_value "$work/f1.tsv" resamples) bootstrap resamples,"
	reason="$reason 95% of them between $(fmt "$f1_low") and $(fmt "$f1_high")"
	add_decision model_quality "$f1_mean" "" measured "$reason"
	say "mean F1 $(fmt "$f1_mean")"
else
	add_decision model_quality "" "" skipped \
	    "no predictions.tsv for $month: model quality is not measured"
fi

# --- History, plots, report ---------------------------------------------

[ "$shards" -eq 1 ] || rm -rf "$map_dir"

{
	if [ -n "$previous" ]; then
		cat "$out/$previous/history.tsv"
	else
		echo month rows workload_drift workload_threshold \
		    workload_decision sample labelled entropy entropy_basis \
		    entropy_decision clusters system_drift system_threshold \
		    system_decision f1_mean f1_low f1_high | tr ' ' '\t'
	fi
	printf '%s\t' "$month" "$rows" "$workload_drift" "$workload_threshold" \
	    "$workload_decision" "$sample_rows" "$labelled_rows" "$entropy" \
	    "$labelled_basis" "$entropy_decision" "$clusters_decision" \
	    "$system_drift" "$system_threshold" "$system_decision" \
	    "$f1_mean" "$f1_low"
	printf '%s\n' "$f1_high"
} > "$work/history.tsv"

run plots sh "$script_dir/batch-plots.sh" "$work"
set --
if [ "$shards" -gt 1 ]; then
	set -- -n "$shards"
	[ -z "$sshlogin" ] || set -- "$@" -S "$sshlogin"
fi
run report sh "$script_dir/batch-report.sh" "$@" "$work" "$month" "$data" \
    > "$work/report.md"
rm -f "$work/step.err"

rm -rf "${out:?}/${month:?}"
mv "$work" "$out/$month"
trap - EXIT INT TERM HUP
say "report in $out/$month/report.md"
