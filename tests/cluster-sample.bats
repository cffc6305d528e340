#!/usr/bin/env bats
# cluster-sample: assignment, inverse-population sampling, exactly N per
# cluster, reproducibility, and its errors.

load test_helper

# blobs SIZES...: rows (id, x, y) around (0, 0), (10, 0), (0, 10), ...
# with uniform noise in [0, 1), SIZES rows per blob, rows of the blobs
# interleaved at random, from a fixed awk seed.
blobs() {
	awk -v sizes="$*" 'BEGIN {
		srand(13); n = split(sizes, size, " ")
		for (b = 1; b <= n; b++) left[b] = size[b]
		total = 0; for (b = 1; b <= n; b++) total += size[b]
		print "id\tx\ty"
		for (i = 0; i < total; i++) {
			r = rand() * (total - i)
			for (b = 1; b <= n; b++) { if (r < left[b]) break
				r -= left[b] }
			left[b]--
			printf "r%d\t%.4f\t%.4f\n", i + 1,
			    10 * ((b - 1) % 2) + rand(),
			    10 * int((b - 1) / 2) + rand()
		}
	}'
}

# The clusters a a b b b c on one column: b (3 rows) is cluster 1, a (2
# rows) cluster 2, c (1 row) cluster 3.
make_abc() {
	printf 'id\tx\na1\t0\na2\t0.1\nb1\t5\nb2\t5.1\nb3\t5.2\nc1\t10\n' \
	    > abc.tsv
	kmeans-train -k 3 -f x -o abc.model abc.tsv
}

# count_by_cluster: "cluster:count" pairs of $output, by cluster id.
count_by_cluster() {
	printf '%s\n' "$output" | awk -F '\t' 'NR == 1 {
		for (i = 1; i <= NF; i++) if ($i == "cluster") c = i; next }
		{ n[$c]++ } END { for (k in n) print k ":" n[k] }' |
	    sort -n | tr '\n' ' '
}

@test "cluster-sample: --assign keeps every row and adds its cluster" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --assign abc.tsv
	assert_success
	assert_output "$(printf 'id\tx\tcluster\na1\t0\t2\na2\t0.1\t2\nb1\t5\t1\nb2\t5.1\t1\nb3\t5.2\t1\nc1\t10\t3')"
}

@test "cluster-sample: --assign on the training rows gives the model's populations" {
	blobs 300 120 45 > blobs.tsv
	kmeans-train -k 3 -f x,y -s 4 -o blobs.model blobs.tsv
	run --separate-stderr cluster-sample -m blobs.model --assign blobs.tsv
	assert_success
	assert_equal "$(count_by_cluster)" "1:300 2:120 3:45 "
	assert_equal "$(count_by_cluster)" "$(awk -F '\t' '$1 == "cluster" {
		printf "%s:%s ", $2, $3 }' blobs.model)"
}

@test "cluster-sample: exactly one row per cluster from a a b b b c" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --exact 1 -s 3 \
	    abc.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(count_by_cluster)" "1:1 2:1 3:1 "
	assert_equal "$(printf '%s\n' "$output" | head -1)" \
	    "$(printf 'id\tx\tcluster\tinclusion_probability\tweight')"
	# p = N / rows of the cluster, weight = 1 / p.
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' 'NR > 1 {
		printf "%s:%s:%s ", $3, $4, $5 }')" \
	    "$(printf '%s\n' "$output" | awk -F '\t' 'NR > 1 {
		p = $3 == 1 ? "0.333333:3" : $3 == 2 ? "0.5:2" : "1:1"
		printf "%s:%s ", $3, p }')"
}

@test "cluster-sample: a repeated mode option takes its last value" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --exact 2 \
	    --exact 1 -s 3 abc.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(count_by_cluster)" "1:1 2:1 3:1 "
	expected="$output"
	run --separate-stderr cluster-sample -m abc.model --exact 1 -s 3 \
	    abc.tsv
	assert_equal "$output" "$expected"
	run --separate-stderr cluster-sample -m abc.model --assign --assign \
	    abc.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(count_by_cluster)" "1:3 2:2 3:1 "
}

@test "cluster-sample: --exact reports a cluster with fewer rows than N" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --exact 2 abc.tsv
	assert_success
	[ "$stderr" = "cluster-sample: cluster 3: 1 row, fewer than the 2 asked" ]
	assert_equal "$(count_by_cluster)" "1:2 2:2 3:1 "
}

@test "cluster-sample: --exact shortfalls name every short cluster" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --exact 3 abc.tsv
	assert_success
	[ "$stderr" = "$(printf '%s\n' \
	    'cluster-sample: cluster 2: 2 rows, fewer than the 3 asked' \
	    'cluster-sample: cluster 3: 1 row, fewer than the 3 asked')" ]
	assert_equal "$(printf '%s\n' "$output" | tail -n +2 | cut -f 1 |
	    tr '\n' ' ')" "a1 a2 b1 b2 b3 c1 "
}

@test "cluster-sample: --exact keeps input order" {
	blobs 500 300 200 > blobs.tsv
	kmeans-train -k 3 -f x,y -o blobs.model blobs.tsv
	run --separate-stderr cluster-sample -m blobs.model --exact 40 -s 2 \
	    blobs.tsv
	assert_success
	printf '%s\n' "$output" | tail -n +2 | cut -f 1 | tr -d r > order
	run sort -n -c order
	assert_success
}

@test "cluster-sample: --per-cluster evens out clusters a hundredfold apart (chi-square)" {
	blobs 10000 1000 100 > imbalanced.tsv
	kmeans-train -k 3 -f x,y -o imbalanced.model imbalanced.tsv
	run --separate-stderr cluster-sample -m imbalanced.model \
	    --per-cluster 50 -s 7 imbalanced.tsv
	assert_success
	counts=$(count_by_cluster)
	# Equal expected counts; the critical value of chi-square with 2
	# degrees of freedom at p = 0.001 is 13.816.
	run awk -v counts="$counts" 'BEGIN {
		n = split(counts, pair, " ")
		for (i = 1; i <= n; i++) { split(pair[i], f, ":")
			kept[i] = f[2]; total += f[2] }
		for (i = 1; i <= n; i++)
			chi += (kept[i] - total / n) ^ 2 / (total / n)
		printf "%d %d %.3f\n", n, total, chi
		exit !(n == 3 && chi < 13.816 && total > 100 && total < 200) }'
	assert_success
}

@test "cluster-sample: --per-cluster writes p = N / n_c and weight 1/p" {
	blobs 400 100 > blobs.tsv
	kmeans-train -k 2 -f x,y -o blobs.model blobs.tsv
	run --separate-stderr cluster-sample -m blobs.model --per-cluster 20 \
	    blobs.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' 'NR > 1 {
		print $4 ":" $5 ":" $6 }' | sort -u | tr '\n' ' ')" \
	    "1:0.05:20 2:0.2:5 "
}

@test "cluster-sample: --expected-rows scales n_c by the model's shares" {
	blobs 400 100 > blobs.tsv
	kmeans-train -k 2 -f x,y -o blobs.model blobs.tsv
	run --separate-stderr cluster-sample -m blobs.model --per-cluster 20 \
	    --expected-rows 1000 blobs.tsv
	assert_success
	# n_1 = 1000 * 400/500 = 800, n_2 = 200.
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' 'NR > 1 {
		print $4 ":" $5 ":" $6 }' | sort -u | tr '\n' ' ')" \
	    "1:0.025:40 2:0.1:10 "
}

@test "cluster-sample: --adaptive keeps the first N of a cluster, then N/t" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --per-cluster 1 \
	    --adaptive --precision 3 abc.tsv
	assert_success
	# a1, b1 and c1 are the first of their clusters: p = 1.
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' '$1 ~ /1$/ {
		printf "%s:%s ", $1, $4 }')" "a1:1 b1:1 c1:1 "
	printf '%s\n' "$output" | awk -F '\t' '$1 == "a2" && $4 != 0.5 ||
		$1 == "b3" && $4 != 0.333 { exit 1 }'
}

@test "cluster-sample: --exact gives exact counts on imbalanced input" {
	blobs 10000 1000 100 > imbalanced.tsv
	kmeans-train -k 3 -f x,y -o imbalanced.model imbalanced.tsv
	run --separate-stderr cluster-sample -m imbalanced.model --exact 50 \
	    -s 7 imbalanced.tsv
	assert_success
	assert_equal "$(count_by_cluster)" "1:50 2:50 3:50 "
	assert_equal "$(printf '%s\n' "$output" | awk -F '\t' 'NR > 1 {
		print $4 ":" $5 ":" $6 }' | sort -u | tr '\n' ' ')" \
	    "1:0.005:200 2:0.05:20 3:0.5:2 "
}

@test "cluster-sample: --exact draws uniformly within a cluster" {
	# One cluster of 20 rows, 5 kept, 200 seeds: every row should be
	# kept about 50 times (chi-square, 19 degrees of freedom, p = 0.001:
	# 43.82).
	printf 'id\tx\n' > one.tsv
	seq 1 20 | awk '{ print "r" $1 "\t" $1 / 100 }' >> one.tsv
	kmeans-train -k 1 -f x -o one.model one.tsv
	for seed in $(seq 1 200); do
		cluster-sample -m one.model --exact 5 -s "$seed" one.tsv |
		    tail -n +2 | cut -f 1
	done | sort | uniq -c | awk '{ chi += ($1 - 50) ^ 2 / 50; n++ }
		END { exit !(n == 20 && chi < 43.82) }'
}

@test "cluster-sample: same seed, same bytes at 1 and 2 BLAS threads" {
	blobs 3000 600 60 > blobs.tsv
	kmeans-train -k 3 -f x,y -o blobs.model blobs.tsv
	for mode in "--per-cluster 30" "--exact 30" "--per-cluster 30 --adaptive"; do
		# shellcheck disable=SC2086
		OPENBLAS_NUM_THREADS=1 cluster-sample -m blobs.model $mode -s 5 \
		    blobs.tsv > one.tsv
		# shellcheck disable=SC2086
		OPENBLAS_NUM_THREADS=2 cluster-sample -m blobs.model $mode -s 5 \
		    blobs.tsv > two.tsv
		cmp one.tsv two.tsv
		[ "$(wc -l < one.tsv)" -gt 50 ]
	done
}

@test "cluster-sample: another seed draws another sample" {
	blobs 3000 600 60 > blobs.tsv
	kmeans-train -k 3 -f x,y -o blobs.model blobs.tsv
	cluster-sample -m blobs.model --per-cluster 30 -s 1 blobs.tsv > one
	cluster-sample -m blobs.model --per-cluster 30 -s 2 blobs.tsv > two
	run cmp -s one two
	assert_failure
}

@test "cluster-sample: applies the model's standardisation" {
	# x in thousands, y in units: rows compared unscaled with the scaled
	# centroids would all fall into one cluster.
	blobs 200 90 40 | awk -F '\t' -v OFS='\t' 'NR > 1 { $2 = $2 * 1000 }
		{ print }' > wide.tsv
	kmeans-train -k 3 -f x,y --standardize -o wide.model wide.tsv
	run --separate-stderr cluster-sample -m wide.model --assign wide.tsv
	assert_success
	assert_equal "$(count_by_cluster)" "1:200 2:90 3:40 "
}

@test "cluster-sample: -v prints rows seen, kept and p_c per cluster" {
	make_abc
	run --separate-stderr cluster-sample -v -m abc.model --per-cluster 1 \
	    -s 1 abc.tsv
	assert_success
	printf '%s\n' "$stderr" | grep -qx \
	    'cluster-sample: cluster 1: 3 rows seen, [0-3] kept, p_c 0.333333'
	printf '%s\n' "$stderr" | grep -qx \
	    'cluster-sample: cluster 3: 1 rows seen, 1 kept, p_c 1'
}

@test "cluster-sample: header only gives the header alone" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --per-cluster 1 \
	    < <(printf 'id\tx\n')
	assert_success
	assert_output "$(printf 'id\tx\tcluster\tinclusion_probability\tweight')"
}

@test "cluster-sample: CRLF input reads as LF" {
	make_abc
	sed 's/$/\r/' abc.tsv > crlf.tsv
	run --separate-stderr cluster-sample -m abc.model --assign crlf.tsv
	assert_success
	assert_line --index 1 "$(printf 'a1\t0\t2')"
}

@test "cluster-sample: --no-header input and output" {
	printf '0\n0.1\n5\n5.1\n' > bare.tsv
	kmeans-train -k 2 --no-header -o bare.model bare.tsv
	run --separate-stderr cluster-sample -m bare.model --assign \
	    --no-header bare.tsv
	assert_success
	assert_output "$(printf '0\t1\n0.1\t1\n5\t2\n5.1\t2')"
}

@test "cluster-sample: a non-finite value is an error naming line and column" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --exact 1 \
	    < <(printf 'id\tx\na\t1\nb\tinf\n')
	assert_failure 1
	[ "$stderr" = "cluster-sample: stdin:3: column 'x' is not a finite number: 'inf'" ]
	assert_output ""
}

@test "cluster-sample: --skip-invalid drops bad rows and counts them" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --assign \
	    --skip-invalid < <(printf 'id\tx\na\t1\nb\tNA\nc\t9\n')
	assert_success
	[ "$stderr" = "cluster-sample: stdin: skipped 1 row with an empty, non-numeric or non-finite value" ]
	assert_equal "$(printf '%s\n' "$output" | cut -f 1 | tr '\n' ' ')" \
	    "id a c "
}

@test "cluster-sample: a column the model needs must be in the input" {
	make_abc
	run --separate-stderr cluster-sample -m abc.model --assign \
	    < <(printf 'id\ty\na\t1\n')
	assert_failure 1
	[ "$stderr" = "cluster-sample: stdin:1: no column 'x', which the model abc.model needs" ]
}

@test "cluster-sample: a model of another kind is refused" {
	printf 'model\tpca\t1\nfeatures\tx\n' > pca.model
	run --separate-stderr cluster-sample -m pca.model --assign \
	    < <(printf 'x\n1\n')
	assert_failure 1
	[ "$stderr" = "cluster-sample: pca.model:1: a model of kind 'pca', expected 'kmeans'" ]
}

@test "cluster-sample: a truncated model is refused" {
	make_abc
	head -n -2 abc.model > short.model
	run --separate-stderr cluster-sample -m short.model --assign abc.tsv
	assert_failure 1
	assert_equal "$stderr" "cluster-sample: short.model:$(($(wc -l < abc.model) - 2)): the model is cut short: its last line is not the 'end' record"
	# A cluster record missing, with an end record made to fit.
	awk -F '\t' -v OFS='\t' '$1 == "cluster" && ++c == 3 { next }
	    $1 == "end" { $2 = NR - 1 } { print }' abc.model > two.model
	run --separate-stderr cluster-sample -m two.model --assign abc.tsv
	assert_failure 1
	assert_equal "$stderr" "cluster-sample: two.model: model has 2 cluster records, expected 3 (truncated or damaged file?)"
}

@test "cluster-sample: exactly one mode is required" {
	run --separate-stderr cluster-sample -m m
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "cluster-sample: give exactly one of --assign, --per-cluster N and --exact N" ]
	run --separate-stderr cluster-sample -m m --assign --exact 2
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "cluster-sample: --assign and --exact are different modes; give one of --assign, --per-cluster N and --exact N" ]
	run --separate-stderr cluster-sample -m m --per-cluster 5 --exact 2 \
	    --per-cluster 6
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "cluster-sample: --per-cluster and --exact are different modes; give one of --assign, --per-cluster N and --exact N" ]
	run --separate-stderr cluster-sample --assign
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "cluster-sample: -m MODEL is required" ]
}

@test "cluster-sample: --expected-rows and --adaptive need --per-cluster, alone" {
	run --separate-stderr cluster-sample -m m --exact 2 --adaptive
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "cluster-sample: --expected-rows and --adaptive go with --per-cluster" ]
	run --separate-stderr cluster-sample -m m --per-cluster 2 --adaptive \
	    --expected-rows 10
	assert_failure 2
	run --separate-stderr cluster-sample -m m --per-cluster 0
	assert_failure 2
}

@test "cluster-sample: a bad row late in a stream comes after every row before it" {
	blobs 3000 > good.tsv
	kmeans-train -k 2 -f x,y -s 1 -o good.model good.tsv
	{ cat good.tsv; printf 'bad\tNaN\t1\n'; } > late.tsv
	local mode
	for mode in --assign '--per-cluster 100000'; do
		# shellcheck disable=SC2086
		run --separate-stderr cluster-sample -m good.model $mode -s 2 \
		    good.tsv
		assert_success
		local expected="$output"
		# shellcheck disable=SC2086
		run --separate-stderr cluster-sample -m good.model $mode -s 2 \
		    late.tsv
		assert_failure 1
		assert_equal "$stderr" "cluster-sample: late.tsv:3002: column 'x' is not a finite number: 'NaN'"
		assert_equal "$output" "$expected"
	done
	# --exact writes only once every row is in: nothing.
	run --separate-stderr cluster-sample -m good.model --exact 5 late.tsv
	assert_failure 1
	assert_output ""
}

@test "cluster-sample: a row whose distances overflow is refused, not put in cluster 1" {
	make_abc
	printf 'id\tx\nz1\t9.9\nz2\t-1e300\n' > far.tsv
	for mode in --assign '--exact 1'; do
		# shellcheck disable=SC2086
		run --separate-stderr cluster-sample -m abc.model $mode far.tsv
		assert_failure 1
		assert_equal "$stderr" "cluster-sample: far.tsv:3: the row is so far from every centroid that its squared distance overflows a double"
	done
}

@test "cluster-sample: a closed pipe ends quietly" {
	blobs 20000 > big.tsv
	kmeans-train -k 1 -f x,y -o big.model big.tsv
	run --separate-stderr bash -c \
	    'cluster-sample -m big.model --assign big.tsv | head -1'
	assert_success
	assert_output "$(printf 'id\tx\ty\tcluster')"
	[ "$stderr" = "" ]
}

@test "cluster-sample: --help and --version go to stdout" {
	run --separate-stderr cluster-sample --help
	assert_success
	assert_line --index 0 --partial "usage: cluster-sample -m MODEL"
	run --separate-stderr cluster-sample --version
	assert_success
	assert_output --partial "cluster-sample"
}
