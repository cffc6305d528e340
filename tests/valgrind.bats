#!/usr/bin/env bats
# valgrind.bats - one run of each program under valgrind's memcheck.
#
# Each test runs a program once on a small generated input, the way the
# monthly batch calls it, under memcheck with full leak checking.  Any
# invalid read or write, use of uninitialised memory, or lost block
# (definitely, indirectly or possibly) fails the test, and the valgrind
# log is printed.  Blocks still reachable at exit are not counted: the
# constructors of shared libraries (glib, OpenBLAS) leave some by design.
# A program that is not built yet is skipped.  The sanitizer build
# cannot run under valgrind, so under `make test-sanitize` the suite
# skips; `make test` runs it on the release build.  Adding a program is
# one test: generate its input, then `memcheck PROGRAM ARGUMENTS...`.

load test_helper

# memcheck PROGRAM ARGUMENTS...: run the program under memcheck; its
# standard output is left in $output.
memcheck() {
	local program="$1"
	shift
	[ -x "$BIN_DIR/$program" ] || skip "$program is not built"
	command -v valgrind >/dev/null ||
		skip "valgrind is not installed (sh scripts/install-deps.sh)"
	if grep -q __asan_init "$BIN_DIR/$program"; then
		skip "valgrind cannot run ASan builds; make test covers it"
	fi
	run --separate-stderr valgrind --quiet --error-exitcode=99 \
	    --leak-check=full --show-leak-kinds=definite,indirect,possible \
	    --errors-for-leak-kinds=definite,indirect,possible \
	    --track-origins=yes \
	    --log-file=memcheck.log "$BIN_DIR/$program" "$@"
	if [ "$status" -ne 0 ] || [ -s memcheck.log ]; then
		cat memcheck.log >&2
		printf '%s\n' "$stderr" >&2
	fi
	assert_success
	[ ! -s memcheck.log ]
}

# Three blobs of 60 rows in four columns, with an id column.
make_blobs() {
	awk 'BEGIN { OFS = "\t"; print "host", "cpu", "mem", "disk", "net"
		seed = 11
		for (i = 0; i < 180; i++) {
			c = i % 3
			for (j = 0; j < 4; j++) {
				seed = (seed * 1103515245 + 12345) % 2147483648
				v[j] = c * 10 + j + (seed % 1000) / 500
			}
			print "h" i, v[0], v[1], v[2], v[3] } }' >blobs.tsv
}

@test "memcheck: pca-reduce fits and saves a model cleanly" {
	make_blobs
	memcheck pca-reduce --keep host -n 2 -o pca.model blobs.tsv
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 181 ]
}

@test "memcheck: pca-reduce projects with a saved model cleanly" {
	make_blobs
	"$BIN_DIR/pca-reduce" --keep host -n 2 -o pca.model --fit-only \
	    blobs.tsv
	memcheck pca-reduce -m pca.model --keep host blobs.tsv
	assert_line --index 0 "$(printf 'host\tPC1\tPC2')"
}

@test "memcheck: kmeans-train fits a model cleanly" {
	make_blobs
	memcheck kmeans-train -k 3 -f cpu,mem,disk,net --restarts 3 -s 5 \
	    -o kmeans.model blobs.tsv
	[ -s kmeans.model ]
}

@test "memcheck: cluster-sample samples per cluster cleanly" {
	make_blobs
	[ -x "$BIN_DIR/kmeans-train" ] || skip "kmeans-train is not built"
	"$BIN_DIR/kmeans-train" -k 3 -f cpu,mem,disk,net -s 5 \
	    -o kmeans.model blobs.tsv
	memcheck cluster-sample -m kmeans.model --per-cluster 10 -s 3 \
	    blobs.tsv
	assert_line --index 0 --partial "cluster"
}

@test "memcheck: entropy counts categories per group cleanly" {
	printf 'month\tcluster\n' >labels.tsv
	awk 'BEGIN { for (i = 0; i < 90; i++)
		printf "m%d\tc%d\n", i % 2, i % 5 }' >>labels.tsv
	memcheck entropy -f cluster -g month labels.tsv
	assert_line --index 0 --partial "entropy"
}

@test "memcheck: kl-drift compares two samples cleanly" {
	make_blobs
	head -91 blobs.tsv >reference.tsv
	{ head -1 blobs.tsv; tail -90 blobs.tsv; } >current.tsv
	memcheck kl-drift --method gauss -f cpu,mem reference.tsv current.tsv
	assert_line --index 0 --partial "kl"
}

@test "memcheck: vote-labels labels items and reports annotators cleanly" {
	printf 'item\tannotator\tvote\n' >votes.tsv
	awk 'BEGIN { for (i = 0; i < 40; i++) for (a = 0; a < 3; a++)
		printf "p%d\ta%d\t%s\n", i, a,
		    (i + a) % 4 == 0 ? "thumbsdown" : "thumbsup" }' >>votes.tsv
	memcheck vote-labels votes.tsv
	assert_line --index 0 --partial "label"
	memcheck vote-labels --annotators votes.tsv
	assert_line --index 0 --partial "annotator"
}

@test "memcheck: f1-bootstrap resamples cleanly" {
	printf 'truth\tpredicted\n' >predictions.tsv
	awk 'BEGIN { for (i = 0; i < 60; i++)
		printf "%s\t%s\n", i % 3 ? "normal" : "abnormal",
		    i % 4 ? "normal" : "abnormal" }' >>predictions.tsv
	memcheck f1-bootstrap -B 50 -s 2 predictions.tsv
	[ -n "$output" ]
}

@test "memcheck: fleet-simulate writes a small fleet cleanly" {
	memcheck fleet-simulate -s 3 --entities 6 --months 2 --windows 2 \
	    --drift-month 2 --regression-month 0 -o fleet
	[ -d fleet ]
}

@test "memcheck: shard-rows splits rows by a column cleanly" {
	make_blobs
	memcheck shard-rows -n 3 --by host -o part blobs.tsv
	[ "$(cat part-0001.tsv part-0002.tsv part-0003.tsv | grep -vc '^host')" \
	    -eq 180 ]
}
