#!/usr/bin/env bats
# fuzz.bats - the libFuzzer harnesses of fuzz/, run briefly.
#
# Each harness is built (make fuzz-build) and run once over every seed
# input in fuzz/corpus/NAME and every input that once crashed it in
# fuzz/regressions/NAME, then fuzzed from its corpus for a few thousand
# inputs with a fixed seed (scripts/fuzz.sh check).  A harness fails on
# a crash, a sanitizer report, a leak, or a broken promise of the code it
# drives.  The harnesses are always built with ASan and UBSan, so this
# suite does the same work under `make test` and `make test-sanitize`.
# Long runs are `make fuzz`; see fuzz/README.

load test_helper

setup_file() {
	cd "$PROJECT_DIR" || return 1
	if ! sh scripts/fuzz.sh available 2>"$BATS_FILE_TMPDIR/why"; then
		export FUZZ_UNAVAILABLE
		FUZZ_UNAVAILABLE="$(cat "$BATS_FILE_TMPDIR/why")"
		return 0
	fi
	# Called from make check: do not inherit the outer make's jobserver.
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s fuzz-build \
	    >"$BATS_FILE_TMPDIR/build.log" 2>&1 || {
		cat "$BATS_FILE_TMPDIR/build.log" >&2
		return 1
	}
}

# check_harness NAME: replay and briefly fuzz harness NAME.
check_harness() {
	[ -z "${FUZZ_UNAVAILABLE:-}" ] ||
		skip "no libFuzzer here: $FUZZ_UNAVAILABLE"
	cd "$PROJECT_DIR" || return 1
	run --separate-stderr sh scripts/fuzz.sh check "$1" 3000
	[ "$status" -eq 0 ] || printf '%s\n' "$stderr" >&2
	assert_success
	assert_output --partial "Done 3000 runs"
}

@test "fuzz: the TSV reader survives its corpus, regressions and 3000 more" {
	check_harness tsv_reader
}

@test "fuzz: the field-list parser survives its corpus, regressions and more" {
	check_harness field_list
}

@test "fuzz: the number parser agrees with strtod on its corpus and more" {
	check_harness numeric_parse
}

@test "fuzz: the model file reader survives its corpus, regressions and more" {
	check_harness model_file
}

@test "fuzz: pca-reduce's model loader survives damaged models" {
	check_harness model_pca-reduce
}

@test "fuzz: cluster-sample's k-means model loader survives damaged models" {
	check_harness model_cluster-sample
}

@test "fuzz: pca-reduce --merge survives damaged PCA partials" {
	check_harness model_pca-reduce.merge
}

@test "fuzz: kmeans-train --init survives damaged starting models" {
	check_harness model_kmeans-train
}

@test "fuzz: kmeans-train --merge survives damaged partials of a Lloyd step" {
	check_harness model_kmeans-train.merge
}

@test "fuzz: entropy --merge survives damaged count partials" {
	check_harness model_entropy.merge
}

@test "fuzz: kl-drift --merge survives damaged gauss moments partials" {
	check_harness model_kl-drift.gauss
}

@test "fuzz: kl-drift --merge survives damaged hist counts partials" {
	check_harness model_kl-drift.hist
}

@test "fuzz: every harness that make builds has a test in this file" {
	[ -z "${FUZZ_UNAVAILABLE:-}" ] ||
		skip "no libFuzzer here: $FUZZ_UNAVAILABLE"
	cd "$PROJECT_DIR" || return 1
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s fuzz-list
	assert_success
	for name in $output; do
		grep -qx "	check_harness $name" "$TESTS_DIR/fuzz.bats" ||
			fail "harness $name has no check_harness line"
	done
}

@test "fuzz: a harness that crashes fails the check and shows the input" {
	[ -z "${FUZZ_UNAVAILABLE:-}" ] ||
		skip "no libFuzzer here: $FUZZ_UNAVAILABLE"
	# A copy of the project whose regression input makes the harness
	# abort: the check must fail, not pass quietly.
	mkdir -p copy/fuzz/corpus/numeric_parse copy/build/fuzz/bin copy/scripts
	cp "$PROJECT_DIR/scripts/fuzz.sh" copy/scripts/
	printf '1' >copy/fuzz/corpus/numeric_parse/one.txt
	printf 'boom' >copy/fuzz/corpus/numeric_parse/boom.txt
	printf '%s\n' '#include <stddef.h>' '#include <stdlib.h>' \
	    '#include <string.h>' \
	    'int LLVMFuzzerTestOneInput(const char *d, size_t n)' \
	    '{ if (n == 4 && memcmp(d, "boom", 4) == 0) abort(); return 0; }' \
	    >crashing.c
	clang -fsanitize=fuzzer,address -o \
	    copy/build/fuzz/bin/fuzz_numeric_parse crashing.c
	cd copy || return 1
	run --separate-stderr sh scripts/fuzz.sh check numeric_parse 10
	assert_failure 1
	[[ "$stderr" == *"fuzz.sh: numeric_parse failed on its corpus"* ]]
}
