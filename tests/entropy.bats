#!/usr/bin/env bats
# entropy.bats - the Shannon entropy of a category column: closed forms,
# groups from unsorted input, the corrections and the errors.

load test_helper

# counts_file NAME COUNT...: a two-column file of categories c1, c2, ...
# and their counts.
counts_file() {
	local name="$1" i=0 count
	shift
	printf 'category\tcount\n' > "$name"
	for count in "$@"; do
		i=$((i + 1))
		printf 'c%d\t%s\n' "$i" "$count" >> "$name"
	done
}

@test "entropy: counts 1,1,1,1 give ln 4 nats and 2 bits" {
	counts_file even.tsv 1 1 1 1
	run --separate-stderr entropy -f category --counts count even.tsv
	assert_success
	assert_output $'n\tcategories\tentropy\n4\t4\t1.38629'
	run --separate-stderr entropy -f category --counts count \
	    --precision 12 even.tsv
	assert_equal "$(field entropy)" "1.38629436112"
	run --separate-stderr entropy -f category --counts count --base 2 \
	    even.tsv
	assert_equal "$(field entropy)" "2"
	run --separate-stderr entropy -f category --counts count --base 10 \
	    --precision 12 even.tsv
	assert_equal "$(field entropy)" "0.602059991328"
}

@test "entropy: one category is exactly 0, printed as 0" {
	counts_file single.tsv 7
	run --separate-stderr entropy -f category --counts count \
	    --normalized --miller-madow single.tsv
	assert_success
	assert_output $'n\tcategories\tentropy\tnormalized\tmiller_madow\n7\t1\t0\t0\t0'
}

@test "entropy: all counts zero is an error, never NaN" {
	counts_file zeros.tsv 0 0 0
	run --separate-stderr entropy -f category --counts count zeros.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "entropy: zeros.tsv: all counts are zero: no observations"
	assert_output ""
}

@test "entropy: a zero count adds nothing (0 ln 0 = 0) and no category" {
	counts_file with-zero.tsv 2 0 2
	run --separate-stderr entropy -f category --counts count \
	    --precision 12 with-zero.tsv
	assert_success
	assert_equal "$(field n)" 4
	assert_equal "$(field categories)" 2
	assert_equal "$(field entropy)" "0.69314718056"
}

@test "entropy: one row per observation equals the same counts" {
	printf 'cluster\n' > rows.tsv
	printf '%s\n' b a c a b a >> rows.tsv
	run --separate-stderr entropy -f cluster --precision 15 rows.tsv
	assert_success
	local from_rows="$output"
	printf 'cluster\tn\na\t3\nb\t2\nc\t1\n' > counted.tsv
	run --separate-stderr entropy -f cluster --counts n --precision 15 \
	    counted.tsv
	assert_equal "$output" "$from_rows"
	# -(1/2 ln 1/2 + 1/3 ln 1/3 + 1/6 ln 1/6)
	assert_close "$(field entropy)" 1.0114042647073518 1e-14 relative
}

@test "entropy: groups come out in first-seen order from unsorted input" {
	printf 'month\tcluster\n' > months.tsv
	printf '%s\n' $'2024-02\ta' $'2024-01\ta' $'2024-02\tb' \
	    $'2024-01\ta' $'2024-02\ta' $'2024-02\tb' $'2024-01\tb' \
	    $'2024-01\ta' >> months.tsv
	run --separate-stderr entropy -f cluster -g month --base 2 months.tsv
	assert_success
	assert_equal "${lines[0]}" $'month\tn\tcategories\tentropy'
	assert_equal "${lines[1]}" $'2024-02\t4\t2\t1'
	# 3 a and 1 b: -(3/4 log2 3/4 + 1/4 log2 1/4) = 0.811278
	assert_equal "${lines[2]}" $'2024-01\t4\t2\t0.811278'
	assert_equal "${#lines[@]}" 3
}

@test "entropy: several group columns give one row per combination" {
	printf 'host\tday\tc\n' > hosts.tsv
	printf '%s\n' $'h1\t1\tx' $'h2\t1\tx' $'h1\t2\ty' $'h1\t1\ty' \
	    $'h1\t2\ty' >> hosts.tsv
	run --separate-stderr entropy -f c -g host,day hosts.tsv
	assert_success
	assert_equal "${lines[0]}" $'host\tday\tn\tcategories\tentropy'
	assert_equal "${lines[1]}" $'h1\t1\t2\t2\t0.693147'
	assert_equal "${lines[2]}" $'h2\t1\t1\t1\t0'
	assert_equal "${lines[3]}" $'h1\t2\t2\t1\t0'
}

@test "entropy: --normalized divides by ln K of the categories seen" {
	counts_file three.tsv 1 2 3
	run --separate-stderr entropy -f category --counts count \
	    --normalized --precision 12 three.tsv
	assert_success
	local h
	h=$(awk 'BEGIN { printf "%.17g",
	    -(log(1/6) / 6 + log(2/6) * 2/6 + log(3/6) * 3/6) }')
	assert_close "$(field normalized)" \
	    "$(awk -v h="$h" 'BEGIN { printf "%.17g", h / log(3) }')" 1e-9 relative
	run --separate-stderr entropy -f category --counts count \
	    --normalized --categories 8 --base 2 --precision 12 three.tsv
	assert_close "$(field normalized)" \
	    "$(awk -v h="$h" 'BEGIN { printf "%.17g", h / log(8) }')" 1e-9 relative
	assert_equal "$(field categories)" 3
}

@test "entropy: --normalized is the same in every --base" {
	counts_file mix.tsv 5 1 1 3
	run --separate-stderr entropy -f category --counts count --normalized \
	    mix.tsv
	local in_nats
	in_nats=$(field normalized)
	run --separate-stderr entropy -f category --counts count --normalized \
	    --base 2 mix.tsv
	assert_equal "$(field normalized)" "$in_nats"
}

@test "entropy: --miller-madow adds (K - 1) / 2n, in the chosen base" {
	counts_file small.tsv 3 1 1
	run --separate-stderr entropy -f category --counts count \
	    --miller-madow --precision 12 small.tsv
	assert_success
	local h
	h=$(awk 'BEGIN { printf "%.17g", -(0.6 * log(0.6) + 0.4 * log(0.2)) }')
	assert_close "$(field entropy)" "$h" 1e-9 relative
	assert_close "$(field miller_madow)" \
	    "$(awk -v h="$h" 'BEGIN { printf "%.17g", h + 2 / 10 }')" 1e-9 relative
	run --separate-stderr entropy -f category --counts count \
	    --miller-madow --base 2 --precision 12 small.tsv
	assert_close "$(field miller_madow)" \
	    "$(awk -v h="$h" 'BEGIN { printf "%.17g", (h + 2 / 10) / log(2) }')" \
	    1e-9 relative
}

@test "entropy: real k-means cluster sizes match the reference entropy" {
	local reference=reference/real/jumpstarter2-service0-kmeans.tsv
	skip_without_shared "$reference"
	awk -F '\t' 'NR == 2 { n = split($3, size, ",")
		print "cluster\tsize"
		for (i = 1; i <= n; i++) print i "\t" size[i] }' \
	    "$SHARED_DIR/$reference" > sizes.tsv
	run --separate-stderr entropy -f cluster --counts size \
	    --precision 15 sizes.tsv
	assert_success
	assert_close "$(field entropy)" \
	    "$(awk -F '\t' 'NR == 2 { print $4 }' "$SHARED_DIR/$reference")" \
	    1e-9 relative
	run --separate-stderr entropy -f cluster --counts size --base 2 \
	    --precision 15 sizes.tsv
	assert_close "$(field entropy)" \
	    "$(awk -F '\t' 'NR == 2 { print $5 }' "$SHARED_DIR/$reference")" \
	    1e-9 relative
}

@test "entropy: 20000 unsorted rows agree with an awk computation" {
	awk 'BEGIN { srand(3); print "g\tc"
		for (i = 0; i < 20000; i++)
			printf "g%d\tcluster_%04d\n", i % 3,
			    int(rand() * rand() * 40) }' > many.tsv
	run --separate-stderr entropy -f c -g g --precision 15 many.tsv
	assert_success
	local expected
	expected=$(awk -F '\t' 'NR > 1 && $1 == "g1" { n++; count[$2]++ }
		END { for (c in count) h -= count[c] / n * log(count[c] / n)
		printf "%.15g", h }' many.tsv)
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' \
	    '$1 == "g1" { print $2 }')" 6667
	assert_close "$(printf '%s\n' "$output" | awk -F '\t' \
	    '$1 == "g1" { print $4 }')" "$expected" 1e-12 relative
}

@test "entropy: fractional counts are weights, and n keeps its fraction" {
	printf 'c\tw\na\t0.5\nb\t1.5\n' > weights.tsv
	run --separate-stderr entropy -f c --counts w weights.tsv
	assert_success
	assert_output $'n\tcategories\tentropy\n2\t2\t0.562335'
	printf 'c\tw\na\t0.25\nb\t0.5\n' > fraction.tsv
	run --separate-stderr entropy -f c --counts w fraction.tsv
	assert_equal "$(field n)" 0.75
}

@test "entropy: --no-header selects by number and prints no header" {
	printf 'a\t1\nb\t1\na\t2\n' | {
		run --separate-stderr entropy --no-header -f 1 --counts 2
		assert_success
		# counts a 3, b 1
		assert_output $'4\t2\t0.562335'
	}
}

@test "entropy: -f is required and names one column" {
	printf 'a\tb\nx\ty\n' > two.tsv
	run --separate-stderr entropy two.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "entropy: -f COLUMN naming the category column is required"
	run --separate-stderr entropy -f a,b two.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "entropy: option -f takes one column, got 2"
	run --separate-stderr entropy -f a --counts a two.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "entropy: --counts and -f name the same column"
}

@test "entropy: bad --base and a lone --categories are usage errors" {
	printf 'a\nx\n' > one.tsv
	run --separate-stderr entropy -f a --base 3 one.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "entropy: option --base: '3' is not one of e, 2, 10"
	run --separate-stderr entropy -f a --categories 4 one.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "entropy: --categories sets the K of --normalized; give --normalized too"
}

@test "entropy: more categories seen than --categories is an error" {
	printf 'g\tc\nA\tx\nB\tx\nB\ty\nB\tz\n' > groups.tsv
	run --separate-stderr entropy -f c -g g --normalized --categories 2 \
	    groups.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "entropy: groups.tsv: group 'B': 3 categories seen, more than --categories 2"
	assert_output ""
}

@test "entropy: a negative or non-numeric count is an error with its line" {
	printf 'c\tn\na\t2\nb\t-1\n' > negative.tsv
	run --separate-stderr entropy -f c --counts n negative.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "entropy: negative.tsv:3: column 'n' is a negative count: '-1'"
	printf 'c\tn\na\tNaN\n' > nan-count.tsv
	run --separate-stderr entropy -f c --counts n nan-count.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "entropy: nan-count.tsv:2: column 'n' is not a finite number: 'NaN'"
}

@test "entropy: an empty category is an error naming line and column" {
	printf 'c\tn\na\t1\n\t2\n' > empty-category.tsv
	run --separate-stderr entropy -f c --counts n empty-category.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "entropy: empty-category.tsv:3: column 'c' is empty"
}

@test "entropy: a header only or an empty file is an error, not NaN" {
	printf 'c\n' > header-only.tsv
	run --separate-stderr entropy -f c header-only.tsv
	assert_failure 1
	assert_equal "$stderr" "entropy: header-only.tsv: no data rows"
	assert_output ""
	: > empty.tsv
	run --separate-stderr entropy -f 1 --no-header empty.tsv
	assert_failure 1
	assert_equal "$stderr" "entropy: empty.tsv: no data rows"
}

@test "entropy: --verbose reports rows, groups and pairs on stderr" {
	printf 'g\tc\n1\ta\n2\ta\n1\tb\n' > small.tsv
	run --separate-stderr entropy -f c -g g -v small.tsv
	assert_success
	assert_equal "$stderr" \
	    "entropy: small.tsv: 3 rows, 2 groups, 3 (group, category) pairs"
	assert_equal "${#lines[@]}" 3
}

# split_unevenly FILE N: shard-1.tsv .. shard-N.tsv, each with FILE's
# header; the first holds one row and, for three or more shards, the
# last holds none.
split_unevenly() {
	rm -f shard-*.tsv
	awk -v n="$2" 'NR == 1 { for (s = 1; s <= n; s++)
			print > ("shard-" s ".tsv"); next }
		n == 1 || NR == 2 { print > "shard-1.tsv"; next }
		{ print > ("shard-" 2 + (NR * NR) % (n > 2 ? n - 2 : 1) ".tsv") }' \
	    "$1"
}

# sorted_body: $output with its header first and the other lines sorted.
sorted_body() {
	printf '%s\n' "$output" | { IFS= read -r header
		printf '%s\n' "$header"; LC_ALL=C sort; }
}

@test "entropy: merged partials of 1, 2, 3 and 7 shards equal one pass" {
	awk 'BEGIN { srand(11); print "host\tmonth\tcluster\tweight"
		for (i = 0; i < 3000; i++)
			printf "h%d\t2024-%02d\tcluster_%d\t%d\n", i % 4,
			    1 + int(rand() * 3), int(rand() * rand() * 25),
			    1 + int(rand() * 9) }' > rows.tsv
	entropy --partial -f cluster -g month,host --counts weight \
	    -o one-pass.partial rows.tsv
	run --separate-stderr entropy -f cluster -g month,host \
	    --counts weight --normalized --miller-madow --precision 17 rows.tsv
	assert_success
	local expected shards shard
	expected=$(sorted_body)
	for shards in 1 2 3 7; do
		split_unevenly rows.tsv "$shards"
		rm -f partial-*
		for shard in shard-*.tsv; do
			entropy --partial -f cluster -g month,host \
			    --counts weight -o "partial-${shard#shard-}" "$shard"
		done
		entropy --merge --partial -o merged.partial partial-*
		cmp merged.partial one-pass.partial ||
			fail "$shards shards: the merged counts differ"
		run --separate-stderr entropy --merge --normalized \
		    --miller-madow --precision 17 partial-*
		assert_success
		assert_equal "$output" "$expected"
	done
	assert_equal "$(awk -F '\t' '$1 == "rows" { print $2 }' \
	    merged.partial)" 3000
}

@test "entropy: a partial holds every cell once, in byte order, exactly" {
	printf 'g\tc\tw\nb\ty\t2\na\tx\t0.1\nb\tx\t0\nb\ty\t1\n' > cells.tsv
	run --separate-stderr entropy --partial -f c -g g --counts w cells.tsv
	assert_success
	assert_output "model	entropy-partial	1
features	g	c
rows	4
cell	a	x	0.1
cell	b	x	0
cell	b	y	3
end	7"
	printf 'c\nb\na\nb\n' > plain.tsv
	run --separate-stderr entropy --partial -f c plain.tsv
	assert_output "model	entropy-partial	1
features	c
rows	3
cell	a	1
cell	b	2
end	6"
}

@test "entropy: --merge matches group columns by name, in any order" {
	printf 'a\tb\tc\nx\t1\tp\nx\t2\tq\ny\t1\tp\n' > first.tsv
	printf 'b\ta\tc\n1\tx\tq\n2\ty\tp\n' > second.tsv
	entropy --partial -f c -g a,b -o first.partial first.tsv
	entropy --partial -f c -g b,a -o second.partial second.tsv
	run --separate-stderr entropy --merge first.partial second.partial
	assert_success
	assert_output "a	b	n	categories	entropy
x	1	2	2	0.693147
x	2	1	1	0
y	1	1	1	0
y	2	1	1	0"
}

@test "entropy: a header-only shard's partial merges as nothing" {
	printf 'g\tc\n' > header-only.tsv
	printf 'g\tc\n1\ta\n1\tb\n2\ta\n' > rows.tsv
	entropy --partial -f c -g g -o empty.partial header-only.tsv
	run --separate-stderr cat empty.partial
	assert_output $'model\tentropy-partial\t1\nfeatures\tg\tc\nrows\t0\nend\t4'
	entropy --partial -f c -g g -o rows.partial rows.tsv
	run --separate-stderr entropy --merge empty.partial rows.partial
	assert_success
	assert_output $'g\tn\tcategories\tentropy\n1\t2\t2\t0.693147\n2\t1\t1\t0'
	run --separate-stderr entropy --merge empty.partial empty.partial
	assert_failure 1
	assert_equal "$stderr" "entropy: partials: no data rows"
	assert_output ""
}

@test "entropy: partials of other columns or kinds are refused by line" {
	printf 'g\tc\tx\n1\ta\tp\n' > rows.tsv
	entropy --partial -f c -g g -o c-by-g.partial rows.tsv
	entropy --partial -f x -g g -o x-by-g.partial rows.tsv
	entropy --partial -f c -o c.partial rows.tsv
	entropy --partial -f c -g x -o c-by-x.partial rows.tsv
	local -a pairs=(
	    "c-by-g.partial x-by-g.partial"
	    "c-by-g.partial c.partial"
	    "c-by-g.partial c-by-x.partial"
	    "c-by-g.partial rows.tsv")
	local -a messages=(
	    "x-by-g.partial:2: category column 'x', but c-by-g.partial has 'c'"
	    "c.partial:2: 0 group columns, but c-by-g.partial has 1"
	    "c-by-x.partial:2: no group column 'g', which c-by-g.partial has"
	    "rows.tsv:1: not a model file (expected 'model', kind and version on the first line)")
	local case_number
	local -a arguments
	for case_number in "${!pairs[@]}"; do
		read -r -a arguments <<< "${pairs[$case_number]}"
		run --separate-stderr entropy --merge "${arguments[@]}"
		assert_failure 1
		assert_equal "$stderr" "entropy: ${messages[$case_number]}"
		assert_output ""
	done
	printf 'x\n1\n2\n3\n' > numbers.tsv
	kl-drift --partial -o numbers.partial numbers.tsv
	run --separate-stderr entropy --merge c.partial numbers.partial
	assert_failure 1
	assert_equal "$stderr" "entropy: numbers.partial:1: a model of kind 'kl-drift-partial', expected 'entropy-partial'"
	printf 'model\tentropy-partial\t1\nfeatures\tc\nrows\t1\ncell\ta\t-1\nend\t5\n' \
	    > negative.partial
	run --separate-stderr entropy --merge negative.partial
	assert_failure 1
	assert_equal "$stderr" \
	    "entropy: negative.partial:4: cell has a negative count: '-1'"
}

@test "entropy: a partial's cell without its category is refused by line" {
	printf 'model\tentropy-partial\t1\nfeatures\tmonth\thost\tcluster\n' \
	    > short-cell.partial
	printf 'rows\t1\ncell\t2026-10\th1\nend\t5\n' >> short-cell.partial
	run --separate-stderr entropy --merge short-cell.partial
	assert_failure 1
	assert_equal "$stderr" \
	    "entropy: short-cell.partial:4: record 'cell' has 2 values, expected 4"
	assert_output ""
}

@test "entropy: a failed --partial leaves no file behind" {
	printf 'c\tn\na\t1\nb\tNaN\n' > nan-count.tsv
	run --separate-stderr entropy --partial -f c --counts n \
	    -o shard.partial nan-count.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "entropy: nan-count.tsv:3: column 'n' is not a finite number: 'NaN'"
	[ ! -e shard.partial ]
	[ -z "$(find . -name '.shard.partial*')" ]
}

@test "entropy: --partial and --merge refuse options that do not fit" {
	printf 'c\na\n' > one.tsv
	entropy --partial -f c -o one.partial one.tsv
	local -a calls=(
	    "--partial -f c --base 2 one.tsv"
	    "--partial -f c --normalized one.tsv"
	    "-f c -o out.partial one.tsv"
	    "--merge -f c one.partial"
	    "--merge --no-header one.partial"
	    "--merge"
	    "--partial one.tsv")
	local -a messages=(
	    "--partial writes counts, not entropies; --base, --normalized, --categories, --miller-madow and --precision are for the merge"
	    "--partial writes counts, not entropies; --base, --normalized, --categories, --miller-madow and --precision are for the merge"
	    "-o writes a partial file; give --partial too"
	    "--merge takes its columns from the partials; -f, --counts, -g and --no-header are for reading rows"
	    "--merge takes its columns from the partials; -f, --counts, -g and --no-header are for reading rows"
	    "--merge needs one or more partial files"
	    "-f COLUMN naming the category column is required")
	local case_number
	local -a arguments
	for case_number in "${!calls[@]}"; do
		read -r -a arguments <<< "${calls[$case_number]}"
		run --separate-stderr entropy "${arguments[@]}"
		assert_failure 2
		assert_equal "${stderr%%$'\n'*}" "entropy: ${messages[$case_number]}"
		assert_output ""
	done
}

@test "entropy: partials made by GNU parallel merge to one pass" {
	command -v parallel > /dev/null || skip "GNU parallel is not installed"
	awk 'BEGIN { srand(5); print "month\tcluster"
		for (i = 0; i < 500; i++)
			printf "m%d\tk%d\n", i % 2, int(rand() * 6) }' > rows.tsv
	run --separate-stderr entropy -f cluster -g month --base 2 rows.tsv
	local expected
	expected=$(sorted_body)
	split_unevenly rows.tsv 4
	parallel --will-cite entropy --partial -f cluster -g month \
	    -o {.}.partial {} ::: shard-*.tsv
	run --separate-stderr entropy --merge --base 2 shard-*.partial
	assert_success
	assert_equal "$output" "$expected"
}

@test "entropy: counts whose total overflows a double are refused, never inf and nan" {
	printf 'c\tn\nx\t1e308\ny\t1e308\n' > huge.tsv
	run --separate-stderr entropy -f c --counts n huge.tsv
	assert_failure 1
	assert_equal "$stderr" "entropy: huge.tsv:3: the counts of column 'n' add up to more than a double holds"
	assert_output ""
	printf 'g\tc\tn\na\tx\t1e308\nb\ty\t1e308\na\tz\t1e308\n' > grouped.tsv
	run --separate-stderr entropy -f c -g g --counts n grouped.tsv
	assert_failure 1
	assert_equal "$stderr" "entropy: grouped.tsv:4: the counts of column 'n' in group 'a' add up to more than a double holds"
	run --separate-stderr entropy --partial -f c --counts n huge.tsv
	assert_failure 1
	assert_output ""
	printf 'c\tn\nx\t1e308\n' > one.tsv
	printf 'c\tn\ny\t1e308\n' > other.tsv
	entropy --partial -f c --counts n -o one.partial one.tsv
	entropy --partial -f c --counts n -o other.partial other.tsv
	run --separate-stderr entropy --merge one.partial other.partial
	assert_failure 1
	assert_equal "$stderr" "entropy: other.partial:4: the counts of the cells add up to more than a double holds"
	assert_output ""
	run --separate-stderr entropy --merge --partial one.partial other.partial
	assert_failure 1
}

@test "entropy: a count too small beside the total to show adds 0, not NaN" {
	printf 'c\tn\nx\t1e10\ny\t1e-320\n' > tiny.tsv
	run --separate-stderr entropy -f c --counts n tiny.tsv
	assert_success
	assert_equal "${lines[1]}" $'10000000000\t2\t0'
}
