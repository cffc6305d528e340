#!/bin/sh
# batch-report.sh - the one-page Markdown report of one month of the
# monthly batch.
#
# usage: batch-report.sh [-n SHARDS [-S SSHLOGIN]] MONTH_OUTPUT_FOLDER
#                        MONTH DATA
#
# Reads the files month.sh and batch-plots.sh wrote in the folder and
# prints the report on standard output: the decisions in words and as a
# table, then a section per step with its figures, tables and plots
# (linked by relative path, so the folder can be moved), the history of
# every month so far, and the messages the programs printed.  Nothing in
# it depends on the time of the run.  -n and -S say that the month ran
# over SHARDS shards with GNU parallel, on the hosts of SSHLOGIN, and
# the report says so under its title.
set -eu

usage() {
	echo "usage: batch-report.sh [-n SHARDS [-S SSHLOGIN]]" \
	    "MONTH_OUTPUT_FOLDER MONTH DATA" >&2
	exit 2
}

shards=1 sshlogin=""
while getopts n:S: option; do
	case $option in
	n) shards=$OPTARG ;;
	S) sshlogin=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ "$#" -eq 3 ] || usage
dir=${1%/}
month=$2
data=${3%/}
for file in decisions.tsv history.tsv; do
	[ -f "$dir/$file" ] || {
		echo "batch-report.sh: $dir/$file: no such file" >&2
		exit 1
	}
done

# table FILE [MAX_ROWS]: a TSV file as a Markdown table.
table() {
	awk -F '\t' -v max="${2:-0}" '
		function row(   i, line) {
			line = "|"
			for (i = 1; i <= NF; i++) {
				gsub(/\|/, "\\|", $i)
				line = line " " ($i == "" ? " " : $i) " |"
			}
			print line
		}
		NR == 1 { row(); line = "|"
			for (i = 1; i <= NF; i++) line = line " --- |"
			print line; next }
		max > 0 && NR > max + 1 { more++; next }
		{ row() }
		END { if (more) printf "\n(%d more rows in the file)\n", more }
	' "$1"
	echo
}

# decision CHECK: the decision taken on a check, or nothing.
decision() {
	awk -F '\t' -v check="$1" '$2 == check { print $5 }' "$dir/decisions.tsv"
}

# value FILE COLUMN: the named column of the first data row.
value() {
	awk -F '\t' -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == name) c = i; next } c { print $c; exit }' "$1"
}

# current COLUMN: the named column of this month's row of the history.
current() {
	awk -F '\t' -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == name) c = i; next } { last = $c } END { print last }' \
	    "$dir/history.tsv"
}

# plot FILE TEXT: an image link when the plot was drawn.
plot() {
	if [ -f "$dir/$1" ]; then
		printf '![%s](%s)\n\n' "$2" "$1"
	fi
}

cat <<EOF
# Monthly batch: $month

Inputs: \`$data/$month\`.  Every file named here is in the folder of
this report.

EOF
if [ "$shards" != 1 ]; then
	printf 'Run over %s shards as GNU parallel jobs, ' "$shards"
	if [ -n "$sshlogin" ]; then
		printf 'on the hosts %s.\n' "$sshlogin"
	else
		printf 'on the cores of this machine.\n'
	fi
	echo "The labelling sample was drawn shard by shard: the same"
	echo "probabilities as a single run, other rows."
	echo
fi
cat <<EOF
## Decisions

EOF
awk -F '\t' 'NR > 1 { printf "- **%s: %s.** %s.\n", $2, $5, $6 }' \
    "$dir/decisions.tsv"
echo
if [ "$(decision system_drift)" = flag ]; then
	echo "**This month is flagged for engineers: system performance changed."
	echo "Nothing was retrained because of it; an unexplained change may be"
	echo "a product bug.**"
	echo
fi
table "$dir/decisions.tsv"

cat <<EOF
## 1. Workload drift

EOF
if [ -f "$dir/workload-drift.tsv" ]; then
	echo "KL divergence of this month's workload from last month's, both"
	echo "projected on last month's principal components"
	echo "(\`workload-drift.tsv\`):"
	echo
	table "$dir/workload-drift.tsv"
else
	echo "The first month sets the baseline: there is no drift to measure."
	echo
fi
plot workload-drift.png "workload drift by month"
echo "Clusters: **$(decision clusters)** (models in force:"
echo "\`cluster-pca.model\`, \`kmeans.model\`; this month's workload PCA:"
echo "\`workload-pca.model\`)."
echo

cat <<EOF
## 2. Labelling sample

$(current sample) points in \`sample.tsv\`, drawn from $(current rows) rows,
each kept with a probability inverse to its cluster's population.
Points per cluster:

EOF
awk -F '\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == "cluster") c = i; next }
	{ n[$c]++ } END { for (k in n) print k, n[k] }' "$dir/sample.tsv" |
    sort -n | { printf 'cluster\tpoints\n'; cat; } | table /dev/stdin
echo "Labelling messages (\`messages.json\`): $(decision messages)."
echo

cat <<EOF
## 3. Labels and annotators

EOF
if [ -f "$dir/labels.tsv" ]; then
	echo "$(current labelled) sampled points"
	echo "labelled by majority vote (\`labels.tsv\`, \`labelled.tsv\`)."
	echo "Annotator report (\`annotators.tsv\`):"
	echo
	table "$dir/annotators.tsv"
	flagged=$(awk -F '\t' '$2 == "annotators" { print $6 }' \
	    "$dir/decisions.tsv")
	echo "**Annotators: $flagged.**"
	echo
else
	echo "No votes this month: the label steps were skipped."
	echo
fi
plot sample-pca.png "labelled sample in the cluster space"

cat <<EOF
## 4. Diversity

EOF
if [ -f "$dir/entropy.tsv" ]; then
	echo "Entropy of the $(current entropy_basis)"
	echo "points over the clusters, in nats (\`entropy.tsv\`):"
	echo
	table "$dir/entropy.tsv"
	echo "Decision: **$(decision entropy)**."
	echo
else
	echo "No points to measure."
	echo
fi

cat <<EOF
## 5. System-performance drift

EOF
if [ -f "$dir/system-drift.tsv" ]; then
	echo "KL divergence of the performance metrics, with exactly the same"
	echo "number of rows drawn from every workload cluster in both months"
	echo "(\`system-drift.tsv\`, \`performance-pca.model\`):"
	echo
	table "$dir/system-drift.tsv"
	echo "Decision: **$(decision system_drift)**."
	echo
else
	echo "The first month sets the baseline: there is no drift to measure."
	echo
fi
plot system-drift.png "system-performance drift by month"

cat <<EOF
## 6. Model quality

EOF
if [ -f "$dir/f1.tsv" ]; then
	echo "F1 of the detector's predictions over bootstrap resamples"
	echo "(\`f1.tsv\`; every resample in \`f1-resamples.tsv\`):"
	echo
	table "$dir/f1.tsv"
	plot f1.png "F1 over bootstrap resamples"
else
	echo "No predictions this month."
	echo
fi

cat <<EOF
## History

Every month so far (\`history.tsv\`):

EOF
table "$dir/history.tsv"

if [ -s "$dir/batch.log" ]; then
	echo "## Messages from the programs"
	echo
	echo '```'
	cat "$dir/batch.log"
	echo '```'
fi
