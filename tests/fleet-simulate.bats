#!/usr/bin/env bats
# fleet-simulate.bats - the simulated fleet: its layout, its determinism,
# and the events it plants for the monthly batch to find.

load test_helper

# mean FILE COLUMN: the mean of a named column of a TSV file.
mean() {
	awk -F '\t' -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == name) c = i; next } { s += $c } END { print s / (NR - 1) }' "$1"
}

# abnormal_share FILE ANNOTATOR: the share of -1 votes of an annotator.
abnormal_share() {
	awk -F '\t' -v who="$2" '$2 == who { n++; a += ($3 == "-1") }
		END { print a / n }' "$1"
}

@test "fleet-simulate: writes one folder per month with three files" {
	run --separate-stderr fleet-simulate -o fleet --months 3 --entities 5 --windows 2
	assert_success
	[ -z "$output" ]
	run ls fleet
	assert_output $'2026-02\n2026-03\n2026-04'
	run ls fleet/2026-03
	assert_output $'metrics.tsv\npredictions.tsv\nvotes.tsv'
	run head -n 1 fleet/2026-03/metrics.tsv
	assert_output $'item\tentity\twindow\tcpu_util\tmem_util\tnet_in\tnet_out\tdisk_iops\tdisk_mbps\tlatency_p50\tlatency_p99\tcpu_ready\tio_wait\terror_rate'
	run head -n 1 fleet/2026-03/votes.tsv
	assert_output $'item\tannotator\tvote\ttime'
	run head -n 1 fleet/2026-03/predictions.tsv
	assert_output $'item\ttruth\tpredicted'
}

@test "fleet-simulate: one row per entity and window, with unique items" {
	fleet-simulate -o fleet --months 1 --entities 7 --windows 3
	run awk -F '\t' 'NR > 1 { n++; seen[$1]++ } END {
		for (i in seen) u++; print n, u }' fleet/2026-02/metrics.tsv
	assert_output "21 21"
	run awk -F '\t' 'NR == 2 { print $1, $2, $3 }' fleet/2026-02/metrics.tsv
	assert_output "2026-02-vm0001-w1 vm0001 1"
	run awk 'END { print NR - 1 }' fleet/2026-02/predictions.tsv
	assert_output 21
}

@test "fleet-simulate: same --seed gives identical bytes, another seed differs" {
	fleet-simulate -o a -s 5 --months 2 --entities 10 --windows 2
	fleet-simulate -o b -s 5 --months 2 --entities 10 --windows 2
	fleet-simulate -o c -s 6 --months 2 --entities 10 --windows 2
	diff -r a b
	run cmp -s a/2026-03/metrics.tsv c/2026-03/metrics.tsv
	assert_failure
}

@test "fleet-simulate: vote options leave the metrics unchanged" {
	fleet-simulate -o a --months 1 --entities 10 --windows 2
	fleet-simulate -o b --months 1 --entities 10 --windows 2 --vote-share 0.5 --votes-per-item 2
	cmp a/2026-02/metrics.tsv b/2026-02/metrics.tsv
	cmp a/2026-02/predictions.tsv b/2026-02/predictions.tsv
	run cmp -s a/2026-02/votes.tsv b/2026-02/votes.tsv
	assert_failure
}

@test "fleet-simulate: month names carry over the end of a year" {
	fleet-simulate -o fleet --start 2026-12 --months 2 --entities 2 --windows 1
	run ls fleet
	assert_output $'2026-12\n2027-01'
}

@test "fleet-simulate: the new workload raises inbound traffic from its month on" {
	fleet-simulate -o fleet --months 4 --drift-month 3 --regression-month 0 --entities 200 --windows 2
	before=$(mean fleet/2026-03/metrics.tsv net_in)
	during=$(mean fleet/2026-04/metrics.tsv net_in)
	after=$(mean fleet/2026-05/metrics.tsv net_in)
	awk -v a="$before" -v b="$during" 'BEGIN { exit !(b > 2 * a) }'
	assert_close "$after" "$during" 0.1 relative
}

@test "fleet-simulate: the regression slows latency by 1.5 a month, then recovers" {
	fleet-simulate -o fleet --months 5 --drift-month 0 --regression-month 2 --regression-length 3 --anomaly-rate 0 --entities 200 --windows 2
	base=$(mean fleet/2026-02/metrics.tsv latency_p50)
	assert_close "$(mean fleet/2026-03/metrics.tsv latency_p50)" "$(awk -v b="$base" 'BEGIN { print 1.5 * b }')" 0.05 relative
	assert_close "$(mean fleet/2026-05/metrics.tsv latency_p50)" "$(awk -v b="$base" 'BEGIN { print 3.375 * b }')" 0.05 relative
	assert_close "$(mean fleet/2026-06/metrics.tsv latency_p50)" "$base" 0.05 relative
}

@test "fleet-simulate: anomalies come at the asked rate and mark the truth" {
	fleet-simulate -o fleet --months 1 --anomaly-rate 0.2 --entities 500 --windows 4
	run awk -F '\t' 'NR > 1 { a += ($2 == "abnormal") } END { print a / (NR - 1) }' fleet/2026-02/predictions.tsv
	assert_close "$output" 0.2 0.03
	fleet-simulate -o none --months 1 --anomaly-rate 0 --entities 50 --windows 2
	run grep -c $'\tabnormal\t' none/2026-02/predictions.tsv
	assert_output 0
}

@test "fleet-simulate: the planted annotators over- and under-report" {
	fleet-simulate -o fleet --months 1 --entities 300 --windows 4
	votes=fleet/2026-02/votes.tsv
	over=$(abnormal_share "$votes" over-reporter)
	under=$(abnormal_share "$votes" under-reporter)
	honest=$(abnormal_share "$votes" honest-1)
	awk -v o="$over" -v h="$honest" -v u="$under" 'BEGIN { exit !(o > h + 0.15 && u < h / 3) }'
	run awk -F '\t' 'NR > 1 && $3 != "+1" && $3 != "-1"' "$votes"
	assert_output ""
}

@test "fleet-simulate: --vote-share 0 writes no votes" {
	fleet-simulate -o fleet --months 1 --entities 5 --windows 2 --vote-share 0
	run cat fleet/2026-02/votes.tsv
	assert_output $'item\tannotator\tvote\ttime'
}

@test "fleet-simulate: the drift month cannot be the first" {
	run --separate-stderr fleet-simulate --drift-month 1
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "fleet-simulate: --drift-month must be 2 or later: the first month is the baseline" ]
}

@test "fleet-simulate: a malformed --start is a usage error" {
	run --separate-stderr fleet-simulate --start 2026-13
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "fleet-simulate: --start: '2026-13' is not a month of the form YYYY-MM" ]
}

@test "fleet-simulate: months past 9999-12 are a usage error" {
	run --separate-stderr fleet-simulate -o fleet --start 9999-12 --months 2
	assert_failure 2
	assert_output ""
	[ "${stderr%%$'\n'*}" = "fleet-simulate: --start 9999-12 with --months 2 runs past 9999-12, and month folders are named YYYY-MM: --months can be at most 1 here" ]
	[ ! -e fleet ]
	fleet-simulate -o fleet --start 9999-11 --months 2 --entities 2 --windows 1
	run ls fleet
	assert_output $'9999-11\n9999-12'
}

@test "fleet-simulate: --start takes digits only" {
	run --separate-stderr fleet-simulate --start '2026-+1'
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "fleet-simulate: --start: '2026-+1' is not a month of the form YYYY-MM" ]
}

@test "fleet-simulate: an operand is a usage error" {
	run --separate-stderr fleet-simulate fleet
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "fleet-simulate: no operands expected, got 'fleet'" ]
}

@test "fleet-simulate: a folder that cannot be made fails with its name" {
	run --separate-stderr fleet-simulate -o /dev/null/fleet --months 1
	assert_failure 1
	[ "$stderr" = "fleet-simulate: /dev/null/fleet: Not a directory" ]
}
