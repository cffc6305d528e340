#!/usr/bin/env bats
# pca-reduce.bats - fitting, saving, loading and projecting principal
# components, against closed forms, edge cases and a reference PCA of
# real service metrics computed with NumPy.

load test_helper

# The JumpStarter service-0 training rows as TSV with names c1..c19.
jumpstarter_train_tsv() {
	skip_without_shared data/jumpstarter-dataset2/train/service0.csv
	{
		printf 'c%d\t' $(seq 1 18)
		printf 'c19\n'
		tr ',' '\t' < "$SHARED_DIR/data/jumpstarter-dataset2/train/service0.csv"
	} > train.tsv
}

@test "pca-reduce: the sign rule makes the largest entry positive" {
	printf 'x\ty\n0\t0\n1\t1\n2\t2\n' > diagonal-3x2.tsv
	run --separate-stderr pca-reduce -n 1 -o model.tsv diagonal-3x2.tsv
	assert_success
	assert_equal "$output" $'PC1\n-1.41421\n0\n1.41421'
	run awk -F '\t' '$1 == "PC1" { print $2, $3 }
		$1 == "ratio" { print $2 }' model.tsv
	assert_equal "${lines[0]}" "1"
	read -r first second <<< "${lines[1]}"
	assert_close "$first" 0.7071067811865476 1e-15
	assert_close "$second" 0.7071067811865476 1e-15
}

@test "pca-reduce: constant data is an error, never NaN ratios" {
	printf 'a\tb\n5\t1\n5\t1\n5\t1\n' > constant-3x2.tsv
	run --separate-stderr pca-reduce constant-3x2.tsv
	assert_failure 1
	assert_equal "${stderr##*$'\n'}" \
	    "pca-reduce: total variance is zero: every selected column is constant"
	assert_equal "$output" ""
}

@test "pca-reduce: more components than min(rows - 1, columns) is an error" {
	printf 'a\tb\tc\n1\t2\t3\n2\t4\t7\n' > two-rows.tsv
	run --separate-stderr pca-reduce -n 3 two-rows.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: 3 components asked, but at most min(rows - 1, columns) = 1 is defined"
}

@test "pca-reduce: components past the numerical rank are refused" {
	printf 'a\tb\tc\n1\t2\t3\n2\t4\t6\n3\t6\t9\n5\t10\t15\n' > rank-one.tsv
	run --separate-stderr pca-reduce -n 2 rank-one.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: 2 components asked, but the data have rank 1: component 2 has no variance"
}

@test "pca-reduce: a constant column is left unscaled, named, and changes nothing" {
	printf 'x\ty\tz\n1\t7\t3\n2\t9\t3\n4\t8\t3\n3\t1\t3\n' > with-constant.tsv
	cut -f 1,2 with-constant.tsv > without-constant.tsv
	run --separate-stderr pca-reduce --standardize -n 2 without-constant.tsv
	assert_success
	local expected="$output"
	run --separate-stderr pca-reduce --standardize -n 2 with-constant.tsv
	assert_success
	assert_equal "$output" "$expected"
	assert_equal "$stderr" "pca-reduce: column 'z' is constant; it adds nothing to the components and is left unscaled"
}

@test "pca-reduce: --variance keeps the fewest components reaching the share" {
	awk 'BEGIN { srand(7); print "a\tb\tc"
		for (i = 0; i < 200; i++) { t = rand() * 10
			print t "\t" 2 * t + rand() * 0.1 "\t" rand() } }' > near-line.tsv
	run --separate-stderr pca-reduce --variance 0.9 near-line.tsv
	assert_success
	assert_equal "${lines[0]}" "PC1"
	run --separate-stderr pca-reduce --variance 0.9999 near-line.tsv
	assert_success
	assert_equal "${lines[0]}" $'PC1\tPC2'
}

@test "pca-reduce: a saved model projects rows exactly as the fit did" {
	awk 'BEGIN { srand(3); print "host\ta\tb\tc"
		for (i = 0; i < 500; i++)
			print "h" i "\t" rand() "\t" rand() * 3 "\t" rand() + i % 5 }' \
	    > hosts-500x3.tsv
	run --separate-stderr pca-reduce --standardize -n 3 --keep host \
	    --precision 17 -o model.tsv hosts-500x3.tsv
	assert_success
	local fitted="$output"
	run --separate-stderr pca-reduce -m model.tsv --keep host \
	    --precision 17 hosts-500x3.tsv
	assert_success
	assert_equal "$output" "$fitted"
}

@test "pca-reduce: -m matches columns by name in any order" {
	printf 'a\tb\tc\n1\t5\t2\n2\t3\t3\n4\t4\t1\n3\t0\t7\n' > abc.tsv
	pca-reduce -n 2 --fit-only -o model.tsv abc.tsv
	run pca-reduce -m model.tsv abc.tsv
	local expected="$output"
	awk -F '\t' -v OFS='\t' '{ print $3, $1, $2 }' abc.tsv > cab.tsv
	run --separate-stderr pca-reduce -m model.tsv cab.tsv
	assert_success
	assert_equal "$output" "$expected"
}

@test "pca-reduce: -m with a missing column names it and the model" {
	printf 'a\tb\tc\n1\t5\t2\n2\t3\t3\n4\t4\t1\n3\t0\t7\n' > abc.tsv
	pca-reduce -n 2 --fit-only -o model.tsv abc.tsv
	cut -f 1,3 abc.tsv > ac.tsv
	run --separate-stderr pca-reduce -m model.tsv ac.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "pca-reduce: ac.tsv:1: no column 'b', which the model model.tsv needs"
}

@test "pca-reduce: -m -n J projects on the first J components only" {
	printf 'a\tb\tc\n1\t5\t2\n2\t3\t3\n4\t4\t1\n3\t0\t7\n' > abc.tsv
	pca-reduce -n 3 --fit-only -o model.tsv abc.tsv
	run --separate-stderr pca-reduce -m model.tsv -n 1 abc.tsv
	assert_success
	assert_equal "${lines[0]}" "PC1"
	run --separate-stderr pca-reduce -m model.tsv -n 4 abc.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "pca-reduce: 4 components asked, but the model model.tsv has 3"
}

@test "pca-reduce: -m writes every row before a bad one, then fails" {
	awk 'BEGIN { print "id\tx\ty"; for (i = 1; i <= 5000; i++)
		printf "r%d\t%d\t%d\n", i, i % 17, (i * i) % 23 }' > good.tsv
	pca-reduce -n 2 --keep id --fit-only -o good.model good.tsv
	{ cat good.tsv; printf 'bad\t1\tx\n'; } > late.tsv
	run --separate-stderr pca-reduce -m good.model --keep id good.tsv
	assert_success
	local expected="$output"
	run --separate-stderr pca-reduce -m good.model --keep id late.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: late.tsv:5002: column 'y' is not a number: 'x'"
	assert_equal "$output" "$expected"
}

@test "pca-reduce: a header-only input to -m gives the header alone" {
	printf 'a\tb\n1\t2\n2\t1\n3\t3\n' > ab.tsv
	pca-reduce -n 1 --fit-only -o model.tsv ab.tsv
	printf 'b\ta\tid\n' > header-only.tsv
	run --separate-stderr pca-reduce -m model.tsv --keep id header-only.tsv
	assert_success
	assert_equal "$output" $'id\tPC1'
}

@test "pca-reduce: the model file names its kind, version and features" {
	printf 'a\tb\tc\n1\t5\t2\n2\t3\t3\n4\t4\t1\n3\t0\t7\n' > abc.tsv
	pca-reduce -f c,a -n 2 --fit-only -o model.tsv abc.tsv
	run awk -F '\t' '{ print $1 "=" NF }' model.tsv
	assert_output "model=3
features=3
rows=2
standardized=2
sign_rule=2
mean=3
scale=3
eigenvalue=3
ratio=3
PC1=3
PC2=3
end=2"
	run awk -F '\t' 'NR <= 2' model.tsv
	assert_output $'model\tpca\t1\nfeatures\tc\ta'
	run tail -n 1 model.tsv
	assert_output $'end\t12'
}

@test "pca-reduce: a model of the wrong kind or truncated is refused" {
	printf 'model\tkmeans\t1\nfeatures\ta\tb\n' > kmeans-model.tsv
	printf 'a\tb\n1\t2\n' > ab.tsv
	run --separate-stderr pca-reduce -m kmeans-model.tsv ab.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "pca-reduce: kmeans-model.tsv:1: a model of kind 'kmeans', expected 'pca'"
	printf 'a\tb\n1\t2\n2\t1\n3\t3\n' > ab.tsv
	pca-reduce -n 1 --fit-only -o model.tsv ab.tsv
	head -n 5 model.tsv > truncated.tsv
	run --separate-stderr pca-reduce -m truncated.tsv ab.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: truncated.tsv:5: the model is cut short: its last line is not the 'end' record"
	# Cut inside the last line, the end record's count no longer fits.
	head -c -2 model.tsv > cut.tsv
	run --separate-stderr pca-reduce -m cut.tsv ab.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: cut.tsv:11: the 'end' record should give the number of lines, 11"
	# Whole records missing, with an end record made to fit.
	grep -v '^mean' model.tsv | awk -F '\t' -v OFS='\t' \
	    '$1 == "end" { $2 = NR } { print }' > no-mean.tsv
	run --separate-stderr pca-reduce -m no-mean.tsv ab.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: no-mean.tsv: model has no 'mean' record (truncated or damaged file?)"
	{ cat model.tsv; printf 'PC1\t1\t0\n'; } > extra.tsv
	run --separate-stderr pca-reduce -m extra.tsv ab.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: extra.tsv:12: a record after the 'end' record"
	printf 'model\tpca\t9\nfeatures\ta\n' > future.tsv
	run --separate-stderr pca-reduce -m future.tsv ab.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: future.tsv:1: format version '9' is not one this program reads (1 to 1)"
}

@test "pca-reduce: a failed fit leaves the previous model untouched" {
	printf 'a\tb\n1\t2\n2\t1\n3\t3\n' > ab.tsv
	pca-reduce -n 1 --fit-only -o model.tsv ab.tsv
	cp model.tsv before.tsv
	printf 'a\tb\n1\t2\n2\tx\n' > bad.tsv
	run --separate-stderr pca-reduce -n 1 --fit-only -o model.tsv bad.tsv
	assert_failure 1
	cmp model.tsv before.tsv
	run ls -A
	refute_output --partial ".model.tsv."
}

@test "pca-reduce: -v prints the explained-variance table on stderr" {
	printf 'x\ty\n0\t0\n1\t1\n2\t2\n' > diagonal-3x2.tsv
	run --separate-stderr pca-reduce -v -n 1 diagonal-3x2.tsv
	assert_success
	assert_equal "$stderr" "pca-reduce: 3 rows, 2 columns
pca-reduce: component	eigenvalue	ratio	cumulative
pca-reduce: PC1	2	1.000000	1.000000	kept
pca-reduce: PC2	0	0.000000	1.000000"
}

@test "pca-reduce: option conflicts are usage errors" {
	run --separate-stderr pca-reduce -n 2 --variance 0.5
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "pca-reduce: -n and --variance cannot be used together"
	run --separate-stderr pca-reduce --fit-only
	assert_failure 2
	run --separate-stderr pca-reduce -m m.tsv --standardize
	assert_failure 2
	run --separate-stderr pca-reduce a.tsv b.tsv
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" \
	    "pca-reduce: at most one input file, got 2"
}

@test "pca-reduce: same bytes with one and two BLAS threads" {
	awk 'BEGIN { srand(5); print "a\tb\tc\td"
		for (i = 0; i < 3000; i++) print rand() "\t" rand() * 2 "\t" \
		    rand() + i % 3 "\t" rand() * rand() }' > four.tsv
	OPENBLAS_NUM_THREADS=1 pca-reduce --standardize -n 3 -o one.tsv \
	    --precision 17 four.tsv > one.out
	OPENBLAS_NUM_THREADS=2 pca-reduce --standardize -n 3 -o two.tsv \
	    --precision 17 four.tsv > two.out
	cmp one.tsv two.tsv
	cmp one.out two.out
}

@test "pca-reduce: reference PCA of real service metrics (ratios, loadings)" {
	jumpstarter_train_tsv
	# Column c3 is constant, so the data have rank 18.
	run --separate-stderr pca-reduce --standardize -n 18 --fit-only \
	    -o model.tsv train.tsv
	assert_success
	local reference="$SHARED_DIR/reference/real/jumpstarter2-service0-pca.tsv"
	# Compare every ratio within 1e-9 and every loading within 1e-7
	# (the constant column's loadings must be below 1e-12).
	run awk -F '\t' '
		FNR == NR { if (FNR > 1) { ratio[FNR - 1] = $3
			for (j = 4; j <= NF; j++) load[FNR - 1, j - 3] = $j }
			next }
		$1 == "ratio" { for (i = 2; i <= NF; i++) {
			d = $i - ratio[i - 1]; if (d < 0) d = -d
			if (d > 1e-9) { print "ratio", i - 1, $i; bad = 1 } } }
		$1 ~ /^PC[0-9]+$/ { c = substr($1, 3)
			for (j = 2; j <= NF; j++) {
				v = $j; if (v < 0) v = -v
				if (j == 4) { if (v >= 1e-12) { print "c3", $j; bad = 1 }
					continue }
				d = $j - load[c, j - 1]; if (d < 0) d = -d
				if (d > 1e-7) { print $1, j - 1, $j; bad = 1 } }
			n++ }
		END { if (n != 18) { print "components", n; bad = 1 }
			exit bad }' "$reference" model.tsv
	assert_success
}

@test "pca-reduce: reference scores of the first real rows" {
	jumpstarter_train_tsv
	run --separate-stderr pca-reduce --standardize -n 2 --precision 17 \
	    train.tsv
	assert_success
	local row expected_pc1 expected_pc2 scores
	while IFS=$'\t' read -r row expected_pc1 expected_pc2; do
		[ "$row" = row ] && continue
		scores="${lines[$row]}"
		assert_close "${scores%%$'\t'*}" "$expected_pc1" 1e-8
		assert_close "${scores##*$'\t'}" "$expected_pc2" 1e-8
	done < "$SHARED_DIR/reference/real/jumpstarter2-service0-scores-head.tsv"
}

# relative_difference A B: the largest |a - b| / max(|a|, |b|, 1e-300)
# over the numeric fields of two model files, record by record.
max_relative_difference() {
	awk -F '\t' 'FNR == NR { for (i = 2; i <= NF; i++) v[FNR, i] = $i
		next }
		{ for (i = 2; i <= NF; i++) {
			a = v[FNR, i] + 0; b = $i + 0
			if (v[FNR, i] !~ /^[-+0-9.eE]+$/) continue
			d = a - b; if (d < 0) d = -d
			s = a < 0 ? -a : a; t = b < 0 ? -b : b
			if (t > s) s = t
			if (s < 1e-300) s = 1e-300
			if (d / s > worst) worst = d / s } }
		END { printf "%.3g\n", worst + 0 }' "$1" "$2"
}

@test "pca-reduce: merged partials of 1, 2, 3 and 7 shards equal one pass" {
	awk 'BEGIN { srand(17); print "id\ta\tb\tc\td"
		for (i = 1; i <= 1000; i++) { t = rand()
			print "r" i "\t" 4 * t + rand() "\t" 2 * t - rand() * 0.5 \
			    "\t" rand() * 3 "\t" t * t + rand() * 0.1 } }' > rows.tsv
	pca-reduce --standardize -n 4 --keep id --fit-only -o one-pass.tsv \
	    rows.tsv
	local shards
	for shards in 1 2 3 7; do
		rm -f shard-*.tsv partial-*.tsv
		# Uneven shards: the first holds one row and, with three or
		# more, the last none.
		awk -v n="$shards" 'NR == 1 { header = $0
			for (s = 1; s <= n; s++) print header > ("shard-" s ".tsv")
			next }
			n == 1 { print > "shard-1.tsv"; next }
			NR == 2 { print > "shard-1.tsv"; next }
			{ s = 2 + (NR * NR) % (n > 2 ? n - 2 : 1)
			  print > ("shard-" s ".tsv") }' rows.tsv
		for shard in shard-*.tsv; do
			pca-reduce --partial --keep id -o "partial-${shard#shard-}" \
			    "$shard"
		done
		run --separate-stderr pca-reduce --merge --standardize -n 4 \
		    -o merged.tsv partial-*.tsv
		assert_success
		run max_relative_difference one-pass.tsv merged.tsv
		awk -v d="$output" 'BEGIN { exit !(d <= 1e-12) }' ||
			fail "$shards shards: relative difference $output"
		run awk -F '\t' '$1 == "rows" { print $2 }' merged.tsv
		assert_output 1000
	done
}

@test "pca-reduce: a partial of an empty shard merges as nothing" {
	printf 'a\tb\n' > empty-shard.tsv
	run --separate-stderr pca-reduce --partial empty-shard.tsv
	assert_success
	assert_line --index 2 $'count\t0'
	printf 'a\tb\n1\t2\n2\t1\n3\t3\n' > ab.tsv
	pca-reduce --partial -o whole.tsv ab.tsv
	pca-reduce --partial -o empty.tsv empty-shard.tsv
	pca-reduce --merge -n 1 -o with-empty.tsv empty.tsv whole.tsv
	pca-reduce --merge -n 1 -o alone.tsv whole.tsv
	cmp with-empty.tsv alone.tsv
}

@test "pca-reduce: a partial with a negative sum of squares is refused by line" {
	printf 'a\tb\n1\t2\n2\t1\n3\t3\n' > ab.tsv
	pca-reduce --partial -o ab.partial ab.tsv
	sed 's/^comoment\t1\t2$/comoment\t1\t-2/' ab.partial > bad.partial
	run --separate-stderr pca-reduce --merge -o m.tsv ab.partial bad.partial
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: bad.partial:8: value 2 of record 'comoment' is -2, but it cannot be negative"
	[ ! -e m.tsv ]
	# The matrix must be symmetric to the bit.
	sed 's/^comoment\t1\t2$/comoment\t-1\t2/' ab.partial > off.partial
	run --separate-stderr pca-reduce --merge -o m.tsv off.partial
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: off.partial:8: the co-moment matrix is not symmetric: entries (1, 2) and (2, 1) differ"
}

@test "pca-reduce: partials with other columns are refused" {
	printf 'a\tb\n1\t2\n2\t1\n3\t3\n' > ab.tsv
	printf 'a\tc\n1\t2\n2\t1\n3\t3\n' > ac.tsv
	pca-reduce --partial -o ab.partial ab.tsv
	pca-reduce --partial -o ac.partial ac.tsv
	run --separate-stderr pca-reduce --merge -o m.tsv ab.partial ac.partial
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: ac.partial:2: column 2 is 'c', but the partials before it have 'b'"
	run --separate-stderr pca-reduce --merge -o m.tsv ab.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: ab.tsv:1: not a model file (expected 'model', kind and version on the first line)"
}

@test "pca-reduce: a variance that overflows is refused, naming the input and column" {
	printf 'a\tb\n1\t1e200\n3\t-1e200\n4\t1e200\n' > wide.tsv
	run --separate-stderr pca-reduce -n 1 wide.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: wide.tsv: column 'b' varies too widely: its sum of squared deviations overflows a double"
	assert_output ""
	printf 'a\tb\n1\t1e308\n3\t-1e308\n4\t1\n' > widest.tsv
	run --separate-stderr pca-reduce -n 1 --standardize widest.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: widest.tsv: column 'b' varies too widely: its sum of squared deviations overflows a double"
	run --separate-stderr pca-reduce --partial widest.tsv
	assert_failure 1
	assert_output ""
	# Each shard is fine on its own; merged, the spread overflows.
	printf 'a\tb\n1\t1.7e308\n2\t1.7e308\n' > high.tsv
	printf 'a\tb\n1\t-1.7e308\n2\t-1.7e308\n' > low.tsv
	pca-reduce --partial -o high.partial high.tsv
	pca-reduce --partial -o low.partial low.tsv
	run --separate-stderr pca-reduce --merge -o merged.model high.partial \
	    low.partial
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: partials: column 'b' varies too widely: its sum of squared deviations overflows a double"
	[ ! -e merged.model ]
}

@test "pca-reduce: a constant column past 1e154 is still constant, not an overflow" {
	printf 'a\tb\n1\t1e200\n2\t1e200\n4\t1e200\n' > big-constant.tsv
	run --separate-stderr pca-reduce -n 1 big-constant.tsv
	assert_success
	assert_equal "$stderr" "pca-reduce: column 'b' is constant; it adds nothing to the components"
	assert_equal "${lines[1]}" "-1.33333"
}

@test "pca-reduce: --standardize refuses a column whose variance underflows" {
	printf 'a\tb\n1\t1e-300\n3\t-1e-300\n4\t1e-300\n' > narrow.tsv
	run --separate-stderr pca-reduce -n 1 --standardize narrow.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: narrow.tsv: --standardize: column 'b' varies too little: its variance underflows a double, so dividing by its standard deviation is not finite"
	assert_output ""
}

@test "pca-reduce: a spread that underflows is not called constant" {
	printf 'a\n4.9e-324\n0\n4.9e-324\n' > subnormal.tsv
	run --separate-stderr pca-reduce -n 1 subnormal.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: total variance is zero in double precision: every selected column is constant or its variance underflows (column 'a' is not constant)"
	assert_output ""
}

@test "pca-reduce: projected scores that overflow are refused, naming the row" {
	printf 'a\tb\n1\t2\n2\t1\n3\t3\n' > ab.tsv
	pca-reduce -n 1 --fit-only -o ab.model ab.tsv
	printf 'a\tb\n1\t2\n1.7e308\t1.7e308\n' > far.tsv
	run --separate-stderr pca-reduce -m ab.model far.tsv
	assert_failure 1
	assert_equal "$stderr" "pca-reduce: far.tsv:3: the score on PC1 overflows a double: the row is too far from the model's mean"
}
