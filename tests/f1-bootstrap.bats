#!/usr/bin/env bats
# f1-bootstrap.bats - F1 of predictions and its bootstrap distribution:
# exact counts, the summary recomputed from the resamples, determinism,
# and every error.

load test_helper

# predictions TP FP FN TN: a predictions file with those counts.
predictions() {
	awk -v tp="$1" -v fp="$2" -v fn="$3" -v tn="$4" 'BEGIN {
		print "item\ttruth\tpredicted"
		for (i = 0; i < tp; i++) print "tp" i "\tabnormal\tabnormal"
		for (i = 0; i < fp; i++) print "fp" i "\tnormal\tabnormal"
		for (i = 0; i < fn; i++) print "fn" i "\tabnormal\tnormal"
		for (i = 0; i < tn; i++) print "tn" i "\tnormal\tnormal" }'
}

@test "f1-bootstrap: F1 of the whole input is 2tp / (2tp + fp + fn)" {
	predictions 3 1 2 4 > p.tsv
	run --separate-stderr f1-bootstrap -B 50 p.tsv
	assert_success
	assert_equal "$(field n)" 10
	assert_equal "$(field tp)" 3
	assert_equal "$(field fp)" 1
	assert_equal "$(field fn)" 2
	assert_equal "$(field f1)" 0.666667
	assert_equal "$(field resamples)" 50
}

@test "f1-bootstrap: the header names the percentiles as written" {
	predictions 30 5 5 60 > p.tsv
	run --separate-stderr f1-bootstrap -B 20 --percentiles 5,50,95 p.tsv
	assert_success
	assert_equal "${output%%$'\n'*}" $'n\ttp\tfp\tfn\tf1\tresamples\tmean\tsd\tp5\tp50\tp95'
}

@test "f1-bootstrap: mean and sd are those of the resamples written by -o" {
	predictions 40 10 15 200 > p.tsv
	run --separate-stderr f1-bootstrap -B 300 -s 3 --precision 12 -o r.tsv p.tsv
	assert_success
	run awk 'END { print NR }' r.tsv
	assert_output 301
	read -r mean sd < <(awk -F '\t' 'NR > 1 { x[NR] = $2; s += $2; n++ }
		END { m = s / n; for (i in x) q += (x[i] - m) ^ 2
		printf "%.12g %.12g\n", m, sqrt(q / (n - 1)) }' r.tsv)
	run --separate-stderr f1-bootstrap -B 300 -s 3 --precision 12 p.tsv
	assert_close "$(field mean)" "$mean" 1e-9 relative
	assert_close "$(field sd)" "$sd" 1e-9 relative
}

@test "f1-bootstrap: percentiles interpolate between sorted resamples" {
	predictions 40 10 15 200 > p.tsv
	f1-bootstrap -B 101 -s 9 --precision 15 -o r.tsv p.tsv > /dev/null
	# With B = 101, percentile q sits at h = q: 25 is x[25], 2.5 is
	# halfway between x[2] and x[3].
	read -r x2 x3 x25 < <(tail -n +2 r.tsv | cut -f 2 | sort -g |
		awk 'NR == 3 { a = $1 } NR == 4 { b = $1 } NR == 26 { c = $1 }
		END { printf "%.15g %.15g %.15g\n", a, b, c }')
	run --separate-stderr f1-bootstrap -B 101 -s 9 --precision 15 --percentiles 2.5,25 p.tsv
	assert_success
	assert_close "$(field p25)" "$x25" 1e-12 relative
	assert_close "$(field p2.5)" "$(awk -v a="$x2" -v b="$x3" 'BEGIN { printf "%.15g", (a + b) / 2 }')" 1e-12 relative
}

@test "f1-bootstrap: the resamples file has F1, precision and recall per resample" {
	predictions 10 0 10 0 > p.tsv
	f1-bootstrap -B 5 -o r.tsv p.tsv > /dev/null
	run head -n 1 r.tsv
	assert_output $'resample\tf1\tprecision\trecall'
	# No false positives: precision is 1 wherever a positive is drawn.
	run awk -F '\t' 'NR > 1 && $3 != 1' r.tsv
	assert_output ""
	run cut -f 1 r.tsv
	assert_output $'resample\n1\n2\n3\n4\n5'
}

@test "f1-bootstrap: perfect predictions give F1 1 in every resample" {
	predictions 60 0 0 40 > p.tsv
	run --separate-stderr f1-bootstrap -B 100 p.tsv
	assert_success
	assert_equal "$(field mean)" 1
	assert_equal "$(field sd)" 0
	assert_equal "$(field p2.5)" 1
}

@test "f1-bootstrap: same --seed gives identical bytes, another seed differs" {
	predictions 20 8 6 66 > p.tsv
	f1-bootstrap -B 200 -s 4 -o a.tsv p.tsv > a.out
	f1-bootstrap -B 200 -s 4 -o b.tsv p.tsv > b.out
	f1-bootstrap -B 200 -s 5 -o c.tsv p.tsv > c.out
	cmp a.out b.out
	cmp a.tsv b.tsv
	run cmp -s a.tsv c.tsv
	assert_failure
}

@test "f1-bootstrap: one resample is a usage error, since its spread is undefined" {
	predictions 5 2 2 11 > p.tsv
	run --separate-stderr f1-bootstrap -B 1 p.tsv
	assert_failure 2
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" \
	    "f1-bootstrap: option -B: '1' is not a whole number from 2 to 100000000"
	run --separate-stderr f1-bootstrap -B 2 -s 3 p.tsv
	assert_success
	local sd
	sd=$(field sd)
	[ "$(awk -v s="$sd" 'BEGIN { print (s >= 0) }')" = 1 ]
}

@test "f1-bootstrap: labels and columns can be chosen, without a header" {
	printf 'a\t1\t1\nb\t1\t0\nc\t0\t1\nd\t0\t0\ne\t1\t1\n' > p.tsv
	run --separate-stderr f1-bootstrap --no-header --truth 2 --predicted 3 --positive 1 --negative 0 -B 10 p.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 1
	assert_equal "$(printf '%s\n' "$output" | cut -f 1-5)" $'5\t2\t1\t1\t0.666667'
}

@test "f1-bootstrap: resamples without any positive count as 0 and are said" {
	predictions 1 0 0 30 > p.tsv
	run --separate-stderr f1-bootstrap -B 200 -s 1 p.tsv
	assert_success
	[[ "$stderr" =~ ^f1-bootstrap:\ [0-9]+\ of\ 200\ resamples\ hold\ no\ positive,\ true\ or\ predicted\;\ their\ F1\ is\ counted\ as\ 0$ ]]
	assert_equal "$(field p2.5)" 0
}

@test "f1-bootstrap: a label that is neither positive nor negative is an error" {
	printf 'truth\tpredicted\nabnormal\tabnormal\nnormal\tmaybe\n' > p.tsv
	run --separate-stderr f1-bootstrap p.tsv
	assert_failure 1
	[ "$stderr" = "f1-bootstrap: p.tsv:3: column 'predicted': 'maybe' is neither 'abnormal' nor 'normal'" ]
	[ -z "$output" ]
}

@test "f1-bootstrap: no positive row at all is an error, F1 undefined" {
	run --separate-stderr f1-bootstrap < <(predictions 0 0 0 5)
	assert_failure 1
	[ "$stderr" = "f1-bootstrap: stdin: no positive row, true or predicted: F1 is undefined" ]
}

@test "f1-bootstrap: a header without rows is an error" {
	printf 'truth\tpredicted\n' > p.tsv
	run --separate-stderr f1-bootstrap p.tsv
	assert_failure 1
	[ "$stderr" = "f1-bootstrap: p.tsv: no data rows to score" ]
}

@test "f1-bootstrap: an unknown column is a usage error listing the header" {
	predictions 1 1 1 1 > p.tsv
	run --separate-stderr f1-bootstrap --truth label p.tsv
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "f1-bootstrap: option --truth: no column 'label'; the header has: item, truth, predicted" ]
}

@test "f1-bootstrap: the same label for both sides is a usage error" {
	run --separate-stderr f1-bootstrap --positive yes --negative yes
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "f1-bootstrap: --positive and --negative are both 'yes'" ]
}

@test "f1-bootstrap: a percentile above 100 is a usage error" {
	run --separate-stderr f1-bootstrap --percentiles 50,101
	assert_failure 2
	[[ "${stderr%%$'\n'*}" == "f1-bootstrap: "*"--percentiles"*"101"* ]]
}

@test "f1-bootstrap: an empty percentile is a usage error" {
	predictions 3 1 1 5 > p.tsv
	run --separate-stderr f1-bootstrap --percentiles 2.5,,97.5 p.tsv
	assert_failure 2
	assert_output ""
	[ "${stderr%%$'\n'*}" = "f1-bootstrap: option --percentiles: empty element in '2.5,,97.5'" ]
	run --separate-stderr f1-bootstrap --percentiles 50, p.tsv
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "f1-bootstrap: option --percentiles: empty element in '50,'" ]
	run --separate-stderr f1-bootstrap --percentiles '' p.tsv
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "f1-bootstrap: option --percentiles: no values" ]
}

@test "f1-bootstrap: a percentile given twice is a usage error" {
	predictions 3 1 1 5 > p.tsv
	run --separate-stderr f1-bootstrap --percentiles 50,50 p.tsv
	assert_failure 2
	assert_output ""
	[ "${stderr%%$'\n'*}" = "f1-bootstrap: option --percentiles: '50' is given twice" ]
	run --separate-stderr f1-bootstrap --percentiles 5,50,50.0 p.tsv
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "f1-bootstrap: option --percentiles: '50.0' is the same percentile as '50'" ]
}

@test "f1-bootstrap: a resamples file that cannot be written fails the run" {
	predictions 3 1 1 5 > p.tsv
	run --separate-stderr f1-bootstrap -B 5000 -o /dev/full p.tsv
	assert_failure 1
	[ "$stderr" = "f1-bootstrap: /dev/full: No space left on device" ]
}
