#!/usr/bin/env bats
# common.bats - what every program shares: --help, --version, usage
# errors, and the TSV reading, field-list, number and output rules of
# common/.  The reading rules live in one reader, so they are exercised
# here through pca-reduce; tests/bad-input.bats runs bad inputs against
# every program.

load test_helper

programs() {
	local program
	for program in "$BIN_DIR"/*; do
		[ -x "$program" ] && basename "$program"
	done
}

@test "every program: --help prints a usage on stdout and exits 0" {
	local program
	for program in $(programs); do
		run --separate-stderr "$program" --help
		assert_success
		[[ "$output" == usage:* ]] || fail "$program --help: $output"
		[ -z "$stderr" ] || fail "$program --help wrote to stderr"
	done
}

@test "every program: --version names the program and the version" {
	local program
	for program in $(programs); do
		run --separate-stderr "$program" --version
		assert_success
		[[ "$output" =~ ^$program\ \(anomaly-pipeline\)\ [0-9.]+$ ]] ||
			fail "$program --version: $output"
	done
}

@test "every program: an unknown option is a usage error, exit 2" {
	local program
	for program in $(programs); do
		run --separate-stderr "$program" --no-such-option
		[ "$status" -eq 2 ] || fail "$program: status $status"
		[ "${stderr%%$'\n'*}" = "$program: unknown option --no-such-option" ] ||
			fail "$program: $stderr"
		[ -z "$output" ] || fail "$program wrote to stdout"
	done
}

@test "every program: a usage error prints the synopsis" {
	local program
	for program in $(programs); do
		run --separate-stderr "$program" --no-such-option
		[[ "$stderr" == *$'\n'usage:\ $program* ]] ||
			fail "$program: no synopsis in: $stderr"
	done
}

@test "reader: CRLF line ends read exactly as LF" {
	printf 'x\ty\r\n1\t2\r\n3\t5\r\n4\t4\r\n' > crlf.tsv
	printf 'x\ty\n1\t2\n3\t5\n4\t4\n' > lf.tsv
	run --separate-stderr pca-reduce -f x,y -n 1 crlf.tsv
	assert_success
	local crlf_output="$output"
	run --separate-stderr pca-reduce -f x,y -n 1 lf.tsv
	assert_equal "$crlf_output" "$output"
}

@test "reader: a UTF-8 byte order mark is dropped from the first name" {
	printf '\xef\xbb\xbfx\ty\n1\t2\n3\t5\n4\t4\n' > bom.tsv
	run --separate-stderr pca-reduce -f x -n 1 --keep y bom.tsv
	assert_success
	assert_equal "${lines[0]}" $'y\tPC1'
}

@test "reader: an empty field is an error naming line and column" {
	printf 'a\tb\n1\t\n7\t8\n' > empty-field.tsv
	run --separate-stderr pca-reduce empty-field.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: empty-field.tsv:2: column 'b' is empty"
	assert_equal "$output" ""
}

@test "reader: a trailing tab makes a ragged row, an error with both counts" {
	printf 'a\tb\n1\t2\t\n' | {
		run --separate-stderr pca-reduce
		assert_failure 1
		assert_equal "$stderr" \
		    "pca-reduce: stdin:2: 3 fields where the header has 2"
	}
}

@test "reader: NaN is an error naming line, column and value" {
	printf 'x\ty\n1\t2\n3\tNaN\n4\t5\n' > nan-cell.tsv
	run --separate-stderr pca-reduce -n 1 nan-cell.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "pca-reduce: nan-cell.tsv:3: column 'y' is not a finite number: 'NaN'"
}

@test "reader: infinities, overflow and text are refused with their kind" {
	local value expected
	for value in inf -Infinity 1e999 abc 1x ' 1' 0x10 NA; do
		printf 'x\ty\n1\t2\n3\t%s\n4\t5\n' "$value" > bad.tsv
		run --separate-stderr pca-reduce -n 1 bad.tsv
		assert_failure 1
		case $value in
		inf|-Infinity|1e999) expected="not a finite number" ;;
		*) expected="not a number" ;;
		esac
		assert_equal "$stderr" \
		    "pca-reduce: bad.tsv:3: column 'y' is $expected: '$value'"
	done
}

@test "reader: --skip-invalid skips bad rows and counts them on stderr" {
	printf 'x\ty\n0\t0\n1\tNaN\n1\t1\n\t3\n2\t2\n' > some-bad.tsv
	run --separate-stderr pca-reduce -n 1 --skip-invalid some-bad.tsv
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_equal "$stderr" "pca-reduce: some-bad.tsv: skipped 2 rows with an empty, non-numeric or non-finite value"
}

@test "reader: a header only is an error saying there are no data rows" {
	printf 'x\ty\n' > header-only.tsv
	run --separate-stderr pca-reduce header-only.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "pca-reduce: header-only.tsv: 0 data rows: a fit needs at least 2"
	assert_equal "$output" ""
}

@test "reader: an empty file is an error, not a crash" {
	: > empty.tsv
	run --separate-stderr pca-reduce empty.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "pca-reduce: empty.tsv: empty input, expected a header line"
}

@test "reader: an empty line, a NUL byte and a stray CR are errors" {
	printf 'x\ty\n1\t2\n\n3\t4\n' > blank-line.tsv
	run --separate-stderr pca-reduce blank-line.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: blank-line.tsv:3: empty line"
	printf 'x\ty\n1\t2\n3\t\0004\n' > nul-byte.tsv
	run --separate-stderr pca-reduce nul-byte.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: nul-byte.tsv:3: NUL byte in the line"
	printf 'x\ty\n1\t2\r3\t4\n' > stray-cr.tsv
	run --separate-stderr pca-reduce stray-cr.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "pca-reduce: stray-cr.tsv:2: carriage return inside the line"
}

@test "reader: duplicate, empty and non-UTF-8 column names are errors" {
	printf 'x\ty\tx\n1\t2\t3\n' > duplicate-name.tsv
	run --separate-stderr pca-reduce duplicate-name.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: duplicate-name.tsv:1: duplicate column name 'x' (columns 1 and 3)"
	printf 'x\t\xff\xfe\n1\t2\n' > bad-utf8-name.tsv
	run --separate-stderr pca-reduce bad-utf8-name.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: bad-utf8-name.tsv:1: column 2 name is not valid UTF-8: '\\xff\\xfe'"
}

@test "reader: a quote is an ordinary byte, never a quoting character" {
	printf 'x\ty\n1\t2\n"3"\t4\n' > quoted.tsv
	run --separate-stderr pca-reduce quoted.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "pca-reduce: quoted.tsv:3: column 'x' is not a number: '\"3\"'"
}

@test "reader: a 1 MB line is read whole" {
	awk 'BEGIN { printf "x\ty\tlong\n";
		s = sprintf("%1048576s", ""); gsub(/ /, "a", s)
		print "1\t2\t" s; print "2\t3\tb"; print "4\t4\tc" }' > long-line.tsv
	run --separate-stderr pca-reduce -f x,y -n 1 long-line.tsv
	assert_success
	assert_equal "${#lines[@]}" 4
}

@test "reader: an unreadable file and a directory are I/O errors" {
	run --separate-stderr pca-reduce no-such-file.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "pca-reduce: no-such-file.tsv: No such file or directory"
	mkdir a-directory
	run --separate-stderr pca-reduce a-directory
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: a-directory: Is a directory"
}

@test "reader: --no-header names columns by number" {
	printf '0\t0\tp\n1\t1\tq\n2\t2\tr\n' | {
		run --separate-stderr pca-reduce --no-header -f 1-2 --keep 3 -n 1
		assert_success
		assert_equal "${lines[0]}" $'p\t-1.41421'
		assert_equal "${#lines[@]}" 3
	}
}

@test "field list: names, numbers, ranges, open ranges and globs" {
	printf 'id\tcpu_a\tcpu_b\tmem\n' > wide.tsv
	printf 'r1\t1\t2\t4\nr2\t2\t1\t3\nr3\t5\t5\t1\nr4\t0\t3\t2\n' >> wide.tsv
	local spec reference
	run pca-reduce -f cpu_a,cpu_b,mem --keep id wide.tsv
	reference="$output"
	for spec in 2-4 '2-' 'cpu_*,mem' '2,cpu_b,4' 'cpu_[ab],4'; do
		run --separate-stderr pca-reduce -f "$spec" --keep 1 wide.tsv
		assert_success
		assert_equal "$output" "$reference"
	done
}

@test "field list: an unknown name is a usage error listing the header" {
	printf 'a\tb\n1\t2\n3\t4\n' > two.tsv
	run --separate-stderr pca-reduce -f a,c two.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "pca-reduce: option -f: no column 'c'; the header has: a, b"
}

@test "field list: bad ranges, empty globs and repeats are usage errors" {
	printf 'a\tb\n1\t2\n3\t4\n' > two.tsv
	run --separate-stderr pca-reduce -f 1-3 two.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "pca-reduce: option -f: '1-3' is not a column range within 1-2"
	run --separate-stderr pca-reduce -f 'z*' two.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "pca-reduce: option -f: 'z*' matches no column"
	run --separate-stderr pca-reduce -f a,1 two.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "pca-reduce: option -f: column 'a' is selected twice"
}

@test "field list: a backslash selects a column whose name is a number" {
	printf '1\t2\tid\n0\t0\ta\n1\t1\tb\n2\t2\tc\n' > numeric-names.tsv
	run --separate-stderr pca-reduce -f '\1,\2' -n 1 --keep id \
	    numeric-names.tsv
	assert_success
	assert_equal "${lines[0]}" $'id\tPC1'
}

@test "options: a number out of range is a usage error naming the option" {
	printf 'a\tb\n1\t2\n3\t4\n' > two.tsv
	run --separate-stderr pca-reduce -n 0 two.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "pca-reduce: option -n: '0' is not a whole number from 1 to 1000000"
	run --separate-stderr pca-reduce --precision abc two.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "pca-reduce: option --precision: 'abc' is not a whole number from 1 to 17"
}

@test "output: a write error fails the run with a message" {
	[ -w /dev/full ] || skip "no /dev/full on this system"
	printf 'x\ty\n0\t0\n1\t1\n2\t2\n' > line.tsv
	run --separate-stderr sh -c 'pca-reduce -n 1 line.tsv > /dev/full'
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: stdout: No space left on device"
}

@test "output: a closed pipe ends the program quietly" {
	awk 'BEGIN { print "x\ty"; for (i = 0; i < 200000; i++)
		print i % 7 "\t" i % 11 }' > many.tsv
	run --separate-stderr bash -c \
	    'set -o pipefail; pca-reduce -n 1 many.tsv | head -1'
	assert_success
	assert_equal "$output" "PC1"
	assert_equal "$stderr" ""
}
