#!/bin/sh
# kmeans-sharded.sh - k-means over shards: Lloyd steps as GNU parallel
# map jobs (kmeans-train --partial, one per shard) and a merge
# (kmeans-train --merge) that writes the next model, repeated until the
# merge says the centroids stopped moving or the iteration limit is hit.
#
# The stopping rule is kmeans-train's own (the merge decides, from the
# --tolerance and --max-iterations passed to it), so from the same
# starting model the result is the model of
# `kmeans-train --init START --restarts 1` over all the rows, up to the
# rounding of adding the shards' sums in another order.  Partials are
# merged in the order the shards are given, whichever job ends first,
# so a run is reproducible.
#
# With --sshlogin the map jobs run on those hosts (the list goes to
# parallel unchanged).  Every host must then have kmeans-train on its
# PATH and see the shards and the work directory at the same paths
# (a shared file system), unless --transfer is given: then parallel
# copies each shard and the current model to the host and brings the
# partial back, on every iteration.
#
# Limits: each iteration reads every shard once; with --transfer it also
# copies every shard once.  The final model is copied beside --output
# and renamed into place, so a failed run leaves the old one.
set -eu

prog=kmeans-sharded.sh

usage() {
	cat <<EOF
usage: $prog --init MODEL -o OUTPUT [--max-iterations N] [--tolerance T]
                          [--sshlogin LIST] [--jobs N] [--transfer]
                          [--work-dir DIR] [-v] SHARD...
Run k-means from MODEL's centroids over the SHARD files (TSV, each with
the header), mapping shards with GNU parallel, and write the final model
to OUTPUT.

  --init MODEL         the starting k-means model (kmeans-train -o)
  -o, --output FILE    the final model (written atomically)
  --max-iterations N   Lloyd steps at most (300)
  --tolerance T        stop when the centroids' squared shift is at most
                       T times the mean column variance (1e-4)
  --sshlogin LIST      hosts for the map jobs, passed to parallel
  --jobs N             map jobs at once per host (parallel's default)
  --transfer           copy shards and models to the hosts and back
  --work-dir DIR       keep the partials and step models in DIR
  -v, --verbose        print each step's state and inertia
  -h, --help           print this help
EOF
}

# usage_error MESSAGE: a wrong command line, exit 2.
usage_error() {
	printf '%s: %s\n' "$prog" "$1" >&2
	usage >&2
	exit 2
}

# die MESSAGE: a failed run, exit 1.
die() {
	printf '%s: %s\n' "$prog" "$1" >&2
	exit 1
}

# need_value OPTION ARGUMENT-COUNT: the option has its argument.
need_value() {
	[ "$2" -ge 2 ] || usage_error "option $1 needs a value"
}

init_model=
output=
max_iterations=300
tolerance=0.0001
sshlogin=
jobs=
transfer=false
work_dir=
verbose=false

while [ $# -gt 0 ]; do
	case $1 in
	--init) need_value "$1" $#; init_model=$2; shift 2 ;;
	-o|--output) need_value "$1" $#; output=$2; shift 2 ;;
	--max-iterations) need_value "$1" $#; max_iterations=$2; shift 2 ;;
	--tolerance) need_value "$1" $#; tolerance=$2; shift 2 ;;
	--sshlogin) need_value "$1" $#; sshlogin=$2; shift 2 ;;
	--jobs) need_value "$1" $#; jobs=$2; shift 2 ;;
	--transfer) transfer=true; shift ;;
	--work-dir) need_value "$1" $#; work_dir=$2; shift 2 ;;
	-v|--verbose) verbose=true; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) break ;;
	esac
done

[ -n "$init_model" ] || usage_error "--init MODEL (the starting model) is required"
[ -n "$output" ] || usage_error "-o OUTPUT (the final model) is required"
[ $# -gt 0 ] || usage_error "no shard files given"
case $max_iterations in
''|*[!0-9]*) usage_error "--max-iterations: '$max_iterations' is not a whole number" ;;
esac
[ "$max_iterations" -ge 1 ] ||
	usage_error "--max-iterations: must be at least 1"
case $jobs in
*[!0-9]*) usage_error "--jobs: '$jobs' is not a whole number" ;;
esac
command -v parallel >/dev/null 2>&1 ||
	die "GNU parallel is not installed (Debian package 'parallel')"
command -v kmeans-train >/dev/null 2>&1 ||
	die "kmeans-train is not on PATH"
[ -r "$init_model" ] || die "$init_model: cannot read the starting model"
for shard in "$@"; do
	[ -r "$shard" ] || die "$shard: cannot read the shard"
done

# Absolute paths, so that jobs on other hosts find the same files.
absolute() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}

if [ -n "$work_dir" ]; then
	mkdir -p "$work_dir"
	work=$(cd "$work_dir" && pwd)
	keep_work=true
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/kmeans-sharded.XXXXXX")
	keep_work=false
fi
output_dir=$(dirname "$output")
[ -d "$output_dir" ] || die "$output_dir: no such directory for the output"
staged=
cleanup() {
	[ "$keep_work" = true ] || rm -rf "$work"
	[ -z "$staged" ] || rm -f "$staged"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

list="$work/shards"
: > "$list"
for shard in "$@"; do
	absolute "$shard" >> "$list"
done
n_shards=$#
cp "$init_model" "$work/model-0"

# map_shards MODEL STEP: one kmeans-train --partial per shard, in
# parallel; shard i's partial is $work/partial-STEP-i.
map_shards() {
	set -- --halt now,fail=1 --arg-file "$list"
	[ -z "$jobs" ] || set -- "$@" --jobs "$jobs"
	[ -z "$sshlogin" ] || set -- "$@" --sshlogin "$sshlogin"
	[ "$transfer" = false ] || [ -z "$sshlogin" ] ||
		set -- "$@" --basefile "$current" --transferfile {} \
		    --return "$work/partial-$step-{#}" --cleanup
	parallel "$@" kmeans-train --partial --init "$current" \
	    -o "$work/partial-$step-{#}" {}
}

# The value of a one-value record of a model file.
model_record() {
	awk -F '\t' -v key="$1" '$1 == key { print $2; exit }' "$2"
}

step=0
current="$work/model-0"
while :; do
	map_shards ||
		die "the map step failed on a shard (see the messages above)"
	next="$work/model-$((step + 1))"
	# The partials in shard order, whichever job ended first.
	set --
	i=1
	while [ "$i" -le "$n_shards" ]; do
		set -- "$@" "$work/partial-$step-$i"
		i=$((i + 1))
	done
	kmeans-train --merge --init "$current" \
	    --max-iterations "$max_iterations" --tolerance "$tolerance" \
	    -o "$next" "$@" || die "the merge of step $step failed"
	state=$(model_record state "$next")
	[ "$verbose" = false ] ||
		printf '%s: step %d: %s, inertia %s\n' "$prog" "$step" \
		    "$state" "$(model_record inertia "$next")" >&2
	[ "$keep_work" = true ] || rm -f "$@"
	current=$next
	step=$((step + 1))
	case $state in
	iterating) ;;
	converged|stopped) break ;;
	*) die "$next: unexpected state '$state' from kmeans-train --merge" ;;
	esac
done

staged=$(mktemp "$output_dir/.kmeans-sharded.XXXXXX")
cp "$current" "$staged"
mv -f "$staged" "$output"
staged=
[ "$verbose" = false ] ||
	printf '%s: %s after %s iterations, %d map steps: %s\n' "$prog" \
	    "$state" "$(model_record iterations "$current")" "$step" \
	    "$output" >&2
