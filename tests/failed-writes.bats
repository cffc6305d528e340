#!/usr/bin/env bats
# failed-writes.bats - what every program does when its output cannot be
# written, and that the same seed gives the same bytes.
#
# Every program that writes a result on standard output must fail a
# write to a full device (/dev/full) with one message and status 1, and
# end quietly with status 0 when the reader of a pipe goes away
# (| head -1).  Every file a program writes whole (models, partials,
# shards) goes to a temporary file renamed into place: a write that
# fails (a file-size limit stands in for a full disk) or a run killed
# halfway through the write must leave the previous file byte for byte.
# Every program that draws random numbers gives the same bytes for the
# same seed whatever the number of BLAS threads.

load test_helper

# The programs with a result on standard output, each run on rows.tsv.
STDOUT_PROGRAMS="pca-reduce kmeans-train cluster-sample entropy kl-drift
vote-labels f1-bootstrap"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	# 20000 rows: enough output that a closed pipe is met while writing.
	awk 'BEGIN { srand(3); OFS = "\t"
		print "item", "annotator", "vote", "truth", "predicted", "x", "y"
		for (i = 1; i <= 20000; i++)
			print "p" i, "w" i % 5, (rand() < 0.7 ? "+1" : "-1"),
			    (i % 3 ? "normal" : "abnormal"),
			    (i % 5 ? "normal" : "abnormal"),
			    sprintf("%.4f", (i % 3) * 5 + rand()),
			    sprintf("%.4f", rand() * 2) }' > rows.tsv
	kmeans-train -k 3 -f x,y --restarts 1 -s 1 -o kmeans.model rows.tsv
}

# program_args PROGRAM: the words of a run of PROGRAM on rows.tsv whose
# output is as long as the input where the program allows, in $args.
program_args() {
	case $1 in
	pca-reduce) args=(pca-reduce -n 1 -f x,y --keep item rows.tsv) ;;
	kmeans-train) args=(kmeans-train -k 2-3 -f x,y --restarts 1 rows.tsv) ;;
	cluster-sample) args=(cluster-sample -m kmeans.model --assign rows.tsv) ;;
	entropy) args=(entropy -f vote -g item rows.tsv) ;;
	kl-drift) args=(kl-drift -f x,y rows.tsv rows.tsv) ;;
	vote-labels) args=(vote-labels rows.tsv) ;;
	f1-bootstrap) args=(f1-bootstrap -B 50 rows.tsv) ;;
	*) fail "no invocation for $1" ;;
	esac
}

@test "failed writes: output to a full device fails every program with one message" {
	[ -w /dev/full ] || skip "no /dev/full on this system"
	local program
	for program in $STDOUT_PROGRAMS; do
		program_args "$program"
		run --separate-stderr bash -c '"$@" > /dev/full' bash "${args[@]}"
		[ "$status" -eq 1 ] ||
			fail "$program: status $status, expected 1: $stderr"
		[ "$stderr" = "$program: stdout: No space left on device" ] ||
			fail "$program: message '$stderr'"
	done
}

@test "failed writes: a closed pipe ends every program quietly, status 0" {
	local program
	for program in $STDOUT_PROGRAMS; do
		program_args "$program"
		run --separate-stderr bash -c \
		    'set -o pipefail; "$@" 2> errors | head -1; s=$?
		     cat errors >&2; exit $s' bash "${args[@]}"
		[ "$status" -eq 0 ] ||
			fail "$program: status $status through head -1: $stderr"
		[ -z "$stderr" ] || fail "$program said: $stderr"
		[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ] ||
			fail "$program: more than one line through head -1"
	done
}

# file_writers: one line per program that writes a whole file: the
# file's name, then the command that writes it.
file_writers() {
	cat <<'EOF'
pca.model	pca-reduce -n 1 -f x,y --fit-only -o pca.model rows.tsv
pca.partial	pca-reduce --partial -f x,y -o pca.partial rows.tsv
trained.model	kmeans-train -k 3 -f x,y --restarts 2 -s 9 -o trained.model rows.tsv
step.partial	kmeans-train --init kmeans.model --partial -o step.partial rows.tsv
entropy.partial	entropy --partial -f vote -o entropy.partial rows.tsv
kl.partial	kl-drift --partial -f x,y -o kl.partial rows.tsv
resamples.tsv	f1-bootstrap -B 3000 -o resamples.tsv rows.tsv
ties.tsv	vote-labels --ties ties.tsv rows.tsv
EOF
}

@test "failed writes: a bad row late in a stream leaves every row before it, whole" {
	pca-reduce -n 1 -f x,y --fit-only -o pca.model rows.tsv
	{ cat rows.tsv; printf 'p0\tw0\t+1\tnormal\tnormal\tnan\t1\n'; } \
	    > bad-tail.tsv
	for command in "pca-reduce -m pca.model --keep item" \
	    "cluster-sample -m kmeans.model --assign"; do
		run --separate-stderr $command bad-tail.tsv
		assert_failure 1
		assert_equal "$stderr" "${command%% *}: bad-tail.tsv:20002: column 'x' is not a finite number: 'nan'"
		# The header and all 20000 rows before the bad one, whole.
		[ "$(printf '%s\n' "$output" | wc -l)" -eq 20001 ]
		[ "$(printf '%s\n' "$output" | awk -F '\t' '{ print NF }' |
		    sort -u | wc -l)" -eq 1 ]
		$command bad-tail.tsv 2>/dev/null | tail -c 1 | od -An -c |
		    grep -q '\\n'
	done
}

@test "failed writes: an output file given as a link is written through it" {
	echo old > target.model
	ln -s target.model link.model
	kmeans-train -k 2 -f x,y --restarts 1 -s 1 -o link.model rows.tsv
	[ -L link.model ]
	[ "$(head -n 1 target.model)" = "$(printf 'model\tkmeans\t1')" ]
	# /dev/stdout is the caller's descriptor: a redirection that
	# appends is appended to, and the system's link stays a link.
	echo first > appended.txt
	kmeans-train -k 2 -f x,y --restarts 1 -s 1 -o /dev/stdout rows.tsv \
	    >> appended.txt
	[ "$(head -n 1 appended.txt)" = first ]
	cmp <(tail -n +2 appended.txt) target.model
	[ -L /dev/stdout ]
}

@test "failed writes: a closed pipe named as an output file is an error" {
	mkfifo resamples.fifo
	head -c 10 resamples.fifo > /dev/null &
	run --separate-stderr f1-bootstrap -B 50000 -s 1 -o resamples.fifo \
	    rows.tsv
	wait
	assert_failure 1
	assert_equal "$stderr" "f1-bootstrap: resamples.fifo: Broken pipe"
	assert_output ""
}

@test "failed writes: a file write that fails leaves the previous file byte for byte" {
	local name command
	while IFS=$'\t' read -r name command; do
		printf 'the previous %s, which must survive\n' "$name" > "$name"
		cp "$name" before
		# A file-size limit of 0 stands in for a full disk: with
		# SIGXFSZ ignored, every write to a file fails with EFBIG.
		# Messages leave through a pipe, which the limit spares.
		run bash -c "trap '' XFSZ; (ulimit -f 0; exec $command) 2>&1 |
		    cat; exit \${PIPESTATUS[0]}"
		[ "$status" -eq 1 ] ||
			fail "$command: status $status, expected 1: $output"
		[[ "$output" == *"${command%% *}: "*"File too large"* ]] ||
			fail "$command: message '$output'"
		cmp "$name" before || fail "$command changed $name"
		run ls -A
		refute_output --partial ".$name."
	done < <(file_writers)
}

@test "failed writes: killing a model write halfway leaves the previous model" {
	# A partial of 700 columns holds a 700 x 700 co-moment matrix:
	# megabytes of text, written after a moment of reading.  The run is
	# stopped once its temporary file exists, checked, then killed.
	awk 'BEGIN { srand(5)
		for (j = 1; j <= 700; j++) printf "c%d%s", j, (j < 700 ? "\t" : "\n")
		for (i = 0; i < 40; i++)
			for (j = 1; j <= 700; j++)
				printf "%.3f%s", rand(), (j < 700 ? "\t" : "\n") }' \
	    > wide.tsv
	printf 'the previous partial\n' > wide.partial
	cp wide.partial before
	local attempt caught="" pid temporary
	for attempt in 1 2 3 4 5; do
		pca-reduce --partial -o wide.partial wide.tsv &
		pid=$!
		temporary=""
		while kill -0 "$pid" 2>/dev/null; do
			temporary=$(find . -maxdepth 1 -name '.wide.partial.*' | head -1)
			if [ -n "$temporary" ]; then
				kill -STOP "$pid"
				break
			fi
		done
		if [ -n "$temporary" ] && kill -0 "$pid" 2>/dev/null; then
			cmp wide.partial before
			kill -KILL "$pid"
			kill -CONT "$pid" 2>/dev/null || true
			wait "$pid" || true
			caught=1
			break
		fi
		wait "$pid" || true
		cp before wide.partial
	done
	[ -n "$caught" ] || skip "the write ended before it could be stopped"
	cmp wide.partial before
	# The killed run's temporary file stays (nothing can remove it after
	# SIGKILL), under a hidden name that no step reads.
	[ -e "$temporary" ]
}

@test "determinism: every seeded program gives the same bytes at 1 and 2 BLAS threads" {
	local threads
	for threads in 1 2; do
		export OPENBLAS_NUM_THREADS=$threads
		kmeans-train -k 3 -f x,y --restarts 3 -s 4 -o "kmeans-$threads.model" \
		    rows.tsv
		cluster-sample -m kmeans.model --per-cluster 50 -s 4 rows.tsv \
		    > "sample-$threads.tsv"
		head -5001 rows.tsv > first.tsv
		kl-drift -f x,y --permutations 20 -s 4 first.tsv rows.tsv \
		    > "kl-$threads.tsv"
		f1-bootstrap -B 200 -s 4 -o "resamples-$threads.tsv" rows.tsv \
		    > "f1-$threads.tsv"
		fleet-simulate -s 4 --months 2 --entities 20 -o "fleet-$threads"
	done
	cmp kmeans-1.model kmeans-2.model
	cmp sample-1.tsv sample-2.tsv
	cmp kl-1.tsv kl-2.tsv
	cmp f1-1.tsv f1-2.tsv
	cmp resamples-1.tsv resamples-2.tsv
	diff -r fleet-1 fleet-2
	# And a different seed gives a different draw.
	cluster-sample -m kmeans.model --per-cluster 50 -s 5 rows.tsv > other.tsv
	! cmp -s sample-1.tsv other.tsv
}
