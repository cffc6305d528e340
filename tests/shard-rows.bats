#!/usr/bin/env bats
# shard-rows.bats - splitting TSV rows into shards that keep the header.

load test_helper

@test "shard-rows: round robin deals rows in turn, every shard with the header" {
	printf 'x\ty\n1\ta\n2\tb\n3\tc\n4\td\n5\te\n' > five.tsv
	run --separate-stderr shard-rows -n 3 -o part five.tsv
	assert_success
	assert_equal "$(cat part-0001.tsv)" $'x\ty\n1\ta\n4\td'
	assert_equal "$(cat part-0002.tsv)" $'x\ty\n2\tb\n5\te'
	assert_equal "$(cat part-0003.tsv)" $'x\ty\n3\tc'
}

@test "shard-rows: --by puts every row of a key in one shard" {
	awk 'BEGIN { print "item\tannotator"
		for (i = 0; i < 600; i++) print "item" i % 37 "\tw" i % 5 }' \
	    > votes.tsv
	run --separate-stderr shard-rows -n 4 --by item -o votes votes.tsv
	assert_success
	# Each item appears in exactly one shard, and no row is lost.
	run awk -F '\t' 'FNR > 1 { if (($1 in seen) && seen[$1] != FILENAME)
			bad = 1; seen[$1] = FILENAME; n++ }
		END { print n, bad + 0 }' votes-000*.tsv
	assert_output "600 0"
}

@test "shard-rows: the same key goes to the same shard in every run" {
	printf 'k\tv\nalpha\t1\nbeta\t2\ngamma\t3\n' > keys.tsv
	shard-rows -n 5 --by k -o first keys.tsv
	shard-rows -n 5 --by 1 -o second keys.tsv
	local i
	for i in 1 2 3 4 5; do
		cmp "first-000$i.tsv" "second-000$i.tsv"
	done
}

@test "shard-rows: an empty shard holds the header alone" {
	printf 'x\n1\n' > one-row.tsv
	run --separate-stderr shard-rows -n 3 -o s -v one-row.tsv
	assert_success
	assert_equal "$(cat s-0003.tsv)" "x"
	assert_equal "$stderr" "shard-rows: s-0001.tsv: 1 row
shard-rows: s-0002.tsv: 0 rows
shard-rows: s-0003.tsv: 0 rows"
}

@test "shard-rows: a bad row leaves no shard behind" {
	printf 'x\ty\n1\t2\n3\n' > ragged-row.tsv
	run --separate-stderr shard-rows -n 2 -o s ragged-row.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "shard-rows: ragged-row.tsv:3: 1 field where the header has 2"
	run ls s-*
	assert_failure
}

@test "shard-rows: -n is required and bounded" {
	run --separate-stderr shard-rows
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "shard-rows: -n N is required"
	run --separate-stderr shard-rows -n 0
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "shard-rows: option -n: '0' is not a whole number from 1 to 4096"
}

@test "shard-rows: an empty prefix or one ending in / is a usage error" {
	printf 'x\n1\n' > one-row.tsv
	run --separate-stderr shard-rows -n 2 -o '' one-row.tsv
	assert_failure 2
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" \
	    "shard-rows: option -o: the prefix is empty; the shards would be named -0001.tsv and so on"
	mkdir out
	run --separate-stderr shard-rows -n 2 -o out/ one-row.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "shard-rows: option -o: prefix 'out/' ends in '/'; the shards would be named out/-0001.tsv and so on"
	run ls -A out
	assert_output ""
	run ls -- -0001.tsv
	assert_failure
}

@test "shard-rows: -v counts rows in the singular and the plural" {
	printf 'x\n1\n2\n3\n' > three-rows.tsv
	run --separate-stderr shard-rows -n 2 -o s -v three-rows.tsv
	assert_success
	assert_equal "$stderr" "shard-rows: s-0001.tsv: 2 rows
shard-rows: s-0002.tsv: 1 row"
}

@test "shard-rows: --no-header shards without a header" {
	printf '1\ta\n2\tb\n3\tc\n' | shard-rows -n 2 --no-header -o s
	assert_equal "$(cat s-0001.tsv)" $'1\ta\n3\tc'
	assert_equal "$(cat s-0002.tsv)" $'2\tb'
}
