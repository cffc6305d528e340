#!/usr/bin/env bats
# kmeans-sharded.sh: k-means over shard files with GNU parallel, which
# must give the model of the single run from the same starting centroids.
# tests/kmeans-train.bats covers the map and merge steps themselves.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	command -v parallel > /dev/null || skip "GNU parallel is not installed"
	# Three blobs of 120, 45 and 75 rows around (5, 5), (15, 5) and
	# (5, 25), noise uniform in [0, 2), rows interleaved.
	awk 'BEGIN { srand(7); print "id\tx\ty"
		for (i = 0; i < 240; i++) {
			b = i % 16 < 8 ? 0 : i % 16 < 11 ? 1 : 2
			x = 5 + 10 * (b == 1) + 2 * rand()
			y = 5 + 20 * (b == 2) + 2 * rand()
			printf "r%d\t%.5f\t%.5f\n", i, x, y } }' \
	    > blobs.tsv
	# A poor start: one k-means++ step on the first ten rows.
	head -11 blobs.tsv > first.tsv
	kmeans-train -k 3 -f x,y --restarts 1 --max-iterations 1 -s 4 \
	    -o start.model first.tsv
}

@test "kmeans-sharded.sh: equals the single run for 1, 2, 3 and 7 uneven shards" {
	# Shards add their sums in another order than one pass does, so
	# centroids and inertia may differ in the last bits; populations,
	# iterations and state must not.  One shard gives the same bytes.
	kmeans-train --init start.model --restarts 1 -o single.model blobs.tsv
	grep -q '^iterations	[2-9]' single.model
	run --separate-stderr kmeans-sharded.sh --init start.model \
	    -o one.model blobs.tsv
	assert_success
	assert_equal "$stderr" ""
	run cmp single.model one.model
	assert_success
	split_rows "1 239" two- blobs.tsv
	split_rows "150 0 89" three- blobs.tsv
	split_rows "30 0 1 100 12 9 88" seven- blobs.tsv
	[ "$(wc -l < seven-2.tsv)" -eq 1 ] && [ "$(wc -l < seven-3.tsv)" -eq 2 ]
	for n in two three seven; do
		kmeans-sharded.sh --init start.model -o "$n.model" "$n"-*.tsv
		run models_agree single.model "$n.model"
		assert_success
	done
}

@test "kmeans-sharded.sh: --sshlogin and --jobs reach parallel" {
	kmeans-train --init start.model -o single.model blobs.tsv
	split_rows "80 80 80" part- blobs.tsv
	run --separate-stderr kmeans-sharded.sh --sshlogin 2/: --jobs 1 \
	    --init start.model -o sharded.model part-1.tsv part-2.tsv \
	    part-3.tsv
	assert_success
	run models_agree single.model sharded.model
	assert_success
	run --separate-stderr kmeans-sharded.sh --sshlogin 2/: --jobs x \
	    --init start.model -o sharded.model part-1.tsv
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-sharded.sh: --jobs: 'x' is not a whole number" ]
}

@test "kmeans-sharded.sh: --max-iterations and --tolerance reach the merge" {
	kmeans-train --init start.model --max-iterations 1 --tolerance 0 \
	    -o single.model blobs.tsv
	split_rows "100 140" part- blobs.tsv
	run --separate-stderr kmeans-sharded.sh -v --max-iterations 1 \
	    --tolerance 0 --init start.model -o sharded.model part-*.tsv
	assert_success
	assert_equal "$(awk -F '\t' '$1 ~ /^(state|iterations)$/ {
		printf "%s=%s ", $1, $2 }' sharded.model)" \
	    "iterations=1 state=stopped "
	[ "$(printf '%s\n' "$stderr" | tail -1)" = "kmeans-sharded.sh: stopped after 1 iterations, 2 map steps: sharded.model" ]
	run models_agree single.model sharded.model
	assert_success
}

@test "kmeans-sharded.sh: --work-dir keeps each step's partials and model" {
	split_rows "100 140" part- blobs.tsv
	kmeans-sharded.sh --work-dir steps --init start.model \
	    -o final.model part-*.tsv
	[ -f steps/partial-0-1 ] && [ -f steps/partial-0-2 ]
	last=$(ls steps | grep '^model-' | sort -t - -k 2 -n | tail -1)
	run cmp "steps/$last" final.model
	assert_success
	cmp steps/model-0 start.model
}

@test "kmeans-sharded.sh: a bad shard fails the run and keeps the old model" {
	split_rows "100 140" part- blobs.tsv
	printf 'r0\t1\tNaN\n' >> part-2.tsv
	echo previous > final.model
	run --separate-stderr kmeans-sharded.sh --init start.model \
	    -o final.model part-1.tsv part-2.tsv
	assert_failure 1
	assert_equal "$(cat final.model)" "previous"
	[[ "$stderr" == *"kmeans-train: "*"part-2.tsv:142: column 'y' is not a finite number: 'NaN'"* ]] ||
		fail "no message naming the bad line: $stderr"
	[ "$(printf '%s\n' "$stderr" | tail -1)" = "kmeans-sharded.sh: the map step failed on a shard (see the messages above)" ]
	[ -z "$(ls -A | grep '^\.kmeans-sharded')" ]
}

@test "kmeans-sharded.sh: usage errors exit 2 and missing files exit 1" {
	run --separate-stderr kmeans-sharded.sh -o final.model blobs.tsv
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-sharded.sh: --init MODEL (the starting model) is required" ]
	run --separate-stderr kmeans-sharded.sh --init start.model \
	    -o final.model
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-sharded.sh: no shard files given" ]
	run --separate-stderr kmeans-sharded.sh --init start.model \
	    --max-iterations 0 -o final.model blobs.tsv
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-sharded.sh: --max-iterations: must be at least 1" ]
	run --separate-stderr kmeans-sharded.sh --init start.model \
	    -o final.model missing.tsv
	assert_failure 1
	[ "$stderr" = "kmeans-sharded.sh: missing.tsv: cannot read the shard" ]
	run --separate-stderr kmeans-sharded.sh --help
	assert_success
	assert_line --index 0 --partial "usage: kmeans-sharded.sh --init MODEL"
	[ ! -e final.model ]
}
