#!/usr/bin/env bats
# pipeline.bats - the monthly batch (scripts/month.sh, scripts/demo.sh,
# scripts/batch.mk) run end to end: over the simulated fleet, where the
# planted events must be caught, again over shards with GNU parallel,
# where the decisions must not change, over a small fleet for the
# failure paths and the Make rules, and over real service metrics.

load test_helper

SCRIPTS="$PROJECT_DIR/scripts"

# The demo fleet is run once for the whole file.
setup_file() {
	export DEMO="$BATS_FILE_TMPDIR/demo"
	BIN_DIR="$BIN_DIR" sh "$PROJECT_DIR/scripts/demo.sh" "$DEMO" \
	    > "$BATS_FILE_TMPDIR/demo.out" 2> "$BATS_FILE_TMPDIR/demo.err"
}

# decision MONTH CHECK: the decision taken on a check in a demo month.
decision() {
	awk -F '\t' -v check="$2" '$2 == check { print $5 }' \
	    "$DEMO/batch/$1/decisions.tsv"
}

# small_fleet: three months of a small fleet without planted events, and
# a configuration sized for it.
small_fleet() {
	fleet-simulate -o fleet --months 3 --entities 60 --windows 4 \
	    --drift-month 0 --regression-month 0
	cat > small.conf <<-CONF
	# sized for 240 rows a month
	clusters = 3
	kmeans_restarts = 2
	label_sample_per_cluster = 10
	system_sample_per_cluster = 10
	bootstrap_resamples = 100
	CONF
}

@test "pipeline: the demo ends by saying where the report is" {
	run tail -n 2 "$BATS_FILE_TMPDIR/demo.out"
	assert_line --index 0 "The report of the last month: $DEMO/batch/2026-11/report.md"
	[ -f "$DEMO/batch/2026-11/report.md" ]
}

@test "pipeline: the month the new workload appears retrains the clusters" {
	assert_equal "$(decision 2026-07 workload_drift)" retrain
	assert_equal "$(decision 2026-07 clusters)" retrained
	for month in 2026-03 2026-04 2026-05 2026-06 2026-08; do
		assert_equal "$(decision $month workload_drift)" keep
		assert_equal "$(decision $month clusters)" kept
	done
	assert_equal "$(decision 2026-02 clusters)" trained
	cmp "$DEMO/batch/2026-07/workload-pca.model" \
	    "$DEMO/batch/2026-07/cluster-pca.model"
	run cmp -s "$DEMO/batch/2026-06/kmeans.model" "$DEMO/batch/2026-07/kmeans.model"
	assert_failure
	cmp "$DEMO/batch/2026-07/kmeans.model" "$DEMO/batch/2026-11/kmeans.model"
}

@test "pipeline: the regression months are flagged and retrain nothing" {
	for month in 2026-09 2026-10 2026-11; do
		assert_equal "$(decision $month system_drift)" flag
		assert_equal "$(decision $month workload_drift)" keep
		assert_equal "$(decision $month entropy)" keep
		assert_equal "$(decision $month clusters)" kept
		grep -q 'flagged for engineers' "$DEMO/batch/$month/report.md"
	done
}

@test "pipeline: the months before the regression are not flagged" {
	assert_equal "$(decision 2026-02 system_drift)" baseline
	for month in 2026-03 2026-04 2026-05 2026-06 2026-07 2026-08; do
		assert_equal "$(decision $month system_drift)" ok
	done
}

@test "pipeline: both planted annotators are flagged every month" {
	local month
	for month in "$DEMO"/batch/*/; do
		run awk -F '\t' '$1 == "over-reporter" || $1 == "under-reporter" {
			print $1, $5 }' "$month/annotators.tsv"
		assert_line "over-reporter over"
		assert_line "under-reporter under"
		grep -q 'over-reporter' "$month/report.md"
	done
}

@test "pipeline: the first month sets the baseline, with no drift" {
	assert_equal "$(decision 2026-02 workload_drift)" baseline
	[ ! -e "$DEMO/batch/2026-02/workload-drift.tsv" ]
	[ ! -e "$DEMO/batch/2026-02/system-drift.tsv" ]
	grep -q 'sets the baseline' "$DEMO/batch/2026-02/report.md"
}

@test "pipeline: every month has its outputs, plots and report" {
	local file
	for file in annotators.tsv cluster-pca.model decisions.tsv entropy.tsv \
	    f1-resamples.tsv f1.tsv f1.png history.tsv kmeans.model \
	    labelled.tsv labels.tsv messages.json performance-pca.model \
	    report.md sample-pca.png sample.tsv system-drift.png \
	    system-drift.tsv workload-drift.png workload-drift.tsv \
	    workload-pca.model; do
		[ -s "$DEMO/batch/2026-08/$file" ] || fail "2026-08/$file is missing"
	done
	run head -c 4 "$DEMO/batch/2026-08/system-drift.png"
	assert_output $'\x89PNG'
	grep -q '(system-drift.png)' "$DEMO/batch/2026-08/report.md"
	run ls -A "$DEMO/batch"
	refute_output --partial partial
}

@test "pipeline: the history holds every month so far, in order" {
	run cut -f 1 "$DEMO/batch/2026-11/history.tsv"
	assert_output "$(printf 'month'; printf '\n2026-%02d' 2 3 4 5 6 7 8 9 10 11)"
	run awk -F '\t' 'NR > 1 && ($3 ~ /nan|inf/ || $12 ~ /nan|inf/ ||
		$15 ~ /nan|inf/)' "$DEMO/batch/2026-11/history.tsv"
	assert_output ""
	# The month's own row matches its F1 figures.
	mean=$(awk -F '\t' 'NR == 2 { print $7 }' "$DEMO/batch/2026-09/f1.tsv")
	run awk -F '\t' '$1 == "2026-09" { print $15 }' "$DEMO/batch/2026-11/history.tsv"
	assert_output "$mean"
}

@test "pipeline: the labelling messages are built as a dry run" {
	assert_equal "$(decision 2026-05 messages)" dry-run
	run jq -r '.metadata.event_payload.item' "$DEMO/batch/2026-05/messages.json"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | sort | head -n 3)" \
	    "$(tail -n +2 "$DEMO/batch/2026-05/sample.tsv" | cut -f 1 | sort | head -n 3)"
}

@test "pipeline: a re-run of a month gives the same bytes" {
	cp -R "$DEMO/batch/2026-07" before
	run --separate-stderr sh "$SCRIPTS/month.sh" "$DEMO/fleet" 2026-07 "$DEMO/batch"
	assert_success
	diff -r before "$DEMO/batch/2026-07"
}

@test "pipeline: the demo fleet run over 3 shards takes the plain run's decisions" {
	local month months=()
	for month in "$DEMO"/fleet/*/; do
		month=${month%/}
		months+=("${month##*/}")
		run --separate-stderr sh "$SCRIPTS/month.sh" -n 3 "$DEMO/fleet" \
		    "${month##*/}" sharded
		[ "$status" -eq 0 ] || fail "${month##*/}: $stderr"
	done
	assert_equal "${#months[@]}" 10
	for month in "${months[@]}"; do
		assert_equal "$(cut -f 1,2,5 "sharded/$month/decisions.tsv")" \
		    "$(cut -f 1,2,5 "$DEMO/batch/$month/decisions.tsv")"
		grep -q '^Run over 3 shards as GNU parallel jobs' \
		    "sharded/$month/report.md"
		[ ! -e "sharded/$month/map" ] || fail "$month: shards left behind"
	done
	# Merged and row-by-row steps agree with the plain run's figures.
	assert_equal "$(cut -f 1-5 sharded/2026-11/history.tsv)" \
	    "$(cut -f 1-5 "$DEMO/batch/2026-11/history.tsv")"
	run awk -F '\t' 'NR == FNR { plain[FNR] = $12; next }
		FNR > 2 { d = $12 - plain[FNR]; if (d < 0) d = -d
			if (d > 1e-6 * plain[FNR]) print FNR, $12, plain[FNR] }' \
	    "$DEMO/batch/2026-11/history.tsv" sharded/2026-11/history.tsv
	assert_output ""
	run ls -A sharded
	refute_output --partial partial
}

@test "pipeline: make months SHARDS=2 runs the months over shards" {
	small_fleet
	run --separate-stderr make -C "$PROJECT_DIR" --no-print-directory \
	    month MONTH=2026-03 DATA="$PWD/fleet" OUT="$PWD/out" \
	    CONFIG="$PWD/small.conf" SHARDS=2
	assert_success
	[[ "$stderr" == *"month.sh: 2026-03: 240 rows, previous month 2026-02, 2 shards"* ]]
	grep -q '^Run over 2 shards as GNU parallel jobs, on the cores' \
	    out/2026-03/report.md
}

@test "pipeline: a shard count that is not a whole number from 1 is refused" {
	small_fleet
	printf 'shards = 0\n' > zero.conf
	run --separate-stderr sh "$SCRIPTS/month.sh" -c zero.conf fleet 2026-02 out
	assert_failure 1
	[ "$stderr" = "month.sh: shards = '0': expected a whole number from 1 to 4096" ]
	run --separate-stderr sh "$SCRIPTS/month.sh" -n 2.5 fleet 2026-02 out
	assert_failure 1
	[ "$stderr" = "month.sh: shards = '2.5': expected a whole number from 1 to 4096" ]
	[ ! -e out/2026-02 ]
}

@test "pipeline: a month without votes skips the label steps and says so" {
	small_fleet
	rm fleet/2026-03/votes.tsv
	sh "$SCRIPTS/month.sh" -c small.conf fleet 2026-02 out 2> /dev/null
	run --separate-stderr sh "$SCRIPTS/month.sh" -c small.conf fleet 2026-03 out
	assert_success
	[[ "$stderr" == *"month.sh: 2026-03: no fleet/2026-03/votes.tsv: label steps skipped"* ]]
	run awk -F '\t' '$2 == "labels" { print $5 }' out/2026-03/decisions.tsv
	assert_output skipped
	[ ! -e out/2026-03/labels.tsv ]
	[ -s out/2026-03/entropy.tsv ]
	grep -q 'No votes this month' out/2026-03/report.md
}

@test "pipeline: a missing metrics file stops the month with its name" {
	small_fleet
	run --separate-stderr sh "$SCRIPTS/month.sh" -c small.conf fleet 2027-01 out
	assert_failure 1
	[ "$stderr" = "month.sh: fleet/2027-01/metrics.tsv: no such readable file" ]
}

@test "pipeline: a month whose previous month has not run stops" {
	small_fleet
	run --separate-stderr sh "$SCRIPTS/month.sh" -c small.conf fleet 2026-03 out
	assert_failure 1
	[ "$stderr" = "month.sh: out/2026-02/history.tsv: the previous month's state is missing; run month 2026-02 first" ]
	[ ! -e out/2026-03 ]
}

@test "pipeline: a failing step leaves no half-written month" {
	small_fleet
	sh "$SCRIPTS/month.sh" -c small.conf fleet 2026-02 out 2> /dev/null
	sh "$SCRIPTS/month.sh" -c small.conf fleet 2026-03 out 2> /dev/null
	cp out/2026-03/report.md kept.md
	cut -f 1-3 fleet/2026-03/metrics.tsv | tail -n +2 |
	    awk -v OFS='\t' 'BEGIN { print "item", "annotator", "vote", "time" }
		{ print $1, "a", "perhaps", NR }' > fleet/2026-03/votes.tsv
	run --separate-stderr sh "$SCRIPTS/month.sh" -c small.conf fleet 2026-03 out
	assert_failure 1
	[[ "${stderr##*$'\n'}" == "month.sh: 2026-03: vote-labels failed: "* ]]
	cmp kept.md out/2026-03/report.md
	run ls -A out
	assert_output $'2026-02\n2026-03'
}

@test "pipeline: every setting is checked in the first month, used there or not" {
	small_fleet
	local setting expected
	for setting in 'kl_method = gaus' 'workload_drift_threshold = high' \
	    'drift_components = 0' 'performance_columns = latency_p50,nosuch'; do
		printf '%s\n' "$setting" > bad.conf
		run --separate-stderr sh "$SCRIPTS/month.sh" -c bad.conf fleet \
		    2026-02 out
		assert_failure 1
		case $setting in
		kl_method*) expected="month.sh: setting kl_method = 'gaus': expected gauss, hist or knn" ;;
		workload*) expected="month.sh: setting workload_drift_threshold = 'high': expected auto or a number" ;;
		drift*) expected="month.sh: setting drift_components = '0': expected a whole number from 1" ;;
		*) expected="month.sh: setting performance_columns: pca-reduce: option -f: no column 'nosuch'; the header has: item, "* ;;
		esac
		# shellcheck disable=SC2053
		[[ "$stderr" == $expected ]] || fail "$setting: $stderr"
		[ ! -e out/2026-02 ]
	done
}

@test "pipeline: a bad value is named by its line in metrics.tsv or votes.tsv" {
	small_fleet
	awk -F '\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == "io_wait") c = i } NR == 77 { $c = "NaN" } { print }' \
	    fleet/2026-02/metrics.tsv > bad.tsv
	mv bad.tsv fleet/2026-02/metrics.tsv
	run --separate-stderr sh "$SCRIPTS/month.sh" -c small.conf fleet \
	    2026-02 out
	assert_failure 1
	assert_equal "$stderr" "month.sh: pca-reduce: fleet/2026-02/metrics.tsv:77: column 'io_wait' is not a finite number: 'NaN'"
	small_fleet
	awk -F '\t' -v OFS='\t' 'NR == 5 { $3 = "maybe" } { print }' \
	    fleet/2026-02/votes.tsv > bad.tsv
	mv bad.tsv fleet/2026-02/votes.tsv
	run --separate-stderr sh "$SCRIPTS/month.sh" -c small.conf fleet \
	    2026-02 out
	assert_failure 1
	[[ "$stderr" == *"vote-labels: fleet/2026-02/votes.tsv:5: unknown vote 'maybe'"* ]] ||
		fail "$stderr"
	# The configuration can give the value a meaning.
	{ cat small.conf; echo 'vote_negative = maybe'; } > maybe.conf
	run --separate-stderr sh "$SCRIPTS/month.sh" -c maybe.conf fleet \
	    2026-02 out
	assert_success
}

@test "pipeline: a killed month leaves no partial folder behind" {
	small_fleet
	sh "$SCRIPTS/month.sh" -c small.conf fleet 2026-02 out 2> /dev/null &
	local pid=$! i
	for i in $(seq 100); do
		[ -d out/.2026-02.partial ] && break
		sleep 0.05
	done
	[ -d out/.2026-02.partial ] || skip "the month ended before the signal"
	kill -TERM "$pid"
	local status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ] || fail "status $status"
	[ ! -e out/.2026-02.partial ]
	[ ! -e out/2026-02 ]
}

@test "pipeline: predictions with no abnormal row skip model quality" {
	small_fleet
	awk -F '\t' -v OFS='\t' 'NR > 1 { $2 = "normal"; $3 = "normal" }
	    { print }' fleet/2026-02/predictions.tsv > normal.tsv
	mv normal.tsv fleet/2026-02/predictions.tsv
	run --separate-stderr sh "$SCRIPTS/month.sh" -c small.conf fleet \
	    2026-02 out
	assert_success
	run awk -F '\t' '$2 == "model_quality" { print $5 ": " $6 }' \
	    out/2026-02/decisions.tsv
	assert_output "skipped: predictions.tsv has no abnormal row, true or predicted: F1 is undefined"
	[ ! -e out/2026-02/f1.tsv ]
}

@test "pipeline: with a token, each sampled point is posted once, across re-runs" {
	small_fleet
	start_receiver '{"ok":true,"channel":"C1","ts":"1717000000.00COUNT"}'
	printf 'xoxb-secret-42\n' > token
	chmod 600 token
	{ cat small.conf
	    printf 'slack_token_file = %s\n' "$PWD/token"
	    printf 'slack_api_url = http://127.0.0.1:%s\n' "$(cat port)"; } \
	    > post.conf
	sh "$SCRIPTS/month.sh" -c post.conf fleet 2026-02 out 2> /dev/null
	local sampled
	sampled=$(($(wc -l < out/2026-02/sample.tsv) - 1))
	[ "$sampled" -gt 0 ]
	[ -e "request$sampled.json" ]
	[ ! -e "request$((sampled + 1)).json" ]
	# messages.json holds the messages, as in a dry run.
	[ "$(jq -s length out/2026-02/messages.json)" -eq "$sampled" ]
	assert_equal "$(($(wc -l < out/2026-02/posted.tsv) - 1))" "$sampled"
	cp -r out/2026-02 first
	sh "$SCRIPTS/month.sh" -c post.conf fleet 2026-02 out 2> /dev/null
	[ ! -e "request$((sampled + 1)).json" ]
	diff -r first out/2026-02
}

@test "pipeline: an unknown configuration key is an error naming the line" {
	small_fleet
	printf 'clusters = 4\ncluster_count = 4\n' > bad.conf
	run --separate-stderr sh "$SCRIPTS/month.sh" -c bad.conf fleet 2026-02 out
	assert_failure 1
	assert_equal "${stderr%%$'\n'*}" 'batch-config.sh: bad.conf:2: unknown key "cluster_count"'
}

@test "pipeline: make month runs the earlier months first, and redoes only what changed" {
	small_fleet
	make_batch() {
		make -C "$PROJECT_DIR" --no-print-directory "$@" \
		    DATA="$PWD/fleet" OUT="$PWD/out" CONFIG="$PWD/small.conf"
	}
	run --separate-stderr make_batch month MONTH=2026-03
	assert_success
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'report in')" 2
	[ -f out/2026-03/report.md ] && [ ! -e out/2026-04 ]
	run --separate-stderr make_batch months
	assert_success
	assert_equal "$(printf '%s\n' "$stderr" | grep 'report in' | cut -d ' ' -f 2)" "2026-04:"
	run --separate-stderr make_batch months
	assert_success
	[[ "$stderr" != *"report in"* ]]
	touch fleet/2026-03/votes.tsv
	run --separate-stderr make_batch months
	assert_success
	assert_equal "$(printf '%s\n' "$stderr" | grep 'report in' | cut -d ' ' -f 2 | tr '\n' ' ')" "2026-03: 2026-04: "
}

@test "pipeline: the batch runs on real service metrics, months of five days" {
	skip_without_shared data/jumpstarter-dataset2/train/service0.csv
	local source="$SHARED_DIR/data/jumpstarter-dataset2"
	# 5-minute samples: 1440 rows make five days.
	cat "$source/train/service0.csv" "$source/test/service0.csv" |
	    awk -F ',' -v OFS='\t' '{
		month = sprintf("m%02d", int((NR - 1) / 1440) + 1)
		if (!(month in started)) {
			started[month] = 1
			system("mkdir -p real/" month)
			file = "real/" month "/metrics.tsv"
			header = "item"
			for (i = 1; i <= 19; i++) header = header "\tc" i
			print header > file
		}
		$1 = $1
		print month "-" NR, $0 > ("real/" month "/metrics.tsv") }'
	workload=$(printf 'c%d,' 1 2 3 4 5 6 7 8 9 10)
	performance=$(printf 'c%d,' 11 12 13 14 15 16 17 18 19)
	cat > real.conf <<-CONF
	workload_columns = ${workload%,}
	performance_columns = ${performance%,}
	system_sample_per_cluster = 50
	message_metrics = c1,c11
	CONF
	run ls real
	assert_equal "${#lines[@]}" 9
	for month in $(ls real); do
		run --separate-stderr sh "$SCRIPTS/month.sh" -c real.conf real "$month" out
		[ "$status" -eq 0 ] || fail "$month: $stderr"
		[ -s "out/$month/report.md" ] || fail "$month: no report"
		[ -s "out/$month/sample.tsv" ] && [ -s "out/$month/entropy.tsv" ]
	done
	for month in m02 m03 m04 m05 m06 m07 m08 m09; do
		[ -s "out/$month/workload-drift.tsv" ] || fail "$month: no drift"
	done
	run awk -F '\t' 'NR > 2 { for (i = 3; i <= 14; i++)
		if (i != 5 && i != 9 && i != 10 && i != 11 && i != 14 &&
		    $i !~ /^-?[0-9.]+(e[-+][0-9]+)?$/ && $i != "")
			print "row " NR " column " i ": " $i }' out/m09/history.tsv
	assert_output ""
	run awk -F '\t' 'NR > 2 && ($3 == "" || $8 == "" ||
		($12 == "" && $14 != "skipped"))' out/m09/history.tsv
	assert_output ""
	run awk -F '\t' 'NR > 2 && $12 != ""' out/m09/history.tsv
	[ "${#lines[@]}" -ge 4 ]
}
