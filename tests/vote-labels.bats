#!/usr/bin/env bats
# vote-labels: one vote per annotator and item, majority or Dawid-Skene
# labels, ties left unlabelled, and the annotator report.

load test_helper

# votes ROW...: a votes TSV (item, annotator, vote) from "item annotator
# vote" words, one row per argument.
votes() {
	printf 'item\tannotator\tvote\n'
	printf '%s\n' "$@" | tr ' ' '\t'
}

# Three annotators, four items; the figures of the annotator report are
# worked out by hand in the test that uses it.
small_report_votes() {
	votes "i1 A normal" "i1 B normal" "i1 C abnormal" \
	    "i2 A abnormal" "i2 B normal" "i2 C abnormal" \
	    "i3 A normal" "i3 B abnormal" "i4 A normal"
}

# Ten honest annotators who err on 5% of 200 items (20% abnormal), one
# who marks nearly everything abnormal and one who marks almost nothing;
# a Park-Miller generator keeps every awk's output the same.
planted_votes() {
	awk 'function draw() {
		seed = (seed * 16807) % 2147483647
		return seed / 2147483647
	}
	BEGIN {
		OFS = "\t"; seed = 12345
		print "item", "annotator", "vote"
		for (i = 1; i <= 200; i++) {
			truth = draw() < 0.2
			for (a = 1; a <= 10; a++) {
				wrong = draw() < 0.05
				print "i" i, "honest" a,
				    (truth != wrong) ? "-1" : "+1"
			}
			print "i" i, "alarmist", draw() < 0.9 ? "-1" : "+1"
			print "i" i, "silent", draw() < 0.02 ? "-1" : "+1"
		}
	}'
}

# gold_matches VOTES OUTPUT ITEM_COLUMN GOLD_COLUMN NORMAL_GOLD: how many
# labelled items of OUTPUT carry the label that the gold column says.
gold_matches() {
	awk -F '\t' -v item="$3" -v gold="$4" -v normal="$5" '
		NR == 1 { for (i = 1; i <= NF; i++) column[$i] = i; next }
		NR == FNR { truth[$column[item]] = $column[gold]; next }
		FNR == 1 { next }
		{ n++; if (($2 == "normal") == (truth[$1] == normal)) ok++ }
		END { print n + 0, ok + 0 }' "$1" "$2"
}

@test "vote-labels: majority label per item in first-seen order" {
	votes "b x up" "a x no" "b y +1" "a y -1" "b z -1" |
	    sed 's/up/thumbsup/' >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_success
	assert_output "$(printf '%s\n' \
	    'item	label	votes	normal	abnormal	agreement' \
	    'b	normal	3	2	1	0.666667' \
	    'a	abnormal	2	0	2	1')"
	[ "$stderr" = "" ]
}

@test "vote-labels: a one-to-one tie leaves the item unlabelled" {
	votes "t1 A +1" "t1 B -1" "t2 A +1" >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_success
	assert_output "$(printf '%s\n' \
	    'item	label	votes	normal	abnormal	agreement' \
	    't2	normal	1	1	0	1')"
	[ "$stderr" = "vote-labels: left 1 tied item unlabelled" ]
}

@test "vote-labels: a tie is not broken by swapping row order or names" {
	votes "t1 B -1" "t1 A +1" >swapped.tsv
	votes "t1 A thumbsdown" "t1 B thumbsup" >renamed.tsv
	for file in swapped.tsv renamed.tsv; do
		run --separate-stderr vote-labels "$file"
		assert_success
		assert_output 'item	label	votes	normal	abnormal	agreement'
	done
}

@test "vote-labels: --ties writes the tied items with their counts" {
	votes "t1 A yes" "t1 B no" "k A yes" "t2 A no" "t2 B yes" \
	    "t2 C yes" "t2 D no" >votes.tsv
	run --separate-stderr vote-labels --ties ties.tsv votes.tsv
	assert_success
	[ "$stderr" = "vote-labels: left 2 tied items unlabelled" ]
	assert_equal "$(cat ties.tsv)" "$(printf '%s\n' \
	    'item	votes	normal	abnormal' 't1	2	1	1' 't2	4	2	2')"
}

@test "vote-labels: a --ties file that cannot be written fails the run" {
	votes "t1 A yes" "t1 B no" >votes.tsv
	run --separate-stderr vote-labels --ties /dev/full votes.tsv
	assert_failure 1
	[ "$(printf '%s\n' "$stderr" | tail -n 1)" = \
	    "vote-labels: /dev/full: No space left on device" ]
	run --separate-stderr vote-labels --ties no-such-dir/ties.tsv votes.tsv
	assert_failure 1
	[ "$(printf '%s\n' "$stderr" | tail -n 1)" = \
	    "vote-labels: no-such-dir/ties.tsv: No such file or directory" ]
}

@test "vote-labels: a full disk on standard output fails the run" {
	votes "i A yes" >votes.tsv
	run --separate-stderr sh -c 'vote-labels votes.tsv >/dev/full'
	assert_failure 1
	[ "$stderr" = "vote-labels: stdout: No space left on device" ]
}

@test "vote-labels: Slack reaction names and words of either case are votes" {
	votes "n1 A +1" "n2 A thumbsup" "n3 A thumbs-up" "n4 A Normal" \
	    "n5 A YES" "n6 A 1" "a1 A -1" "a2 A thumbsdown" \
	    "a3 A thumbs-down" "a4 A ABNORMAL" "a5 A no" "a6 A 0" >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | cut -f 1,2 | tr '\t\n' ':,')" \
	    "item:label,n1:normal,n2:normal,n3:normal,n4:normal,n5:normal,n6:normal,a1:abnormal,a2:abnormal,a3:abnormal,a4:abnormal,a5:abnormal,a6:abnormal,"
}

@test "vote-labels: --positive and --negative add values and take them from the other side" {
	votes "i A 2" "j A 1" "k A ok" >votes.tsv
	run --separate-stderr vote-labels --negative 2 --positive ok votes.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | cut -f 2 | tr '\n' ,)" \
	    "label,abnormal,normal,normal,"
	run --separate-stderr vote-labels --positive 0 --negative 1 votes.tsv \
	    --ignore-unknown
	assert_success
	assert_equal "$(field label 1)" "abnormal"
}

@test "vote-labels: a value in both --positive and --negative is a usage error" {
	run --separate-stderr vote-labels --positive ok,fine --negative fine \
	    /dev/null
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = \
	    "vote-labels: vote 'fine' is in both --positive and --negative" ]
}

@test "vote-labels: an unknown vote is an error naming the line" {
	votes "i A yes" "i B maybe" >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_failure 1
	assert_output ""
	[ "$stderr" = "vote-labels: votes.tsv:3: unknown vote 'maybe' in column 'vote' (see --positive, --negative, --ignore-unknown)" ]
}

@test "vote-labels: --ignore-unknown skips unknown votes and counts them" {
	votes "i A yes" "i B maybe" "i C :eyes:" "i D no" "i E yes" >votes.tsv
	run --separate-stderr vote-labels --ignore-unknown votes.tsv
	assert_success
	assert_equal "$(field votes)" 3
	[ "$stderr" = "vote-labels: ignored 2 votes of unknown value" ]
}

@test "vote-labels: a repeated vote with the same answer counts once" {
	votes "i A no" "i A no" "i A no" "i B yes" "i C no" >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_success
	assert_equal "$(field votes) $(field abnormal) $(field label)" \
	    "3 2 abnormal"
	[ "$stderr" = "vote-labels: dropped 2 repeated votes: one vote per annotator and item counts, the latest" ]
}

@test "vote-labels: both answers with no time to order them drop that vote" {
	votes "i A no" "i B yes" "i A yes" "i C no" "i D no" >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_success
	assert_equal "$(field votes) $(field normal) $(field abnormal)" "3 1 2"
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = "vote-labels: dropped 2 votes of annotators who gave both answers with no time to order them" ]
}

@test "vote-labels: --time keeps each annotator's latest vote" {
	{ printf 'item\tannotator\tvote\ttime\n'; printf '%s\n' \
	    'i	A	no	1717000500' 'i	A	yes	1717000400.5' \
	    'i	B	no	2024-05-29T16:00:00Z' \
	    'i	B	yes	2024-05-29T17:30:00+02:00' \
	    'i	C	yes	2024-05-29 10:00'; } >votes.tsv
	run --separate-stderr vote-labels --time time votes.tsv
	assert_success
	assert_equal "$(field label) $(field normal) $(field abnormal)" \
	    "abnormal 1 2"
	[ "$stderr" = "vote-labels: dropped 2 repeated votes: one vote per annotator and item counts, the latest" ]
}

@test "vote-labels: different answers at the same latest time are dropped" {
	{ printf 'item\tannotator\tvote\ttime\n'; printf '%s\n' 'i	A	no	5' \
	    'i	A	yes	5' 'i	A	no	3' 'i	B	yes	1'; } >votes.tsv
	run --separate-stderr vote-labels --time time votes.tsv
	assert_success
	assert_equal "$(field votes) $(field label)" "1 normal"
}

@test "vote-labels: a time that is neither seconds nor ISO 8601 is an error" {
	printf 'item\tannotator\tvote\twhen\ni\tA\tyes\tyesterday\n' >votes.tsv
	run --separate-stderr vote-labels --time when votes.tsv
	assert_failure 1
	[ "$stderr" = "vote-labels: votes.tsv:2: time 'yesterday' in column 'when' is neither seconds nor an ISO 8601 date-time" ]
}

# time_error TIME: the stderr of vote-labels --time on one vote at TIME.
time_error() {
	printf 'item\tannotator\tvote\ttime\ni\tA\tyes\t%s\n' "$1" >votes.tsv
	run --separate-stderr vote-labels --time time votes.tsv
}

@test "vote-labels: a date that does not exist is an error naming the line" {
	{ printf 'item\tannotator\tvote\ttime\n'
	    printf 'i\tA\tyes\t2024-02-30\ni\tA\tno\t2024-03-01\n'; } >votes.tsv
	run --separate-stderr vote-labels --time time votes.tsv
	assert_failure 1
	assert_output ""
	[ "$stderr" = "vote-labels: votes.tsv:2: time '2024-02-30' in column 'time' is not a real date-time: 2024-02 has no day 30" ]
	local case time reason
	for case in '2024-02-31|2024-02 has no day 31' \
	    '2023-02-29|2023-02 has no day 29' \
	    '1900-02-29|1900-02 has no day 29' \
	    '2024-13-01|there is no month 13' \
	    '2024-04-31|2024-04 has no day 31'; do
		time=${case%%|*} reason=${case#*|}
		time_error "$time"
		assert_failure 1
		assert_equal "$stderr" "vote-labels: votes.tsv:2: time '$time' in column 'time' is not a real date-time: $reason"
	done
}

@test "vote-labels: leap days, leap seconds and +-14:00 are real times" {
	{ printf 'item\tannotator\tvote\ttime\n'; printf '%s\n' \
	    'i	A	yes	2024-02-29' 'i	B	no	2000-02-29T23:59:60Z' \
	    'i	C	no	2024-05-29T10:00+14:00' \
	    'i	D	no	2024-05-29T10:00-1400'; } >votes.tsv
	run --separate-stderr vote-labels --time time votes.tsv
	assert_success
	assert_equal "$(field votes) $(field normal) $(field abnormal)" "4 1 3"
	[ "$stderr" = "" ]
}

@test "vote-labels: an impossible time of day or offset is an error" {
	time_error 2024-05-29T24:00:00
	assert_failure 1
	[ "$stderr" = "vote-labels: votes.tsv:2: time '2024-05-29T24:00:00' in column 'time' is not a real date-time: there is no hour 24" ]
	time_error '2024-05-29 10:60'
	assert_failure 1
	[ "$stderr" = "vote-labels: votes.tsv:2: time '2024-05-29 10:60' in column 'time' is not a real date-time: there is no minute 60" ]
	time_error 2024-05-29T10:00:61
	assert_failure 1
	[ "$stderr" = "vote-labels: votes.tsv:2: time '2024-05-29T10:00:61' in column 'time' is not a real date-time: there is no second 61" ]
	time_error 2024-05-29T10:00+99:99
	assert_failure 1
	[ "$stderr" = "vote-labels: votes.tsv:2: time '2024-05-29T10:00+99:99' in column 'time' is not a real date-time: UTC offset +99:99 has no minute 99" ]
	time_error 2024-05-29T10:00+25:00
	assert_failure 1
	[ "$stderr" = "vote-labels: votes.tsv:2: time '2024-05-29T10:00+25:00' in column 'time' is not a real date-time: UTC offset +25:00 is not from -14:00 to +14:00" ]
	time_error 2024-05-29T10:00-1401
	assert_failure 1
	[ "$stderr" = "vote-labels: votes.tsv:2: time '2024-05-29T10:00-1401' in column 'time' is not a real date-time: UTC offset -1401 is not from -14:00 to +14:00" ]
}

@test "vote-labels: --exclude drops the listed annotators" {
	votes "i A no" "i B no" "i C yes" "i D no" "j A no" >votes.tsv
	printf 'A\nnobody\n' >excluded.txt
	run --separate-stderr vote-labels --exclude excluded.txt votes.tsv
	assert_success
	assert_output "$(printf '%s\n' \
	    'item	label	votes	normal	abnormal	agreement' \
	    'i	abnormal	3	1	2	0.666667')"
	[ "$stderr" = "vote-labels: dropped 2 votes of excluded annotators" ]
}

@test "vote-labels: --min-votes leaves thinly voted items unlabelled" {
	votes "i A no" "i B no" "j A yes" >votes.tsv
	run --separate-stderr vote-labels --min-votes 2 votes.tsv
	assert_success
	assert_output "$(printf '%s\n' \
	    'item	label	votes	normal	abnormal	agreement' \
	    'i	abnormal	2	0	2	1')"
	[ "$stderr" = "vote-labels: left 1 item with fewer than 2 votes unlabelled" ]
}

@test "vote-labels: columns are chosen by name or number" {
	printf 'who\tpoint\treaction\nA\tp1\t-1\nB\tp1\t-1\n' >votes.tsv
	run --separate-stderr vote-labels --annotator who --item 2 \
	    --vote reaction votes.tsv
	assert_success
	assert_equal "$(field item) $(field label)" "p1 abnormal"
	printf 'A\tp1\t-1\n' >bare.tsv
	run --separate-stderr vote-labels --no-header --annotator 1 \
	    --item 2 --vote 3 bare.tsv
	assert_success
	assert_output 'p1	abnormal	1	0	1	1'
}

@test "vote-labels: a missing column is a usage error listing the header" {
	printf 'item\twho\tvote\n' >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = \
	    "vote-labels: option --annotator: no column 'annotator'; the header has: item, who, vote" ]
}

@test "vote-labels: an empty item id is an error naming the line" {
	printf 'item\tannotator\tvote\n\tA\tyes\n' >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_failure 1
	[ "$stderr" = "vote-labels: votes.tsv:2: empty id in column 'item'" ]
}

@test "vote-labels: a header without votes gives an empty table" {
	printf 'item\tannotator\tvote\n' >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_success
	assert_output 'item	label	votes	normal	abnormal	agreement'
	run --separate-stderr vote-labels --annotators votes.tsv
	assert_success
	assert_output 'annotator	votes	abnormal_share	agreement	flag	expected_share	z'
}

@test "vote-labels: CRLF line ends and a byte order mark are read as plain TSV" {
	printf '\357\273\277item\tannotator\tvote\r\ni\tA\tno\r\ni\tB\tno\r\n' |
	    vote-labels >out.tsv
	assert_equal "$(sed -n 2p out.tsv)" "i	abnormal	2	0	2	1"
}

@test "vote-labels: --precision sets the digits of the agreement" {
	votes "i A no" "i B no" "i C yes" >votes.tsv
	run --separate-stderr vote-labels --precision 3 votes.tsv
	assert_equal "$(field agreement)" 0.667
}

@test "vote-labels: --method dawid-skene adds the posterior and is deterministic" {
	planted_votes >votes.tsv
	run --separate-stderr vote-labels --method dawid-skene votes.tsv
	assert_success
	first=$output
	assert_equal "$(printf '%s\n' "$output" | head -n 1)" \
	    "item	label	votes	normal	abnormal	agreement	posterior"
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' \
	    'NR > 1 && ($7 < 0.5 || $7 > 1) { bad++ } END { print bad + 0 }')" 0
	run --separate-stderr vote-labels --method dawid-skene votes.tsv
	assert_equal "$output" "$first"
}

@test "vote-labels: dawid-skene outvotes a block of unreliable annotators" {
	# Items x1..x6: the reliable A, B, C say the truth, the three
	# unreliable D, E, F vote at random; on item q the reliable three
	# say normal and the unreliable four say abnormal.
	{
		votes "x1 A no" "x1 B no" "x1 C no" "x1 D yes" "x1 E no" \
		    "x1 F yes" "x2 A yes" "x2 B yes" "x2 C yes" "x2 D no" \
		    "x2 E yes" "x2 F no" "x3 A no" "x3 B no" "x3 C no" \
		    "x3 D no" "x3 E yes" "x3 F yes" "x4 A yes" "x4 B yes" \
		    "x4 C yes" "x4 D yes" "x4 E no" "x4 F no" "x5 A yes" \
		    "x5 B yes" "x5 C yes" "x5 D no" "x5 E no" "x5 F yes" \
		    "x6 A no" "x6 B no" "x6 C no" "x6 D yes" "x6 E yes" \
		    "x6 F no" "q A yes" "q B yes" "q C yes" "q D no" "q E no" \
		    "q F no" "q G no"
	} >votes.tsv
	run --separate-stderr vote-labels votes.tsv
	assert_equal "$(printf '%s\n' "$output" | awk '$1 == "q" { print $2 }')" \
	    abnormal
	run --separate-stderr vote-labels --method dawid-skene votes.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | awk '$1 == "q" { print $2 }')" \
	    normal
}

@test "vote-labels: annotator report figures match the worked example" {
	# Six items, three annotators; the abnormal votes are
	#   A: i3        B: i3 i5        C: i1 i2 i3 i5 i6
	# For C the peers' (A, B) abnormal shares are 0 0 1 0 .5 0, so the
	# differences d = own - share are 1 1 0 0 .5 1: mean 7/12, sample
	# sd sqrt(.241667), z = mean / (sd / sqrt 6) = 2.90659.  Likewise
	# A: d = -.5 -.5 0 0 -1 -.5, z = -2.71163; B: z = -1.  With three
	# tested the cut is the normal quantile of 1 - 0.05 / 6, 2.39398:
	# C over, A under; two of three flagged leaves no consensus for a
	# second round.  Agreement with the others' majority (ties left
	# out): A 2 of 3, B 2 of 2, C 2 of 5.
	votes "i1 A normal" "i1 B normal" "i1 C abnormal" \
	    "i2 A normal" "i2 B normal" "i2 C abnormal" \
	    "i3 A abnormal" "i3 B abnormal" "i3 C abnormal" \
	    "i4 A normal" "i4 B normal" "i4 C normal" \
	    "i5 A normal" "i5 B abnormal" "i5 C abnormal" \
	    "i6 A normal" "i6 B normal" "i6 C abnormal" >votes.tsv
	run --separate-stderr vote-labels --annotators votes.tsv
	assert_success
	assert_output "$(printf '%s\n' \
	    'annotator	votes	abnormal_share	agreement	flag	expected_share	z' \
	    'A	6	0.166667	0.666667	under	0.583333	-2.71163' \
	    'B	6	0.333333	1	ok	0.5	-1' \
	    'C	6	0.833333	0.4	over	0.25	2.90659')"
	# Three votes on every item: Fleiss' kappa, P = 5/9, p = 4/9,
	# P_e = 41/81, kappa = (5/9 - 41/81) / (1 - 41/81) = 0.1.
	[ "$stderr" = "vote-labels: Fleiss' kappa 0.1000 over 6 items of 3 votes" ]
}

@test "vote-labels: Krippendorff's alpha when items have unequal votes" {
	# Unequal votes per item: n0 = 4, n1 = 4, disagreement
	# 2*1/2 + 1*2/2 + 1*1/1 = 3, alpha = 1 - 7 * 3 / 16.
	small_report_votes >votes.tsv
	run --separate-stderr vote-labels --annotators votes.tsv
	assert_success
	[ "$stderr" = "vote-labels: Krippendorff's alpha -0.3125 over 3 items with 2 votes or more" ]
}

@test "vote-labels: Fleiss' kappa when every item has as many votes" {
	# (normal, abnormal) per item: (3,0) (2,1) (0,3) (1,2): P = 2/3,
	# p = 1/2, P_e = 1/2, kappa = (2/3 - 1/2) / (1/2) = 1/3.
	votes "a A yes" "a B yes" "a C yes" "b A yes" "b B yes" "b C no" \
	    "c A no" "c B no" "c C no" "d A yes" "d B no" "d C no" >votes.tsv
	run --separate-stderr vote-labels --annotators votes.tsv
	assert_success
	[ "$stderr" = "vote-labels: Fleiss' kappa 0.3333 over 4 items of 3 votes" ]
	# A agrees with the others on a and c, not d; they tie on b.
	assert_equal "$(field agreement 1)" 0.666667
}

@test "vote-labels: planted over- and under-reporting annotators are flagged" {
	planted_votes >votes.tsv
	run --separate-stderr vote-labels --annotators votes.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' \
	    '$1 == "alarmist" || $1 == "silent" { print $1 ":" $5 }' |
	    tr '\n' ' ')" "alarmist:over silent:under "
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' \
	    '$1 ~ /^honest/ && $5 == "ok" { n++ } END { print n }')" 10
	[[ "$stderr" == "vote-labels: Fleiss' kappa "*" over 200 items of 12 votes" ]]
}

@test "vote-labels: --annotators with dawid-skene adds each annotator's rates" {
	planted_votes >votes.tsv
	run --separate-stderr vote-labels --annotators --method dawid-skene \
	    votes.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | head -n 1 | cut -f 8,9)" \
	    "sensitivity	specificity"
	# The alarmist catches the abnormal items but rarely calls an item
	# normal; the silent annotator the other way round.
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' \
	    '$1 == "alarmist" { print ($8 > 0.8) ($9 < 0.2) }
	     $1 == "silent" { print ($8 < 0.2) ($9 > 0.9) }' | tr -d '\n')" \
	    1111
}

@test "vote-labels: --ties does not go with --annotators" {
	run --separate-stderr vote-labels --annotators --ties t.tsv /dev/null
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = "vote-labels: --ties lists unlabelled items; it does not go with --annotators" ]
}

@test "vote-labels: bad options are usage errors" {
	run --separate-stderr vote-labels --method vote /dev/null
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = "vote-labels: --method: unknown method 'vote' (majority or dawid-skene)" ]
	run --separate-stderr vote-labels --min-votes 0 /dev/null
	assert_failure 2
	run --separate-stderr vote-labels --positive 'ok,,fine' /dev/null
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = "vote-labels: --positive: empty value in list 'ok,,fine'" ]
	run --separate-stderr vote-labels --bogus
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = "vote-labels: unknown option --bogus" ]
}

@test "vote-labels: --help and --version print to stdout" {
	run --separate-stderr vote-labels --help
	assert_success
	assert_line --partial "--annotators"
	run --separate-stderr vote-labels --version
	assert_success
	assert_output --regexp '^vote-labels \(anomaly-pipeline\) '
}

@test "vote-labels: Snow 2008 RTE majority: 735 labelled, 65 ties, 685 right" {
	skip_without_shared data/snow2008-rte-temp/rte.standardized.tsv
	local votes="$SHARED_DIR/data/snow2008-rte-temp/rte.standardized.tsv"
	vote-labels --item orig_id --annotator '!amt_worker_ids' \
	    --vote response --positive 1 --negative 0 --ties ties.tsv \
	    "$votes" >labels.tsv 2>stderr.txt
	assert_equal "$(cat stderr.txt)" "vote-labels: left 65 tied items unlabelled"
	assert_equal "$(($(wc -l <ties.tsv) - 1))" 65
	assert_equal "$(gold_matches "$votes" labels.tsv orig_id gold 1)" \
	    "735 685"
}

@test "vote-labels: Snow 2008 temporal majority: 445 labelled, 17 ties, 424 right" {
	skip_without_shared data/snow2008-rte-temp/temp.standardized.tsv
	local votes="$SHARED_DIR/data/snow2008-rte-temp/temp.standardized.tsv"
	vote-labels --item orig_id --annotator '!amt_worker_ids' \
	    --vote response --positive 1 --negative 2 \
	    "$votes" >labels.tsv 2>stderr.txt
	assert_equal "$(cat stderr.txt)" "vote-labels: left 17 tied items unlabelled"
	assert_equal "$(gold_matches "$votes" labels.tsv orig_id gold 1)" \
	    "445 424"
}

@test "vote-labels: bluebirds: majority 82 of 108 right, Dawid-Skene 97" {
	skip_without_shared reference/votes/bluebirds-votes.tsv
	local dir="$SHARED_DIR/reference/votes"
	vote-labels "$dir/bluebirds-votes.tsv" >majority.tsv
	assert_equal "$(gold_matches "$dir/bluebirds-gold.tsv" majority.tsv \
	    item gold yes)" "108 82"
	vote-labels --method dawid-skene "$dir/bluebirds-votes.tsv" >ds.tsv
	assert_equal "$(gold_matches "$dir/bluebirds-gold.tsv" ds.tsv \
	    item gold yes)" "108 97"
}
