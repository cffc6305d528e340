#!/usr/bin/env bats
# bad-input.bats - a catalogue of bad inputs, each run against every
# program that reads TSV.  For each kind and program the test asserts:
# the exit status expected (1 for bad data or a failed read, 2 for bad
# usage, 0 where the input is in fact valid), never a crash (a status of
# 128 or more), one line "prog: ..." on standard error for an error, and
# nothing on standard output that could pass for a result.
#
# Every program reads the same base table, whose columns serve them all:
# item, annotator and vote for vote-labels; truth and predicted for
# f1-bootstrap; label for entropy; x and y for the numeric programs.
# Each kind of fault is made by changing that table, in the column the
# program reads (its "main column").

load test_helper

PROGRAMS="pca-reduce kmeans-train cluster-sample entropy kl-drift
vote-labels f1-bootstrap shard-rows"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	{
		printf 'item\tannotator\tvote\ttruth\tpredicted\tlabel\tx\ty\n'
		awk 'BEGIN { for (i = 1; i <= 12; i++)
			printf "p%d\tw%d\t%s\t%s\t%s\tc%d\t%.3f\t%.3f\n", i, i % 3,
			    (i % 4 ? "+1" : "-1"), (i % 3 ? "normal" : "abnormal"),
			    (i % 5 ? "normal" : "abnormal"), i % 4,
			    i * 1.5 + (i % 2), (i % 3) * 2.25 - i * 0.5 }'
	} > base.tsv
	kmeans-train -k 2 -f x,y --restarts 1 -o kmeans.model base.tsv
	pca-reduce -n 1 -f x,y --fit-only -o pca.model base.tsv
	cp base.tsv reference.tsv
}

# run_program PROGRAM FILE: run PROGRAM on FILE as the catalogue does.
# Each mode here reads its whole input before it writes, so bad input
# leaves stdout empty; the streaming modes (pca-reduce -m,
# cluster-sample --assign and --per-cluster) write the rows before a
# bad one, which their own suites test.
run_program() {
	local program=$1 file=$2
	case $program in
	pca-reduce) run --separate-stderr pca-reduce -n 1 -f x,y "$file" ;;
	kmeans-train) run --separate-stderr kmeans-train -k 2 -f x,y \
	    --restarts 1 "$file" ;;
	cluster-sample) run --separate-stderr cluster-sample -m kmeans.model \
	    --exact 2 -s 1 "$file" ;;
	entropy) run --separate-stderr entropy -f label "$file" ;;
	kl-drift) run --separate-stderr kl-drift -f x,y reference.tsv "$file" ;;
	vote-labels) run --separate-stderr vote-labels "$file" ;;
	f1-bootstrap) run --separate-stderr f1-bootstrap -B 20 "$file" ;;
	shard-rows) run --separate-stderr shard-rows -n 2 -o shard "$file" ;;
	*) fail "no invocation for $program" ;;
	esac
}

# main_column PROGRAM: the column of base.tsv the program reads values
# from (shard-rows reads none).
main_column() {
	case $1 in
	pca-reduce|kmeans-train|cluster-sample|kl-drift) echo x ;;
	entropy) echo label ;;
	vote-labels) echo vote ;;
	f1-bootstrap) echo truth ;;
	shard-rows) echo item ;;
	esac
}

# set_cell COLUMN ROW VALUE: base.tsv with the field of data row ROW in
# COLUMN replaced by VALUE, on stdout.  The value travels through a file,
# since a 1 MB value is too long for a command line.
set_cell() {
	printf '%s' "$3" > cell-value
	awk -F '\t' -v OFS='\t' -v name="$1" -v row="$2" '
		BEGIN { RS = "^$"; getline value < "cell-value"; RS = "\n" }
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i }
		NR == row + 1 { $c = value }
		{ print }' base.tsv
}

# check_error STATUS PROGRAM: the last run ended with STATUS (1 or 2),
# no crash, one "prog: ..." line (status 1) or a first line naming the
# program (status 2, which adds the synopsis), nothing on stdout.
check_error() {
	local want=$1 program=$2
	[ "$status" -lt 128 ] || fail "$program crashed: status $status"
	[ "$status" -eq "$want" ] ||
		fail "$program: status $status, expected $want: $stderr"
	[ -z "$output" ] || fail "$program wrote to stdout: ${output:0:200}"
	[[ "$stderr" == "$program: "* ]] ||
		fail "$program: message does not start with its name: $stderr"
	if [ "$want" -eq 1 ] && [[ "$stderr" == *$'\n'* ]]; then
		fail "$program: more than one line on stderr: $stderr"
	fi
}

# every_program_fails STATUS MAKE_INPUT: build bad.tsv for each program
# with the function MAKE_INPUT PROGRAM, run it, and check the error.
every_program_fails() {
	local want=$1 make_input=$2 program
	for program in $PROGRAMS; do
		"$make_input" "$program" > bad.tsv
		run_program "$program" bad.tsv
		check_error "$want" "$program"
	done
}

# numeric_programs_fail VALUE: VALUE in the main column is an error for
# the numeric programs, vote-labels and f1-bootstrap (not a known label),
# and a category like any other for entropy and shard-rows.
numeric_programs_fail() {
	local value=$1 program
	for program in $PROGRAMS; do
		set_cell "$(main_column "$program")" 3 "$value" > bad.tsv
		run_program "$program" bad.tsv
		case $program in
		entropy|shard-rows)
			[ "$status" -eq 0 ] ||
				fail "$program: status $status: $stderr" ;;
		*)
			check_error 1 "$program"
			[[ "$stderr" == "$program: bad.tsv:4: "* ]] ||
				fail "$program: no file:line: $stderr" ;;
		esac
	done
}

empty_file() { :; }
header_only() { head -n 1 base.tsv; }
extra_field() { awk 'NR == 3 { $0 = $0 "\t9" } { print }' base.tsv; }
missing_field() { awk -F '\t' -v OFS='\t' 'NR == 3 { NF = 7 } { print }' \
    base.tsv; }
trailing_tab() { awk 'NR == 5 { $0 = $0 "\t" } { print }' base.tsv; }
blank_line() { awk 'NR == 4 { print "" } { print }' base.tsv; }
nul_byte() { awk 'NR == 3 { printf "%s\t", "p" } { print }' base.tsv |
    tr '\t' '\t' | sed '3s/^p\t/p\x00/'; }
cr_inside() { sed '3s/\t/\r/' base.tsv; }
invalid_utf8_name() { sed '1s/\ty$/\t\xff\xfey/' base.tsv; }
duplicate_names() { sed '1s/\tlabel\t/\titem\t/' base.tsv; }
empty_name() { sed '1s/\tlabel\t/\t\t/' base.tsv; }
whitespace_only_line() { awk 'NR == 4 { print "   " } { print }' base.tsv; }
truncated_last_line() { cat base.tsv; printf 'p99\tw1'; }
empty_main_field() { set_cell "$(main_column "$1")" 2 ""; }
missing_main_column() {
	local column
	column=$(main_column "$1")
	sed "1s/\\t$column\\t/\\tgone\\t/; 1s/\\t$column\$/\\tgone/; 1s/^$column\\t/gone\\t/" \
	    base.tsv
}

@test "bad input: an empty file" {
	every_program_fails 1 empty_file
}

@test "bad input: a row with an extra field" {
	every_program_fails 1 extra_field
	[[ "$stderr" == "shard-rows: bad.tsv:3: 9 fields where the header has 8" ]]
}

@test "bad input: a row with a field missing" {
	every_program_fails 1 missing_field
}

@test "bad input: a trailing tab (a ragged row)" {
	every_program_fails 1 trailing_tab
}

@test "bad input: an empty line" {
	every_program_fails 1 blank_line
}

@test "bad input: a line of spaces" {
	every_program_fails 1 whitespace_only_line
}

@test "bad input: a NUL byte" {
	every_program_fails 1 nul_byte
}

@test "bad input: a carriage return inside a line" {
	every_program_fails 1 cr_inside
}

@test "bad input: invalid UTF-8 in a column name" {
	every_program_fails 1 invalid_utf8_name
}

@test "bad input: duplicate column names" {
	every_program_fails 1 duplicate_names
}

@test "bad input: an empty column name" {
	every_program_fails 1 empty_name
}

@test "bad input: a last line cut short (a full disk's export)" {
	every_program_fails 1 truncated_last_line
}

@test "bad input: an empty field in the column read" {
	local program
	for program in $PROGRAMS; do
		[ "$program" = shard-rows ] && continue
		empty_main_field "$program" > bad.tsv
		run_program "$program" bad.tsv
		check_error 1 "$program"
		[[ "$stderr" == "$program: bad.tsv:3: "* ]] ||
			fail "$program: no file:line: $stderr"
	done
}

@test "bad input: text in a numeric column" {
	numeric_programs_fail "abc"
}

@test "bad input: NaN" {
	numeric_programs_fail "NaN"
}

@test "bad input: infinities" {
	numeric_programs_fail "inf"
	numeric_programs_fail "-Infinity"
}

@test "bad input: a number too large for a double" {
	numeric_programs_fail "1e999"
}

@test "bad input: a decimal comma from a spreadsheet" {
	numeric_programs_fail "1,5"
}

@test "bad input: spaces around a number" {
	numeric_programs_fail " 1.5"
}

@test "bad input: a quoted field" {
	numeric_programs_fail '"1.5"'
}

@test "bad input: a byte of Latin-1 in a field" {
	numeric_programs_fail $'1.5\xb0'
}

@test "bad input: a 1 MB field" {
	local huge
	huge=$(head -c 1048576 /dev/zero | tr '\0' '7')
	numeric_programs_fail "${huge}x"
}

@test "bad input: a selected column that does not exist" {
	local program
	for program in $PROGRAMS; do
		[ "$program" = shard-rows ] && continue
		missing_main_column "$program" > bad.tsv
		run_program "$program" bad.tsv
		[ "$status" -eq 1 ] || [ "$status" -eq 2 ] ||
			fail "$program: status $status: $stderr"
		check_error "$status" "$program"
		[[ "$stderr" == *"'x'"* || "$stderr" == *"'$(main_column \
		    "$program")'"* ]] || fail "$program: column not named: $stderr"
	done
}

@test "bad input: CRLF line ends and a byte order mark are accepted" {
	local program reference
	{ printf '\xef\xbb\xbf'; sed 's/$/\r/' base.tsv; } > windows.tsv
	for program in $PROGRAMS; do
		[ "$program" = shard-rows ] && continue
		run_program "$program" base.tsv
		assert_success
		reference="$output"
		run_program "$program" windows.tsv
		assert_success
		[ "$output" = "$reference" ] ||
			fail "$program reads CRLF and a BOM differently"
	done
}

@test "bad input: a missing final newline is accepted" {
	local program reference
	head -c -1 base.tsv > no-final-newline.tsv
	for program in $PROGRAMS; do
		[ "$program" = shard-rows ] && continue
		run_program "$program" base.tsv
		reference="$output"
		run_program "$program" no-final-newline.tsv
		assert_success
		[ "$output" = "$reference" ] ||
			fail "$program reads a missing final newline differently"
	done
}

@test "bad input: a file that does not exist" {
	local program
	for program in $PROGRAMS; do
		run_program "$program" no-such-file.tsv
		check_error 1 "$program"
		assert_equal "$stderr" \
		    "$program: no-such-file.tsv: No such file or directory"
	done
}

@test "bad input: a directory given as a file" {
	local program
	mkdir folder.tsv
	for program in $PROGRAMS; do
		run_program "$program" folder.tsv
		check_error 1 "$program"
		assert_equal "$stderr" "$program: folder.tsv: Is a directory"
	done
}

@test "bad input: a header only is an error for a fit, a header for a transform" {
	local program
	header_only > bad.tsv
	for program in pca-reduce kmeans-train entropy kl-drift f1-bootstrap; do
		run_program "$program" bad.tsv
		check_error 1 "$program"
	done
	run --separate-stderr cluster-sample -m kmeans.model --assign bad.tsv
	assert_success
	assert_output "$(head -n 1 base.tsv)	cluster"
	# No votes: no labels, the header alone.
	run_program vote-labels bad.tsv
	assert_success
	assert_output $'item\tlabel\tvotes\tnormal\tabnormal\tagreement'
	run_program shard-rows bad.tsv
	assert_success
	cmp shard-0001.tsv bad.tsv
}

@test "bad input: a model of the wrong kind" {
	run --separate-stderr cluster-sample -m pca.model --assign base.tsv
	check_error 1 cluster-sample
	run --separate-stderr pca-reduce -m kmeans.model base.tsv
	check_error 1 pca-reduce
	assert_equal "$stderr" \
	    "pca-reduce: kmeans.model:1: a model of kind 'kmeans', expected 'pca'"
	run --separate-stderr cluster-sample -m base.tsv --assign base.tsv
	check_error 1 cluster-sample
}

@test "bad input: a truncated model" {
	local n_lines
	for n_lines in 0 1 2 3; do
		head -n "$n_lines" kmeans.model > cut.model
		run --separate-stderr cluster-sample -m cut.model --assign base.tsv
		check_error 1 cluster-sample
		head -n "$n_lines" pca.model > cut.model
		run --separate-stderr pca-reduce -m cut.model base.tsv
		check_error 1 pca-reduce
	done
	# A model cut in the middle of a line.
	head -c -5 kmeans.model > cut.model
	run --separate-stderr cluster-sample -m cut.model --assign base.tsv
	check_error 1 cluster-sample
}

@test "bad input: a model whose columns are not in the input" {
	cut -f 1-7 base.tsv > no-y.tsv
	run --separate-stderr cluster-sample -m kmeans.model --assign no-y.tsv
	check_error 1 cluster-sample
	[[ "$stderr" == *"'y'"* ]] || fail "column not named: $stderr"
	run --separate-stderr pca-reduce -m pca.model no-y.tsv
	check_error 1 pca-reduce
	[[ "$stderr" == *"'y'"* ]] || fail "column not named: $stderr"
}

@test "bad input: k larger than the rows" {
	run --separate-stderr kmeans-train -k 50 -f x,y base.tsv
	check_error 1 kmeans-train
	run --separate-stderr kl-drift --method knn -k 50 -f x,y reference.tsv \
	    base.tsv
	check_error 1 kl-drift
	run --separate-stderr pca-reduce -n 5 -f x,y base.tsv
	check_error 1 pca-reduce
}

@test "bad input: negative and absurd option values are usage errors" {
	local command
	while IFS= read -r command; do
		# shellcheck disable=SC2086
		run --separate-stderr $command base.tsv
		local program=${command%% *}
		check_error 2 "$program"
	done <<-'COMMANDS'
	pca-reduce -n -1
	pca-reduce --precision 1000
	pca-reduce --variance 1.5
	kmeans-train -k -3
	kmeans-train -k 99999999999999999999
	kmeans-train -k 2 --restarts 0
	kmeans-train -k 2 --tolerance -1
	kmeans-train -k 2 -s -5
	cluster-sample -m kmeans.model --per-cluster -1
	cluster-sample -m kmeans.model --exact abc
	entropy -f label --base 3
	entropy -f label --categories 0
	kl-drift --bins 0 reference.tsv
	kl-drift --method knn -k 0 reference.tsv
	kl-drift --alpha -1 reference.tsv
	kl-drift --method nonsense reference.tsv
	vote-labels --min-votes -2
	vote-labels --method coin
	f1-bootstrap -B 0
	f1-bootstrap -B 1e9
	shard-rows -n 100000
	COMMANDS
}

@test "bad input: unknown options and missing values are usage errors" {
	local program
	for program in $PROGRAMS; do
		run --separate-stderr "$program" --frobnicate base.tsv
		check_error 2 "$program"
		run --separate-stderr "$program" --precision
		check_error 2 "$program"
	done
}
