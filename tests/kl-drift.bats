#!/usr/bin/env bats
# kl-drift.bats - D(current || reference) by every estimator: closed
# forms, the real reference values, infinities said out loud, the
# zero-distance rule of knn, permutations and the errors.

load test_helper

# normal_sample SEED N MEAN1 MEAN2 VAR1 COV12 VAR2: N rows of a
# bivariate normal with that mean and covariance, columns x and y, by
# Box-Muller from awk's generator and the Cholesky factor of the
# covariance.
normal_sample() {
	awk -v seed="$1" -v n="$2" -v m1="$3" -v m2="$4" -v v1="$5" \
	    -v c12="$6" -v v2="$7" 'BEGIN {
		srand(seed); pi = atan2(0, -1)
		l11 = sqrt(v1); l21 = c12 / l11; l22 = sqrt(v2 - l21 * l21)
		print "x\ty"
		for (i = 0; i < n; i++) {
			r = sqrt(-2 * log(1 - rand())); t = 2 * pi * rand()
			z1 = r * cos(t); z2 = r * sin(t)
			printf "%.10g\t%.10g\n", m1 + l11 * z1,
			    m2 + l21 * z1 + l22 * z2
		} }'
}

# normal_kl MEAN_P(2) COV_P(3) MEAN_Q(2) COV_Q(3): the closed form
# D(p || q) of two bivariate normals.
normal_kl() {
	awk -v a1="$1" -v a2="$2" -v p11="$3" -v p12="$4" -v p22="$5" \
	    -v b1="$6" -v b2="$7" -v q11="$8" -v q12="$9" -v q22="${10}" \
	    'BEGIN {
		dq = q11 * q22 - q12 * q12; dp = p11 * p22 - p12 * p12
		i11 = q22 / dq; i22 = q11 / dq; i12 = -q12 / dq
		d1 = a1 - b1; d2 = a2 - b2
		trace = i11 * p11 + 2 * i12 * p12 + i22 * p22
		quad = i11 * d1 * d1 + 2 * i12 * d1 * d2 + i22 * d2 * d2
		printf "%.17g", 0.5 * (trace + quad - 2 + log(dq) - log(dp)) }'
}

# real_scores: the service-0 train and test rows of the shared data,
# projected on the first two components of a standardised PCA fitted on
# train, at full precision, as reference.tsv and current.tsv.
real_scores() {
	local data="$SHARED_DIR/data/jumpstarter-dataset2" set
	for set in train test; do
		{ seq -s "$(printf '\t')" -f 'c%g' 1 19
		  tr ',' '\t' < "$data/$set/service0.csv"; } > "$set.tsv"
	done
	pca-reduce --standardize -n 2 -o pca.model --fit-only train.tsv \
	    2> /dev/null
	pca-reduce -m pca.model --precision 17 train.tsv > reference.tsv
	pca-reduce -m pca.model --precision 17 test.tsv > current.tsv
}

# reference_value METHOD: a value of the shared KL reference table.
reference_value() {
	awk -F '\t' -v m="$1" '$3 == m { print $4 }' \
	    "$SHARED_DIR/reference/real/jumpstarter2-service0-kl.tsv"
}

@test "kl-drift: counts (4,0) against (3,1) give ln(1/0.75)" {
	printf 'c\tn\nx\t3\ny\t1\n' > a.tsv
	printf 'c\tn\nx\t4\ny\t0\n' > b.tsv
	run --separate-stderr kl-drift --counts n --category c a.tsv b.tsv
	assert_success
	assert_output $'method\talpha\tn_reference\tn_current\tdimensions\tkl\ncounts\t0\t4\t4\t2\t0.287682'
	assert_equal "$stderr" ""
}

@test "kl-drift: a category only in current gives inf, said on stderr" {
	printf 'c\tn\nx\t3\ny\t1\n' > a.tsv
	printf 'c\tn\nx\t4\ny\t0\n' > b.tsv
	run --separate-stderr kl-drift --counts n --category c b.tsv a.tsv
	assert_success
	assert_equal "$(field kl)" inf
	assert_equal "$stderr" "kl-drift: kl is infinite: category 'y' has current observations and no reference ones"
}

@test "kl-drift: --symmetric prints both directions and their sum" {
	printf 'c\tn\nx\t3\ny\t1\n' > a.tsv
	printf 'c\tn\nx\t4\ny\t0\n' > b.tsv
	run --separate-stderr kl-drift --counts n --category c --symmetric \
	    a.tsv b.tsv
	assert_success
	assert_equal "$(field kl)" 0.287682
	assert_equal "$(field kl_reverse)" inf
	assert_equal "$(field kl_symmetric)" inf
	assert_equal "$stderr" "kl-drift: kl_reverse is infinite: category 'y' has reference observations and no current ones"
	printf 'c\tn\nx\t1\ny\t1\n' > even.tsv
	run --separate-stderr kl-drift --counts n --category c --symmetric \
	    --precision 15 even.tsv a.tsv
	# J = sum (p - q) ln(p / q) = 0.25 ln 1.5 + 0.25 ln 2 = 0.25 ln 3
	assert_close "$(field kl_symmetric)" \
	    "$(awk 'BEGIN { printf "%.17g", 0.25 * log(3) }')" 1e-12 relative
}

@test "kl-drift: probabilities (1,0,0) against (.5,.25,.25) give ln 2" {
	printf 'p\n1\n0\n0\n' > p.tsv
	printf 'p\n0.5\n0.25\n0.25\n' > q.tsv
	run --separate-stderr kl-drift --counts p --probabilities q.tsv p.tsv
	assert_success
	assert_equal "$(field kl)" 0.693147
	assert_equal "$(field n_current)" 3
}

@test "kl-drift: categories are matched by name, in any order" {
	printf 'c\tn\nx\t3\ny\t1\n' > a.tsv
	printf 'c\tn\nz\t0\ny\t0\nx\t4\n' > b.tsv
	run --separate-stderr kl-drift --counts n --category c a.tsv b.tsv
	assert_success
	assert_equal "$(field kl)" 0.287682
	assert_equal "$(field dimensions)" 3
}

@test "kl-drift: probabilities that do not sum to 1 are an error" {
	printf 'p\n0.5\n0.5\n' > half.tsv
	printf 'p\n0.4\n0.4\n' > short.tsv
	run --separate-stderr kl-drift --counts p --probabilities half.tsv \
	    short.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: short.tsv: column 'p' sums to 0.8, not 1, and --probabilities are not renormalised"
	assert_output ""
	printf 'p\n1.7\n-0.7\n' > above.tsv
	run --separate-stderr kl-drift --counts p --probabilities half.tsv \
	    above.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "kl-drift: above.tsv:2: column 'p' is not a probability: '1.7'"
}

@test "kl-drift: --alpha adds a pseudo-count to every cell and is echoed" {
	printf 'c\tn\nx\t3\ny\t1\n' > a.tsv
	printf 'c\tn\nx\t4\ny\t0\n' > b.tsv
	run --separate-stderr kl-drift --counts n --category c --alpha 1 \
	    --precision 15 b.tsv a.tsv
	assert_success
	assert_equal "$(field alpha)" 1
	# p = (4, 2) / 6, q = (5, 1) / 6
	assert_close "$(field kl)" "$(awk 'BEGIN { printf "%.17g",
	    4/6 * log(4/5) + 2/6 * log(2) }')" 1e-12 relative
	assert_equal "$stderr" ""
}

@test "kl-drift: --js of counts is the Jensen-Shannon divergence" {
	printf 'n\n1\n0\n' > left.tsv
	printf 'n\n0\n1\n' > right.tsv
	run --separate-stderr kl-drift --counts n --js --precision 15 \
	    left.tsv right.tsv
	assert_success
	assert_equal "$(field kl)" inf
	assert_close "$(field js)" 0.693147180559945 1e-12 relative
	printf 'n\n3\n1\n' > a.tsv
	printf 'n\n1\n1\n' > b.tsv
	run --separate-stderr kl-drift --counts n --js --precision 15 \
	    a.tsv b.tsv
	assert_close "$(field js)" "$(awk 'BEGIN { m1 = 0.625; m2 = 0.375
	    to_b = 0.5 * log(0.5 / m1) + 0.5 * log(0.5 / m2)
	    to_a = 0.75 * log(0.75 / m1) + 0.25 * log(0.25 / m2)
	    printf "%.17g", 0.5 * to_b + 0.5 * to_a }')" 1e-12 relative
}

@test "kl-drift: --counts without --category matches rows by position" {
	printf 'n\n3\n1\n' > a.tsv
	printf 'n\n4\n0\n1\n' > longer.tsv
	run --separate-stderr kl-drift --counts n a.tsv longer.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: longer.tsv: 3 rows where a.tsv has 2; without --category rows are matched by position"
	printf 'n\n4\n0\n' > b.tsv
	run --separate-stderr kl-drift --counts n b.tsv a.tsv
	assert_equal "$stderr" "kl-drift: kl is infinite: category 'row 2' has current observations and no reference ones"
}

@test "kl-drift: an empty current sample is an error naming the file" {
	printf 'x\n1\n2\n3\n' > reference.tsv
	printf 'x\n' > current.tsv
	local method
	for method in gauss hist knn; do
		run --separate-stderr kl-drift --method "$method" \
		    reference.tsv current.tsv
		assert_failure 1
		assert_equal "$stderr" "kl-drift: current.tsv: no data rows"
		assert_output ""
	done
	printf 'n\n' > no-counts.tsv
	run --separate-stderr kl-drift --counts n no-counts.tsv no-counts.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: no-counts.tsv: no data rows"
}

@test "kl-drift: a column constant in both samples adds nothing" {
	normal_sample 5 400 0 0 1 0.3 1 > plain-ref.tsv
	normal_sample 6 300 0.5 0 1 0 2 > plain-cur.tsv
	awk -F '\t' -v OFS='\t' '{ print $1, (NR == 1 ? "idle" : "0.0"), $2 }' \
	    plain-ref.tsv > const-ref.tsv
	awk -F '\t' -v OFS='\t' '{ print $1, (NR == 1 ? "idle" : 0), $2 }' \
	    plain-cur.tsv > const-cur.tsv
	local method plain
	for method in gauss hist knn; do
		run --separate-stderr kl-drift --method "$method" \
		    --precision 15 plain-ref.tsv plain-cur.tsv
		assert_success
		plain="$output"
		run --separate-stderr kl-drift --method "$method" \
		    --precision 15 const-ref.tsv const-cur.tsv
		assert_success
		assert_equal "$output" "$plain"
		assert_equal "$(field dimensions)" 2
	done
}

@test "kl-drift: identical samples give exactly 0 for gauss and hist" {
	normal_sample 8 500 1 2 1 0.5 2 > sample.tsv
	awk -F '\t' -v OFS='\t' '{ print $0, (NR == 1 ? "zero" : 0) }' \
	    sample.tsv > with-zero.tsv
	run --separate-stderr kl-drift --method gauss --symmetric \
	    with-zero.tsv with-zero.tsv
	assert_success
	assert_equal "$(field kl)" 0
	assert_equal "$(field kl_reverse)" 0
	run --separate-stderr kl-drift --method hist --js with-zero.tsv \
	    with-zero.tsv
	assert_equal "$(field kl)" 0
	assert_equal "$(field js)" 0
	printf 'x\n0\n0\n' > point.tsv
	run --separate-stderr kl-drift --method knn -k 1 point.tsv point.tsv
	assert_success
	assert_equal "$(field kl)" 0
	assert_equal "$(field dimensions)" 0
}

@test "kl-drift: real data, gauss matches the reference within 1e-9" {
	skip_without_shared reference/real/jumpstarter2-service0-kl.tsv
	skip_without_shared data/jumpstarter-dataset2/test/service0.csv
	real_scores
	run --separate-stderr kl-drift --precision 17 reference.tsv current.tsv
	assert_success
	assert_equal "$(field method)" gauss
	assert_equal "$(field n_reference)" 5760
	assert_equal "$(field n_current)" 7200
	assert_close "$(field kl)" "$(reference_value gauss)" 1e-9 relative
}

@test "kl-drift: real data, hist with 20 bins and alpha 0.5 matches" {
	skip_without_shared reference/real/jumpstarter2-service0-kl.tsv
	skip_without_shared data/jumpstarter-dataset2/test/service0.csv
	real_scores
	run --separate-stderr kl-drift --method hist --bins 20 --alpha 0.5 \
	    --precision 17 reference.tsv current.tsv
	assert_success
	assert_close "$(field kl)" "$(reference_value hist20_alpha0.5)" \
	    1e-9 relative
}

@test "kl-drift: real data, knn with repeated rows dropped matches" {
	skip_without_shared reference/real/jumpstarter2-service0-kl.tsv
	skip_without_shared data/jumpstarter-dataset2/test/service0.csv
	real_scores
	local k
	for k in 1 5; do
		run --separate-stderr kl-drift --method knn -k "$k" --unique \
		    --precision 17 reference.tsv current.tsv
		assert_success
		assert_close "$(field kl)" \
		    "$(reference_value "knn${k}_unique_rows")" 1e-9 relative
	done
}

@test "kl-drift: real data, knn on repeated rows stops and says why" {
	skip_without_shared data/jumpstarter-dataset2/test/service0.csv
	real_scores
	run --separate-stderr kl-drift --method knn -k 1 reference.tsv \
	    current.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: knn: 10 rows of current.tsv have 1 or more identical rows in current.tsv (distance 0), so the estimate is undefined; --unique drops repeated rows"
	assert_output ""
}

@test "kl-drift: 50000-point normals, gauss and knn within 0.05 of exact" {
	normal_sample 7 50000 0 0 1.5 0.4 1.2 > reference.tsv
	normal_sample 11 50000 0.5 0.3 1 0.3 0.8 > current.tsv
	local forward backward method
	forward=$(normal_kl 0.5 0.3 1 0.3 0.8 0 0 1.5 0.4 1.2)
	backward=$(normal_kl 0 0 1.5 0.4 1.2 0.5 0.3 1 0.3 0.8)
	for method in gauss knn; do
		run --separate-stderr kl-drift --method "$method" --symmetric \
		    reference.tsv current.tsv
		assert_success
		assert_close "$(field kl)" "$forward" 0.05
		assert_close "$(field kl_reverse)" "$backward" 0.05
	done
}

@test "kl-drift: hist bins follow the pooled range, edges as NumPy's" {
	# Pooled range [0, 4], 2 bins: [0, 2) and [2, 4]; 2 goes right.
	printf 'x\n0\n1\n2\n' > reference.tsv
	printf 'x\n2\n3\n4\n4\n' > current.tsv
	run --separate-stderr kl-drift --method hist --bins 2 --alpha 0.5 \
	    --precision 15 reference.tsv current.tsv
	assert_success
	assert_equal "$(field bins)" 2
	# counts: reference (2, 1), current (0, 4); p = (.5, 4.5) / 5,
	# q = (2.5, 1.5) / 4
	assert_close "$(field kl)" "$(awk 'BEGIN { printf "%.17g",
	    0.1 * log(0.1 / 0.625) + 0.9 * log(0.9 / 0.375) }')" 1e-12 relative
}

@test "kl-drift: hist with millions of bins counts only occupied cells" {
	printf 'x\ty\n0\t0\n1\t1\n1\t1\n' > reference.tsv
	printf 'x\ty\n0\t0\n0\t0\n1\t1\n' > current.tsv
	# 3000^2 = 9 million cells, 2 of them occupied
	run --separate-stderr kl-drift --method hist --bins 3000 \
	    --precision 15 reference.tsv current.tsv
	assert_success
	# p = (2/3, 1/3), q = (1/3, 2/3): (1/3) ln 2
	assert_close "$(field kl)" 0.231049060186648 1e-12 relative
}

@test "kl-drift: hist without --alpha gives inf for a bin new in current" {
	printf 'x\n0\n1\n' > reference.tsv
	printf 'x\n0\n9\n' > current.tsv
	run --separate-stderr kl-drift --method hist --bins 3 reference.tsv \
	    current.tsv
	assert_success
	assert_equal "$(field kl)" inf
	assert_equal "$(field alpha)" 0
	assert_equal "$stderr" \
	    "kl-drift: kl is infinite: 1 bin holds current rows and no reference rows"
}

@test "kl-drift: gauss with one singular covariance is inf, both an error" {
	printf 'x\ty\n0\t1\n1\t0\n2\t3\n3\t1\n' > spread.tsv
	printf 'x\ty\n0\t0\n1\t1\n2\t2\n' > line.tsv
	run --separate-stderr kl-drift spread.tsv line.tsv
	assert_success
	assert_equal "$(field kl)" inf
	assert_equal "$stderr" "kl-drift: kl is infinite: the covariance of line.tsv is singular (a column constant or collinear with others) and that of spread.tsv is not"
	run --separate-stderr kl-drift line.tsv line.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: gauss: the covariances of line.tsv and line.tsv are both singular (a column constant or collinear with others in each); select independent columns with -f"
	printf 'x\ty\n0\t1\n1\t1\n' > one.tsv
	printf 'x\ty\n0\t2\n1\t2\n' > two.tsv
	run --separate-stderr kl-drift one.tsv two.tsv
	assert_success
	assert_equal "$stderr" "kl-drift: kl is infinite: column 'y' is constant in both samples, at different values"
}

@test "kl-drift: knn stops on rows repeated across the samples" {
	printf 'x\ty\n0\t0\n1\t0\n0\t1\n' > reference.tsv
	printf 'x\ty\n0\t0\n2\t2\n3\t1\n' > current.tsv
	run --separate-stderr kl-drift --method knn -k 1 reference.tsv \
	    current.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: knn: 1 rows of current.tsv have 1 or more identical rows in reference.tsv (distance 0), so the estimate is undefined"
}

@test "kl-drift: knn on a small sample matches a direct computation" {
	printf 'x\n0\n1\n3\n' > reference.tsv
	printf 'x\n0.5\n2\n2.5\n' > current.tsv
	run --separate-stderr kl-drift --method knn -k 1 --precision 15 \
	    reference.tsv current.tsv
	assert_success
	# rho: 1.5, 0.5, 0.5; nu: 0.5, 1, 0.5; d = 1, n = m = 3
	assert_close "$(field kl)" "$(awk 'BEGIN {
	    sum = log(0.5 / 1.5) + log(1 / 0.5) + log(0.5 / 0.5)
	    printf "%.17g", sum / 3 + log(3 / 2) }')" 1e-12 relative
	run --separate-stderr kl-drift --method knn -k 3 reference.tsv \
	    current.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "kl-drift: current.tsv: knn with -k 3 needs at least 4 rows, got 3"
}

@test "kl-drift: permutations give the same bytes for the same seed" {
	normal_sample 21 300 0 0 1 0 1 > reference.tsv
	normal_sample 22 300 0.1 0 1 0 1 > current.tsv
	local method first
	for method in gauss hist knn; do
		run --separate-stderr kl-drift --method "$method" \
		    --permutations 19 -s 5 reference.tsv current.tsv
		assert_success
		first="$output"
		run --separate-stderr kl-drift --method "$method" \
		    --permutations 19 -s 5 reference.tsv current.tsv
		assert_equal "$output" "$first"
		assert_equal "$(field permutations)" 19
		# (1 + b) / 20 for a whole b from 0 to 19
		awk -v p="$(field p_value)" 'BEGIN { b = p * 20 - 1
		    exit !(b >= 0 && b <= 19 && b == int(b + 0.5)) }' ||
			fail "p-value $(field p_value) is not (1 + b) / 20"
	done
}

@test "kl-drift: permutations separate shifted samples from equal ones" {
	normal_sample 31 200 0 0 1 0 1 > reference.tsv
	normal_sample 32 200 2 0 1 0 1 > shifted.tsv
	normal_sample 33 200 0 0 1 0 1 > same.tsv
	run --separate-stderr kl-drift --permutations 99 reference.tsv \
	    shifted.tsv
	assert_success
	assert_equal "$(field p_value)" 0.01
	run --separate-stderr kl-drift --permutations 99 reference.tsv same.tsv
	assert_close "$(field p_value)" 0.5 0.45
}

@test "kl-drift: permutations of counts move single observations" {
	printf 'n\n30\n10\n' > reference.tsv
	printf 'n\n10\n30\n' > current.tsv
	run --separate-stderr kl-drift --counts n --permutations 199 -s 2 \
	    reference.tsv current.tsv
	assert_success
	assert_equal "$(field p_value)" 0.005
	printf 'n\n0.5\n1\n' > fractional.tsv
	run --separate-stderr kl-drift --counts n --permutations 9 \
	    reference.tsv fractional.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "kl-drift: --permutations needs whole counts; category 'row 1' has 0.5"
}

@test "kl-drift: either input may be standard input" {
	printf 'x\n0\n1\n3\n' > reference.tsv
	printf 'x\n0.5\n2\n2.5\n' > current.tsv
	run --separate-stderr kl-drift reference.tsv current.tsv
	local expected="$output"
	run --separate-stderr sh -c 'kl-drift - current.tsv < reference.tsv'
	assert_success
	assert_equal "$output" "$expected"
	run --separate-stderr sh -c 'kl-drift reference.tsv - < current.tsv'
	assert_equal "$output" "$expected"
}

@test "kl-drift: --no-header prints the row alone, columns by number" {
	printf '0\t5\n1\t6\n3\t9\n' > reference.tsv
	printf '0.5\t1\n2\t7\n2.5\t2\n' > current.tsv
	run --separate-stderr kl-drift --no-header -f 1 --method knn -k 1 \
	    reference.tsv current.tsv
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_equal "${lines[0]%%$'\t'*}" knn
}

@test "kl-drift: the samples must select the same column names" {
	printf 'x\ty\n0\t1\n1\t2\n2\t0\n' > reference.tsv
	printf 'y\tx\n0\t1\n1\t2\n2\t0\n' > current.tsv
	run --separate-stderr kl-drift reference.tsv current.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: current.tsv: selected column 1 is 'y' where reference.tsv has 'x'"
	run --separate-stderr kl-drift -f x,y reference.tsv current.tsv
	assert_success
}

@test "kl-drift: options that do not fit together are usage errors" {
	printf 'x\n0\n1\n3\n' > a.tsv
	local -a calls=(
	    "a.tsv"
	    "- -"
	    "--bins 5 a.tsv a.tsv"
	    "--js a.tsv a.tsv"
	    "--unique --method hist a.tsv a.tsv"
	    "--counts x --method knn a.tsv a.tsv"
	    "--counts x --probabilities --alpha 1 a.tsv a.tsv"
	    "--category x a.tsv a.tsv"
	    "--method kde a.tsv a.tsv")
	local -a messages=(
	    "two inputs are needed, REFERENCE and CURRENT; got 1"
	    "only one of REFERENCE and CURRENT can be standard input"
	    "--bins is for --method hist"
	    "--js is computed for --method hist and --counts only"
	    "-k and --unique are for --method knn"
	    "--counts compares two count columns; --method, -f, --bins, -k and --unique are for samples of rows"
	    "--alpha is counted in observations; it cannot be added to --probabilities"
	    "--category and --probabilities go with --counts"
	    "option --method: 'kde' is not one of gauss, hist, knn")
	local case_number
	local -a arguments
	for case_number in "${!calls[@]}"; do
		read -r -a arguments <<< "${calls[$case_number]}"
		run --separate-stderr kl-drift "${arguments[@]}"
		assert_failure 2
		assert_equal "${stderr%%$'\n'*}" "kl-drift: ${messages[$case_number]}"
		assert_output ""
	done
}

@test "kl-drift: --verbose says what was read and dropped" {
	printf 'x\tz\n0\t1\n1\t1\n3\t1\n3\t1\n' > reference.tsv
	printf 'x\tz\n0.5\t1\n2\t1\n2.5\t1\n' > current.tsv
	run --separate-stderr kl-drift -v --method knn -k 1 --unique \
	    reference.tsv current.tsv
	assert_success
	assert_equal "$stderr" "kl-drift: reference.tsv: 4 rows, 2 columns
kl-drift: current.tsv: 3 rows, 2 columns
kl-drift: column 'z' is 1 in every row of both samples: dropped, it adds nothing
kl-drift: --unique: dropped 0 repeated rows of current.tsv and 1 of reference.tsv"
	assert_equal "$(field n_reference)" 3
	assert_equal "$(field unique)" yes
}

# split_unevenly FILE N PREFIX: PREFIX-1.tsv .. PREFIX-N.tsv, each with
# FILE's header; the first holds one row and, for three or more shards,
# the last holds none.
split_unevenly() {
	rm -f "$3"-*.tsv
	awk -v n="$2" -v prefix="$3" 'NR == 1 { for (s = 1; s <= n; s++)
			print > (prefix "-" s ".tsv"); next }
		n == 1 || NR == 2 { print > (prefix "-1.tsv"); next }
		{ print > (prefix "-" 2 + (NR * NR) % (n > 2 ? n - 2 : 1) ".tsv") }' \
	    "$1"
}

# merge_shards N OPTION...: split reference.tsv and current.tsv into N
# uneven shards each, write a partial of every shard with the options,
# merge each side's partials, and leave the two in reference.partial
# and current.partial.
merge_shards() {
	local shards="$1" side shard
	shift
	for side in reference current; do
		split_unevenly "$side.tsv" "$shards" "$side"
		rm -f "$side"-*.partial
		for shard in "$side"-*.tsv; do
			kl-drift --partial "$@" -o "${shard%.tsv}.partial" "$shard"
		done
		kl-drift --merge --partial -o "$side.partial" "$side"-*.partial
	done
}

# pooled_range COLUMN...: LOW:HIGH of each column over both samples, at
# full precision, comma-separated: the edges a single run would choose.
pooled_range() {
	local column ranges=""
	for column in "$@"; do
		ranges="$ranges${ranges:+,}$(awk -F '\t' -v name="$column" '
		    FNR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i
			next }
		    !seen++ || $c < low { low = $c + 0 }
		    seen == 1 || $c > high { high = $c + 0 }
		    END { printf "%.17g:%.17g", low, high }' \
		    reference.tsv current.tsv)"
	done
	printf '%s\n' "$ranges"
}

@test "kl-drift: gauss merged from 1, 2, 3 and 7 shards equals one run" {
	normal_sample 41 1500 0 0 1.5 0.4 1.2 |
	    awk -F '\t' -v OFS='\t' '{ print $0, (NR == 1 ? "idle" : 0) }' \
	    > reference.tsv
	normal_sample 42 1200 0.5 0.3 1 0.3 0.8 |
	    awk -F '\t' -v OFS='\t' '{ print $0, (NR == 1 ? "idle" : 0) }' \
	    > current.tsv
	run --separate-stderr kl-drift --symmetric --precision 17 \
	    reference.tsv current.tsv
	assert_success
	local single="$output" shards name
	for shards in 1 2 3 7; do
		merge_shards "$shards"
		run --separate-stderr kl-drift --merge --symmetric \
		    --precision 17 reference.partial current.partial
		assert_success
		assert_equal "${lines[0]}" "${single%%$'\n'*}"
		assert_equal "$(field n_reference)" 1500
		assert_equal "$(field n_current)" 1200
		assert_equal "$(field dimensions)" 2
		for name in kl kl_reverse kl_symmetric; do
			assert_close "$(field "$name")" \
			    "$(output="$single" field "$name")" 1e-12 relative
		done
	done
}

@test "kl-drift: hist merged on the pooled edges gives the same bytes" {
	normal_sample 43 1000 0 0 1 0.2 1 > reference.tsv
	normal_sample 44 800 0.4 0 1.3 0 0.7 > current.tsv
	local range shards expected
	range=$(pooled_range x y)
	run --separate-stderr kl-drift --method hist --bins 12 --alpha 0.5 \
	    --symmetric --js --precision 17 reference.tsv current.tsv
	assert_success
	expected="$output"
	run --separate-stderr kl-drift --method hist --bins 12 \
	    --range "$range" --alpha 0.5 --symmetric --js --precision 17 \
	    reference.tsv current.tsv
	assert_equal "$output" "$expected"
	for shards in 1 2 3 7; do
		merge_shards "$shards" --method hist --bins 12 --range "$range"
		run --separate-stderr kl-drift --merge --alpha 0.5 --symmetric \
		    --js --precision 17 reference.partial current.partial
		assert_success
		assert_equal "$output" "$expected"
	done
	kl-drift --partial --method hist --bins 12 --range "$range" \
	    -o one-pass.partial reference.tsv
	cmp one-pass.partial reference.partial
}

@test "kl-drift: hist partials on fixed edges drop a constant column too" {
	normal_sample 45 300 0 0 1 0 1 |
	    awk -F '\t' -v OFS='\t' '{ print (NR == 1 ? "zero" : 0), $0 }' \
	    > reference.tsv
	normal_sample 46 300 1 0 1 0 1 |
	    awk -F '\t' -v OFS='\t' '{ print (NR == 1 ? "zero" : 0), $0 }' \
	    > current.tsv
	run --separate-stderr kl-drift --method hist --bins 8 \
	    --range=-1:1,-6:7,-6:6 --alpha 1 --precision 17 reference.tsv \
	    current.tsv
	assert_success
	assert_equal "$(field dimensions)" 2
	local expected="$output"
	merge_shards 3 --method hist --bins 8 --range=-1:1,-6:7,-6:6
	run --separate-stderr kl-drift --merge --alpha 1 --precision 17 \
	    reference.partial current.partial
	assert_equal "$output" "$expected"
}

@test "kl-drift: a partial holds counts, moments and fixed cells exactly" {
	printf 'x\ty\n0\t1\n1\t3\n4\t2\n3\t2\n' > four.tsv
	run --separate-stderr kl-drift --partial four.tsv
	assert_success
	# mean (2, 2); co-moments sum (x - 2)(y - 2)
	assert_output "model	kl-drift-partial	1
features	x	y
method	gauss
rows	4
minimum	0	1
maximum	4	3
mean	2	2
comoment	10	1
comoment	1	2
end	10"
	run --separate-stderr kl-drift --partial --method hist --bins 2 \
	    --range 0:4 four.tsv
	assert_success
	# bins [0, 2) and [2, 4]: cells (0, 0), (1, 1) twice and (0, 1)
	assert_output "model	kl-drift-partial	1
features	x	y
method	hist
bins	2
low	0	0
high	4	4
rows	4
minimum	0	1
maximum	4	3
cell	0	0	1
cell	0	1	1
cell	1	1	2
end	13"
}

@test "kl-drift: a value outside --range is an error naming its line" {
	printf 'x\n0\n1\n5\n' > wide.tsv
	run --separate-stderr kl-drift --partial --method hist --range 0:4 \
	    -o wide.partial wide.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "kl-drift: wide.tsv:4: column 'x' is outside --range 0:4: '5'"
	[ ! -e wide.partial ]
	run --separate-stderr kl-drift --method hist --range 0:4 wide.tsv \
	    wide.tsv
	assert_failure 1
	assert_equal "$stderr" \
	    "kl-drift: wide.tsv:4: column 'x' is outside --range 0:4: '5'"
	assert_output ""
}

@test "kl-drift: an empty shard's partial adds nothing; empty sides fail" {
	normal_sample 47 200 0 0 1 0 1 > reference.tsv
	normal_sample 48 200 1 0 1 0 1 > current.tsv
	printf 'x\ty\n' > header-only.tsv
	kl-drift --partial -o reference.partial reference.tsv
	kl-drift --partial -o current.partial current.tsv
	kl-drift --partial -o empty.partial header-only.tsv
	run --separate-stderr awk -F '\t' '$1 == "rows" { print $2 }' \
	    empty.partial
	assert_output 0
	kl-drift --merge --partial -o with-empty.partial empty.partial \
	    current.partial
	cmp with-empty.partial current.partial
	run --separate-stderr kl-drift --merge reference.partial empty.partial
	assert_failure 1
	assert_equal "$stderr" "kl-drift: empty.partial: no data rows"
	assert_output ""
}

@test "kl-drift: partials of other kinds, methods, columns or edges fail" {
	printf 'x\ty\n0\t1\n1\t3\n4\t2\n' > a.tsv
	printf 'x\tz\n0\t1\n1\t3\n4\t2\n' > b.tsv
	kl-drift --partial -o gauss.partial a.tsv
	kl-drift --partial -o other-columns.partial b.tsv
	kl-drift --partial -f x -o one-column.partial a.tsv
	kl-drift --partial --method hist --range 0:4 -o hist.partial a.tsv
	kl-drift --partial --method hist --range 0:4 --bins 5 \
	    -o five-bins.partial a.tsv
	kl-drift --partial --method hist --range 0:4,-1:5 \
	    -o other-edges.partial a.tsv
	pca-reduce --partial -o pca.partial a.tsv
	local -a pairs=(
	    "gauss.partial other-columns.partial"
	    "gauss.partial one-column.partial"
	    "gauss.partial hist.partial"
	    "hist.partial five-bins.partial"
	    "hist.partial other-edges.partial"
	    "gauss.partial pca.partial"
	    "gauss.partial a.tsv")
	local -a messages=(
	    "other-columns.partial:2: column 2 is 'z', but gauss.partial has 'y'"
	    "one-column.partial:2: 1 columns, but gauss.partial has 2"
	    "hist.partial:3: method 'hist', but gauss.partial has 'gauss'"
	    "five-bins.partial:4: 5 bins, but hist.partial has 20"
	    "other-edges.partial:5: the range of column 'y' is -1:5, but hist.partial has 0:4"
	    "pca.partial:1: a model of kind 'pca-partial', expected 'kl-drift-partial'"
	    "a.tsv:1: not a model file (expected 'model', kind and version on the first line)")
	local case_number
	local -a arguments
	for case_number in "${!pairs[@]}"; do
		read -r -a arguments <<< "${pairs[$case_number]}"
		run --separate-stderr kl-drift --merge "${arguments[@]}"
		assert_failure 1
		assert_equal "$stderr" "kl-drift: ${messages[$case_number]}"
		assert_output ""
		run --separate-stderr kl-drift --merge --partial "${arguments[@]}"
		assert_failure 1
		assert_equal "$stderr" "kl-drift: ${messages[$case_number]}"
	done
}

@test "kl-drift: knn cannot be split, and sharded options must fit" {
	printf 'x\n0\n1\n3\n' > a.tsv
	kl-drift --partial -o a.partial a.tsv
	local -a calls=(
	    "--partial --method knn a.tsv"
	    "--partial --method hist a.tsv"
	    "--partial --symmetric a.tsv"
	    "--partial --counts x a.tsv"
	    "--partial a.tsv a.tsv"
	    "--range 0:4 a.tsv a.tsv"
	    "--method hist --range 4:0 a.tsv a.tsv"
	    "--method hist --range 0:1,0:1 a.tsv a.tsv"
	    "-o out.partial a.tsv a.tsv"
	    "--merge a.partial"
	    "--merge --method hist a.partial a.partial"
	    "--merge --permutations 9 a.partial a.partial"
	    "--merge --alpha 1 a.partial a.partial"
	    "--merge --partial --js a.partial")
	local -a messages=(
	    "--partial: knn cannot be split, since the nearest neighbours of a row may lie in any shard; use gauss or hist"
	    "--partial with --method hist needs --range: the bin edges must be fixed before the shards are read"
	    "--partial writes statistics, not a divergence; --alpha, --symmetric, --js and --precision are for the final --merge, and --permutations needs the rows"
	    "--partial splits samples of rows; --counts files are counts already"
	    "--partial reads one input, got 2"
	    "--range is for --method hist"
	    "option --range: '4:0' is not LOW:HIGH with LOW below HIGH"
	    "--range gives 2 ranges for 1 columns; give one for all or one per column"
	    "-o writes a partial file; give --partial too"
	    "two partial files are needed, REFERENCE and CURRENT; got 1"
	    "--merge takes the columns, method and edges from the partials; -f, --method, --bins, --range, -k, --unique, --counts and --no-header are for reading rows"
	    "--permutations needs the rows themselves; a partial holds only their statistics"
	    "--alpha is for --method hist and --counts"
	    "--partial writes statistics, not a divergence; --alpha, --symmetric, --js and --precision are for the final --merge, and --permutations needs the rows")
	local case_number
	local -a arguments
	for case_number in "${!calls[@]}"; do
		read -r -a arguments <<< "${calls[$case_number]}"
		run --separate-stderr kl-drift "${arguments[@]}"
		assert_failure 2
		assert_equal "${stderr%%$'\n'*}" "kl-drift: ${messages[$case_number]}"
		assert_output ""
	done
}

@test "kl-drift: partials made by GNU parallel merge to one run" {
	command -v parallel > /dev/null || skip "GNU parallel is not installed"
	normal_sample 49 600 0 0 1 0.5 2 > reference.tsv
	normal_sample 50 500 0.2 0.1 1.2 0.4 1.5 > current.tsv
	run --separate-stderr kl-drift --precision 17 reference.tsv current.tsv
	local expected
	expected=$(field kl)
	split_unevenly reference.tsv 3 last
	split_unevenly current.tsv 3 this
	parallel --will-cite kl-drift --partial -o {.}.partial {} \
	    ::: last-*.tsv this-*.tsv
	kl-drift --merge --partial -o last.partial last-*.partial
	kl-drift --merge --partial -o this.partial this-*.partial
	run --separate-stderr kl-drift --merge --precision 17 last.partial \
	    this.partial
	assert_success
	assert_close "$(field kl)" "$expected" 1e-12 relative
}

@test "kl-drift: gauss refuses moments that overflow, naming the sample and column" {
	printf 'a\n1e308\n-1e308\n1\n' > h1.tsv
	printf 'a\n1e308\n-1e308\n-1\n2\n' > h2.tsv
	run --separate-stderr kl-drift h1.tsv h2.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: h2.tsv: column 'a' varies too widely: its sum of squared deviations overflows a double"
	assert_output ""
	run --separate-stderr kl-drift --partial -o h1.partial h1.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: h1.tsv: column 'a' varies too widely: its sum of squared deviations overflows a double"
	[ ! -e h1.partial ]
}

@test "kl-drift: hist bins a range wider than the largest double correctly" {
	printf 'a\n1e308\n-1e308\n1\n' > h1.tsv
	printf 'a\n1e308\n-1e308\n-1\n2\n' > h2.tsv
	# Edges -1e308, -5e307, 0, 5e307, 1e308: -1 falls in a bin of
	# h2.tsv that h1.tsv leaves empty.
	run --separate-stderr kl-drift --method hist --bins 4 h1.tsv h2.tsv
	assert_success
	assert_equal "$(field kl)" inf
	assert_equal "$stderr" "kl-drift: kl is infinite: 1 bin holds current rows and no reference rows"
	run --separate-stderr kl-drift --method hist --bins 4 \
	    --range=-1e308:1e308 h1.tsv h2.tsv
	assert_success
	assert_equal "$(field kl)" inf
	run --separate-stderr kl-drift --method hist --bins 4 --alpha 1 \
	    --precision 17 --range=-1e308:1e308 h1.tsv h2.tsv
	assert_success
	# (1 + 1, 1 + 1, 1 + 1, 1 + 1) / 8 from h2, (1 + 1, 0 + 1, 1 + 1,
	# 1 + 1) / 7 from h1
	assert_close "$(field kl)" "$(awk 'BEGIN { p = 2 / 8
		printf "%.17g", 3 * p * log(p / (2 / 7)) + p * log(p / (1 / 7))
		}')" \
	    1e-12 relative
}

@test "kl-drift: count totals that overflow are refused, naming the file" {
	printf 'c\tn\na\t3\nb\t1\nc\t0\n' > r1.tsv
	printf 'c\tn\na\t1e308\nb\t1e308\n' > big.tsv
	run --separate-stderr kl-drift --counts n --category c r1.tsv big.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: big.tsv:3: the counts of column 'n' add up to more than a double holds"
	assert_output ""
	run --separate-stderr kl-drift --counts n --category c big.tsv r1.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: big.tsv:3: the counts of column 'n' add up to more than a double holds"
}

@test "kl-drift: a tiny count is not zero: the log ratio neither overflows nor underflows" {
	printf 'c\tn\na\t1\nb\t3\n' > reg.tsv
	printf 'c\tn\na\t1\nb\t1e-320\n' > tiny.tsv
	run --separate-stderr kl-drift --counts n --category c --symmetric \
	    --js --precision 17 reg.tsv tiny.tsv
	assert_success
	assert_equal "$stderr" ""
	# D(reg || tiny) = 0.25 ln 0.25 + 0.75 (ln 0.75 - ln 1e-320), the
	# subnormal 1e-320 as read, not the decimal
	assert_close "$(field kl_reverse)" "$(awk 'BEGIN { b = -log(1e-320)
		printf "%.17g", 0.25 * log(0.25) + 0.75 * (log(0.75) + b) }')" \
	    1e-12 relative
	assert_close "$(field kl)" "$(awk 'BEGIN { printf "%.17g", log(4) }')" \
	    1e-12 relative
	assert_close "$(field js)" "$(awk 'BEGIN { m1 = 0.625; m2 = 0.375
		r = 0.25 * log(0.25 / m1) + 0.75 * log(0.75 / m2)
		printf "%.17g", 0.5 * r + 0.5 * log(1 / m1) }')" 1e-12 relative
}

@test "kl-drift: knn gives the same estimate for values past 1e154 apart" {
	printf 'a\n1\n1.5\n1.2\n2\n' > small-ref.tsv
	printf 'a\n1.05\n1.4\n1.25\n1.1\n1.9\n' > small-cur.tsv
	run --separate-stderr kl-drift --method knn -k 1 --precision 17 \
	    small-ref.tsv small-cur.tsv
	assert_success
	local expected scale
	expected=$(field kl)
	# The same samples times 1e200 and 1e-200.
	for scale in e200 e-200; do
		sed "2,\$s/\$/$scale/" small-ref.tsv > scaled-ref.tsv
		sed "2,\$s/\$/$scale/" small-cur.tsv > scaled-cur.tsv
		run --separate-stderr kl-drift --method knn -k 1 \
		    --precision 17 scaled-ref.tsv scaled-cur.tsv
		assert_success
		assert_close "$(field kl)" "$expected" 1e-12 relative
	done
	printf 'a\n1e308\n-1e308\n1\n5\n' > span-ref.tsv
	printf 'a\n1e308\n-1e308\n-1\n2\n' > span-cur.tsv
	run --separate-stderr kl-drift --method knn -k 1 span-ref.tsv \
	    span-cur.tsv
	assert_failure 1
	assert_equal "$stderr" "kl-drift: knn: the squared distance between distinct rows of span-cur.tsv and span-ref.tsv underflows to 0 (their values span more than 300 decades), so the estimate is undefined"
}
