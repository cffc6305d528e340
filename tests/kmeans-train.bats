#!/usr/bin/env bats
# kmeans-train: fitting, the model file, canonical cluster order,
# reproducibility, the k table, the reading errors of every program, and
# Lloyd steps from given centroids (--init) as map (--partial) and
# reduce (--merge).

load test_helper

# blobs SIZES...: rows of three columns (id, x, y) around the centres
# (0, 0), (10, 0), (0, 10), (10, 10), ... with uniform noise in [0, 1),
# SIZES rows per blob, from a fixed awk seed.
blobs() {
	awk -v sizes="$*" 'BEGIN {
		srand(11); n = split(sizes, size, " ")
		print "id\tx\ty"
		for (b = 1; b <= n; b++)
			for (i = 0; i < size[b]; i++)
				printf "r%d_%d\t%.4f\t%.4f\n", b, i,
				    10 * ((b - 1) % 2) + rand(),
				    10 * int((b - 1) / 2) + rand()
	}'
}

# record KEY: the values of a model record in $output.
record() {
	printf '%s\n' "$output" | awk -F '\t' -v key="$1" '
		$1 == key { sub(/^[^\t]*\t/, ""); print }'
}

@test "kmeans-train: finds three separated blobs, one cluster each" {
	blobs 100 100 100 > blobs.tsv
	run --separate-stderr kmeans-train -k 3 -f x,y blobs.tsv
	assert_success
	assert_equal "$(record clusters)" "3"
	assert_equal "$(record rows)" "300"
	assert_equal "$(record cluster | cut -f 2 | tr '\n' ' ')" \
	    "100 100 100 "
	# Each centroid is a blob centre plus the mean noise, about 0.5.
	assert_equal "$(record cluster | awk -F '\t' '{
		printf "%d,%d ", int($3), int($4) }')" "0,0 0,10 10,0 "
}

@test "kmeans-train: the model file has every documented record" {
	blobs 30 30 > blobs.tsv
	run --separate-stderr kmeans-train -k 2 -f x,y -s 5 --restarts 3 \
	    --max-iterations 50 --tolerance 0.001 blobs.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | cut -f 1 | tr '\n' ' ')" \
	    "model features clusters rows inertia seed restarts max_iterations tolerance iterations state order standardized mean scale cluster cluster end "
	assert_equal "$(printf '%s\n' "$output" | head -2)" \
	    "$(printf 'model\tkmeans\t1\nfeatures\tx\ty')"
	assert_equal "$(record seed)" "5"
	assert_equal "$(record restarts)" "3"
	assert_equal "$(record max_iterations)" "50"
	assert_equal "$(record tolerance)" "0.001"
	assert_equal "$(record order)" "population-descending"
	assert_equal "$(record state)" "converged"
	assert_equal "$(record standardized)" "0"
	assert_equal "$(record mean)" "$(printf '0\t0')"
	assert_equal "$(record scale)" "$(printf '1\t1')"
}

@test "kmeans-train: inertia is the sum of squared distances to the centroids" {
	blobs 40 60 > blobs.tsv
	run --separate-stderr kmeans-train -k 2 -f x,y blobs.tsv
	assert_success
	printf '%s\n' "$output" > model
	expected=$(awk -F '\t' 'NR == FNR { if ($1 == "cluster") {
			cx[$2] = $4; cy[$2] = $5; k = $2 }; next }
		FNR > 1 { best = -1
			for (c = 1; c <= k; c++) {
				d = ($2 - cx[c]) ^ 2 + ($3 - cy[c]) ^ 2
				if (best < 0 || d < best) best = d }
			total += best }
		END { printf "%.10g", total }' model blobs.tsv)
	assert_close "$(record inertia)" "$expected" 1e-9 relative
}

@test "kmeans-train: cluster ids follow population, largest first" {
	blobs 20 80 50 > blobs.tsv
	run --separate-stderr kmeans-train -k 3 -f x,y blobs.tsv
	assert_success
	assert_equal "$(record cluster | cut -f 1,2 | tr '\t\n' ': ')" \
	    "1:80 2:50 3:20 "
}

@test "kmeans-train: ties in population are ordered by centroid coordinates" {
	blobs 50 50 50 50 > blobs.tsv
	run --separate-stderr kmeans-train -k 4 -f x,y -s 3 blobs.tsv
	assert_success
	assert_equal "$(record cluster | awk -F '\t' '{
		printf "%d,%d ", int($3), int($4) }')" \
	    "0,0 0,10 10,0 10,10 "
}

@test "kmeans-train: same --seed gives identical bytes at 1 and 2 BLAS threads" {
	blobs 200 150 100 > blobs.tsv
	OPENBLAS_NUM_THREADS=1 kmeans-train -k 5 -f x,y -s 42 -o one.model \
	    blobs.tsv
	OPENBLAS_NUM_THREADS=2 kmeans-train -k 5 -f x,y -s 42 -o two.model \
	    blobs.tsv
	run cmp one.model two.model
	assert_success
}

@test "kmeans-train: the model does not depend on --threads" {
	blobs 5000 3000 2000 > blobs.tsv
	kmeans-train -k 6 -f x,y -s 9 --threads 1 -o one.model blobs.tsv
	kmeans-train -k 6 -f x,y -s 9 --threads 2 -o two.model blobs.tsv
	kmeans-train -k 6 -f x,y -s 9 --threads 3 -o three.model blobs.tsv
	run cmp one.model two.model
	assert_success
	run cmp one.model three.model
	assert_success
}

@test "kmeans-train: different seeds are recorded in the model" {
	blobs 30 30 > blobs.tsv
	run --separate-stderr kmeans-train -k 2 -f x,y -s 8 blobs.tsv
	assert_equal "$(record seed)" "8"
}

@test "kmeans-train: fewer distinct points than k is an error" {
	printf 'x\ty\n1\t1\n1\t1\n5\t5\n5\t5\n' > dup.tsv
	run --separate-stderr kmeans-train -k 3 -o dup.model dup.tsv
	assert_failure 1
	[ "$stderr" = "kmeans-train: only 2 distinct points for 3 clusters" ]
	assert_output ""
	[ ! -e dup.model ]
}

@test "kmeans-train: as many distinct points as k gives one per cluster" {
	printf 'x\ty\n1\t1\n1\t1\n5\t5\n5\t5\n' > dup.tsv
	run --separate-stderr kmeans-train -k 2 dup.tsv
	assert_success
	assert_equal "$(record cluster | tr '\t\n' ', ')" \
	    "1,2,1,1 2,2,5,5 "
	assert_equal "$(record inertia)" "0"
}

@test "kmeans-train: a non-finite value is an error naming line and column" {
	run --separate-stderr kmeans-train -k 2 \
	    < <(printf 'x\ty\n1\t2\n3\tNaN\n4\t5\n')
	assert_failure 1
	[ "$stderr" = "kmeans-train: stdin:3: column 'y' is not a finite number: 'NaN'" ]
	assert_output ""
}

@test "kmeans-train: an empty field is an error, never a shifted row" {
	run --separate-stderr kmeans-train -k 1 \
	    < <(printf 'a\tb\n1\t\n7\t8\n')
	assert_failure 1
	[ "$stderr" = "kmeans-train: stdin:2: column 'b' is empty" ]
}

@test "kmeans-train: a ragged row is an error with both counts" {
	run --separate-stderr kmeans-train -k 1 < <(printf 'a\tb\n1\t2\t\n')
	assert_failure 1
	[ "$stderr" = "kmeans-train: stdin:2: 3 fields where the header has 2" ]
}

@test "kmeans-train: header only is an error, no data rows" {
	run --separate-stderr kmeans-train -k 1 < <(printf 'x\ty\n')
	assert_failure 1
	[ "$stderr" = "kmeans-train: stdin: no data rows to fit" ]
	assert_output ""
}

@test "kmeans-train: an empty file is an error" {
	: > empty.tsv
	run --separate-stderr kmeans-train -k 1 empty.tsv
	assert_failure 1
	[ "$stderr" = "kmeans-train: empty.tsv: empty input, expected a header line" ]
}

@test "kmeans-train: CRLF line ends and a byte order mark read as plain LF" {
	blobs 20 20 > lf.tsv
	{ printf '\357\273\277'; sed 's/$/\r/' lf.tsv; } > crlf.tsv
	kmeans-train -k 2 -f x,y lf.tsv > lf.model
	kmeans-train -k 2 -f x,y crlf.tsv > crlf.model
	run cmp lf.model crlf.model
	assert_success
}

@test "kmeans-train: --skip-invalid drops bad rows and counts them" {
	printf 'x\n1\n2\nNA\n\n10\n11\n' | sed '5d' > gaps.tsv
	run --separate-stderr kmeans-train -k 2 --skip-invalid gaps.tsv
	assert_success
	[ "$stderr" = "kmeans-train: gaps.tsv: skipped 1 row with an empty, non-numeric or non-finite value" ]
	assert_equal "$(record rows)" "4"
}

@test "kmeans-train: --keep columns are left out of the default fields" {
	blobs 10 10 > blobs.tsv
	run --separate-stderr kmeans-train -k 2 --keep id blobs.tsv
	assert_success
	assert_equal "$(record features)" "$(printf 'x\ty')"
}

@test "kmeans-train: --no-header names the columns by number" {
	blobs 10 10 | tail -n +2 | cut -f 2,3 > bare.tsv
	run --separate-stderr kmeans-train -k 2 --no-header bare.tsv
	assert_success
	assert_equal "$(record features)" "$(printf '1\t2')"
	assert_equal "$(record rows)" "20"
}

@test "kmeans-train: --standardize records means and sample sds, constant column at 1" {
	printf 'a\tb\tc\n1\t10\t7\n2\t30\t7\n3\t50\t7\n4\t70\t7\n' > s.tsv
	run --separate-stderr kmeans-train -k 2 --standardize s.tsv
	assert_success
	[ "$stderr" = "kmeans-train: column 'c' is constant; left unscaled" ]
	assert_equal "$(record standardized)" "1"
	assert_equal "$(record mean)" "$(printf '2.5\t40\t7')"
	assert_close "$(record scale | cut -f 1)" 1.2909944487358056 1e-15 \
	    relative
	assert_close "$(record scale | cut -f 2)" 25.81988897471611 1e-15 \
	    relative
	assert_equal "$(record scale | cut -f 3)" "1"
	# The centroids live in the scaled space: means of +-0.387, +-1.162.
	assert_close "$(record cluster | head -1 | cut -f 3)" -0.7745966692 \
	    1e-9
}

@test "kmeans-train: a constant column whose mean rounds is still left unscaled" {
	# Seven times 0.1 sums to 0.7000000000000001: the mean is not 0.1,
	# but the column is constant all the same.
	awk 'BEGIN { print "a\tb"; for (i = 1; i <= 7; i++) print "0.1\t" i }' \
	    > c.tsv
	run --separate-stderr kmeans-train -k 2 --standardize c.tsv
	assert_success
	[ "$stderr" = "kmeans-train: column 'a' is constant; left unscaled" ]
	assert_equal "$(record scale | cut -f 1)" "1"
	record cluster | awk -F '\t' '$3 > 1e-12 || $3 < -1e-12 { exit 1 }'
}

@test "kmeans-train: -v prints inertia per iteration and per restart" {
	blobs 50 50 > blobs.tsv
	run --separate-stderr kmeans-train -v -k 2 -f x,y --restarts 2 \
	    blobs.tsv
	assert_success
	printf '%s\n' "$stderr" | grep -q \
	    '^kmeans-train: k=2 restart 1 iteration 1: inertia [0-9.e+]*, [0-9]* rows moved$'
	printf '%s\n' "$stderr" | grep -q \
	    '^kmeans-train: k=2 restart 2: inertia [0-9.e+]* after [0-9]* iterations\{0,1\} (converged)$'
	printf '%s\n' "$stderr" | grep -q '^kmeans-train: k=2: kept restart [12], inertia'
	assert_equal "$(record rows)" "100"
}

@test "kmeans-train: --max-iterations stops a run and says so" {
	awk 'BEGIN { srand(2); print "x\ty"
		for (i = 0; i < 400; i++) printf "%.5f\t%.5f\n", rand(), rand() }' \
	    > square.tsv
	run --separate-stderr kmeans-train -v -k 7 --restarts 1 \
	    --max-iterations 1 --tolerance 0 square.tsv
	assert_success
	printf '%s\n' "$stderr" | grep -q 'stopped by --max-iterations'
	assert_equal "$(record iterations)" "1"
	assert_equal "$(record state)" "stopped"
}

@test "kmeans-train: -k 2-5 prints k, inertia and silhouette, best at the true k" {
	blobs 60 60 60 > blobs.tsv
	run --separate-stderr kmeans-train -k 2-5 -f x,y blobs.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | head -1)" \
	    "$(printf 'k\tinertia\tsilhouette')"
	assert_equal "$(printf '%s\n' "$output" | cut -f 1 | tr '\n' ' ')" \
	    "k 2 3 4 5 "
	# Inertia falls with k; the silhouette peaks at 3.
	printf '%s\n' "$output" | awk -F '\t' 'NR > 2 && $2 >= last { exit 1 }
		{ last = $2 }'
	assert_equal "$(printf '%s\n' "$output" | tail -n +2 | sort -t "$(printf '\t')" -k 3,3gr | head -1 | cut -f 1)" "3"
	assert [ "$(field silhouette 2 | cut -c 1-3)" = "0.9" ]
}

@test "kmeans-train: a k of the table has the inertia of -k alone" {
	blobs 60 60 60 > blobs.tsv
	run --separate-stderr kmeans-train -k 4 -f x,y -s 6 blobs.tsv
	single=$(record inertia)
	run --separate-stderr kmeans-train -k 3-4 -f x,y -s 6 --precision 17 \
	    blobs.tsv
	assert_success
	assert_close "$(field inertia 2)" "$single" 1e-15 relative
}

@test "kmeans-train: silhouette matches the closed form on two pairs" {
	# Points 0, 1, 10, 11: a = 1 for each, b = 9.5, 10.5, 10.5, 9.5 on
	# average, so s = (9.5-1)/9.5 and (10.5-1)/10.5, twice each.
	printf 'x\n0\n1\n10\n11\n' > pairs.tsv
	run --separate-stderr kmeans-train -k 2-2 --precision 12 pairs.tsv
	assert_success
	expected=$(awk 'BEGIN { printf "%.12f", (8.5 / 9.5 + 9.5 / 10.5) / 2 }')
	assert_close "$(field silhouette)" "$expected" 1e-11
	assert_equal "$(field inertia)" "1"
}

@test "kmeans-train: -o with a range of k is a usage error" {
	run --separate-stderr kmeans-train -k 2-4 -o m.model
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: -o writes one model; give one -k, not a range" ]
}

@test "kmeans-train: -k is required and checked" {
	run --separate-stderr kmeans-train
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: -k K (the number of clusters) is required" ]
	run --separate-stderr kmeans-train -k 5-2
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: option -k: range '5-2' runs backwards" ]
	run --separate-stderr kmeans-train -k x
	assert_failure 2
}

@test "kmeans-train: a malformed range of k is quoted whole" {
	run --separate-stderr kmeans-train -k 3-
	assert_failure 2
	assert_output ""
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: option -k: '3-' is not a range LOW-HIGH of whole numbers from 2 to 100000" ]
	run --separate-stderr kmeans-train -k 1-5
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: option -k: '1-5' is not a range LOW-HIGH of whole numbers from 2 to 100000" ]
	run --separate-stderr kmeans-train -k 2-4-6
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: option -k: '2-4-6' is not a range LOW-HIGH of whole numbers from 2 to 100000" ]
}

@test "kmeans-train: a failed fit leaves the previous model in place" {
	blobs 10 10 > blobs.tsv
	kmeans-train -k 2 -f x,y -o kept.model blobs.tsv
	cp kept.model before.model
	run --separate-stderr kmeans-train -k 2 -o kept.model \
	    < <(printf 'x\n1\nbad\n')
	assert_failure 1
	run cmp kept.model before.model
	assert_success
	[ -z "$(ls -A | grep '^\.kept')" ]
}

@test "kmeans-train: a write error fails the run" {
	blobs 10 10 > blobs.tsv
	run --separate-stderr sh -c \
	    'kmeans-train -k 2 -f x,y blobs.tsv > /dev/full'
	assert_failure 1
	[ "$stderr" = "kmeans-train: stdout: No space left on device" ]
}

@test "kmeans-train: --help and --version go to stdout" {
	run --separate-stderr kmeans-train --help
	assert_success
	assert_line --index 0 --partial "usage: kmeans-train -k K|K1-K2"
	run --separate-stderr kmeans-train --version
	assert_success
	assert_output --partial "kmeans-train"
}

@test "kmeans-train: reaches the reference inertia on JumpStarter service 0" {
	skip_without_shared data/jumpstarter-dataset2/train/service0.csv
	skip_without_shared reference/real/jumpstarter2-service0-kmeans.tsv
	{ seq 1 19 | sed 's/^/c/' | paste -s -
	  tr ',' '\t' < "$SHARED_DIR/data/jumpstarter-dataset2/train/service0.csv"
	} > service0.tsv
	reference=$(awk -F '\t' 'NR == 2 { print $2 }' \
	    "$SHARED_DIR/reference/real/jumpstarter2-service0-kmeans.tsv")
	run --separate-stderr kmeans-train -k 4 --standardize --restarts 5 \
	    service0.tsv
	assert_success
	[ "$stderr" = "kmeans-train: column 'c3' is constant; left unscaled" ]
	assert_close "$(record inertia)" "$reference" 0.01 relative
	# The reference's cluster sizes, 2428 1963 1325 44, to within a few.
	record cluster | cut -f 2 | paste -s -d ' ' - | awk '{
		split("2428 1963 1325 44", want, " ")
		for (i = 1; i <= 4; i++) if ($i - want[i] > 10 ||
		    want[i] - $i > 10) exit 1 }'
}

@test "kmeans-train: reference inertia also from rows standardised by awk" {
	skip_without_shared data/jumpstarter-dataset2/train/service0.csv
	skip_without_shared reference/real/jumpstarter2-service0-kmeans.tsv
	# Mean and sample sd (ddof 1), constant column left at scale 1.
	awk -F ',' -v OFS='\t' '
		{ for (j = 1; j <= NF; j++) { v[NR, j] = $j; s[j] += $j } }
		END { n = NR
			for (j = 1; j <= NF; j++) { m[j] = s[j] / n
				for (i = 1; i <= n; i++) q[j] += (v[i, j] - m[j]) ^ 2
				sd[j] = q[j] > 0 ? sqrt(q[j] / (n - 1)) : 1 }
			for (j = 1; j <= NF; j++)
				printf "c%d%s", j, j < NF ? OFS : "\n"
			for (i = 1; i <= n; i++)
				for (j = 1; j <= NF; j++)
					printf "%.17g%s", (v[i, j] - m[j]) / sd[j],
					    j < NF ? OFS : "\n" }' \
	    "$SHARED_DIR/data/jumpstarter-dataset2/train/service0.csv" \
	    > scaled.tsv
	reference=$(awk -F '\t' 'NR == 2 { print $2 }' \
	    "$SHARED_DIR/reference/real/jumpstarter2-service0-kmeans.tsv")
	run --separate-stderr kmeans-train -k 4 --restarts 5 scaled.tsv
	assert_success
	assert_close "$(record inertia)" "$reference" 0.01 relative
}

# start_model FILE X,Y...: an unscaled k-means model of features x and y
# with one cluster at each point given, as a start for --init.
start_model() {
	local file=$1 c=0 point
	shift
	{
		printf 'model\tkmeans\t1\nfeatures\tx\ty\nclusters\t%d\n' $#
		printf 'rows\t0\ninertia\t0\nstandardized\t0\n'
		printf 'mean\t0\t0\nscale\t1\t1\n'
		for point in "$@"; do
			c=$((c + 1))
			printf 'cluster\t%d\t0\t%s\t%s\n' "$c" "${point%,*}" \
			    "${point#*,}"
		done
		printf 'end\t%d\n' $((9 + $#))
	} > "$file"
}

# sharded_fit START OUTPUT SHARD...: Lloyd steps by --partial on every
# shard and --merge, from START until the merge says the run is over.
sharded_fit() {
	local current=$1 output=$2 step=0 shard i
	shift 2
	while :; do
		i=0
		for shard in "$@"; do
			i=$((i + 1))
			kmeans-train --partial --init "$current" \
			    -o "step$step-$i.partial" "$shard"
		done
		kmeans-train --merge --init "$current" \
		    "${SHARDED_OPTIONS[@]}" -o "step$((step + 1)).model" \
		    $(seq -f "step$step-%g.partial" 1 $#)
		current="step$((step + 1)).model"
		step=$((step + 1))
		grep -q '^state	iterating$' "$current" || break
	done
	cp "$current" "$output"
}

@test "kmeans-train: --partial writes a shard's counts, sums and inertia" {
	start_model start.model 0,0 10,0
	printf 'x\ty\n0\t0\n1\t0\n10\t0\n12\t0\n' > four.tsv
	run --separate-stderr kmeans-train --partial --init start.model \
	    four.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | head -2)" \
	    "$(printf 'model\tkmeans-partial\t1\nfeatures\tx\ty')"
	assert_equal "$(record rows)" "4"
	# Squared distances 0, 1, 0 and 4 to the nearest start centroid.
	assert_equal "$(record inertia)" "5"
	assert_equal "$(record centroid | tr '\t\n' ', ')" "1,0,0 2,10,0 "
	assert_equal "$(record cluster | tr '\t\n' ', ')" "1,2,1,0 2,2,22,0 "
	assert_equal "$(record column_mean)" "$(printf '5.75\t0')"
	assert_equal "$(record column_squares)" "$(printf '112.75\t0')"
}

@test "kmeans-train: --merge adds the partials and moves to the means" {
	start_model start.model 0,0 10,0
	printf 'x\ty\n0\t0\n12\t0\n' > a.tsv
	printf 'x\ty\n1\t0\n10\t0\n' > b.tsv
	kmeans-train --partial --init start.model -o a.partial a.tsv
	kmeans-train --partial --init start.model -o b.partial b.tsv
	run --separate-stderr kmeans-train --merge --init start.model \
	    a.partial b.partial
	assert_success
	assert_equal "$(record cluster | tr '\t\n' ', ')" \
	    "1,2,0.5,0 2,2,11,0 "
	assert_equal "$(record state)" "iterating"
	assert_equal "$(record iterations)" "1"
	assert_equal "$(record rows)" "4"
	assert_equal "$(record inertia)" "5"
	printf '%s\n' "$output" > next.model
	# The next step finds the means unchanged: converged, and the model
	# keeps them with the inertia measured to them.
	kmeans-train --partial --init next.model -o a2.partial a.tsv
	kmeans-train --partial --init next.model -o b2.partial b.tsv
	run --separate-stderr kmeans-train --merge --init next.model \
	    a2.partial b2.partial
	assert_success
	assert_equal "$(record state)" "converged"
	assert_equal "$(record iterations)" "1"
	assert_equal "$(record inertia)" "2.5"
	assert_equal "$(record cluster | tr '\t\n' ', ')" \
	    "1,2,0.5,0 2,2,11,0 "
}

@test "kmeans-train: --init runs the same steps in one process" {
	start_model start.model 0,0 10,0
	printf 'x\ty\n0\t0\n1\t0\n10\t0\n12\t0\n' > four.tsv
	run --separate-stderr kmeans-train -v --init start.model --restarts 1 \
	    four.tsv
	assert_success
	assert_equal "$(record cluster | tr '\t\n' ', ')" \
	    "1,2,0.5,0 2,2,11,0 "
	assert_equal "$(record inertia)" "2.5"
	assert_equal "$(record iterations)" "1"
	assert_equal "$(record state)" "converged"
	assert_equal "$(record restarts)" "1"
	[ "$(printf '%s\n' "$stderr" | tail -1)" = \
	    "kmeans-train: converged after 1 iteration: inertia 2.5" ]
}

@test "kmeans-train: sharded steps equal the single run for 1, 2, 3 and 7 shards" {
	# Summation order differs between shard counts, so centroids and
	# inertia may differ in the last bits (1e-12 relative is allowed);
	# counts, populations, iterations and state are identical, and one
	# shard gives the same bytes.
	blobs 50 80 120 200 > blobs.tsv
	start_model start.model 2,2 3,3 8,1 1,8
	kmeans-train --init start.model --restarts 1 -o single.model blobs.tsv
	grep -q '^iterations	[2-9]' single.model
	SHARDED_OPTIONS=()
	sharded_fit start.model one.model blobs.tsv
	run cmp single.model one.model
	assert_success
	split_rows "1 449" two- blobs.tsv
	sharded_fit start.model two.model two-1.tsv two-2.tsv
	run models_agree single.model two.model
	assert_success
	split_rows "300 0 149" three- blobs.tsv
	sharded_fit start.model three.model three-[123].tsv
	run models_agree single.model three.model
	assert_success
	split_rows "0 1 17 150 3 200 79" seven- blobs.tsv
	[ "$(wc -l < seven-1.tsv)" -eq 1 ] && [ "$(wc -l < seven-2.tsv)" -eq 2 ]
	sharded_fit start.model seven.model seven-[1-7].tsv
	run models_agree single.model seven.model
	assert_success
	assert_equal "$(grep -c '^cluster	' seven.model)" "4"
}

@test "kmeans-train: a standardised start scales every shard as the model does" {
	blobs 60 90 30 > blobs.tsv
	head -41 blobs.tsv > sample.tsv
	kmeans-train -k 3 -f x,y --standardize --restarts 1 \
	    --max-iterations 1 -o start.model sample.tsv
	kmeans-train --init start.model -o single.model blobs.tsv
	split_rows "7 1 0 100" part- blobs.tsv
	run --separate-stderr kmeans-train --partial --init start.model \
	    part-4.tsv
	assert_equal "$(record mean)" \
	    "$(awk -F '\t' '$1 == "mean" { print $2 "\t" $3 }' start.model)"
	assert_equal "$(record scale)" \
	    "$(awk -F '\t' '$1 == "scale" { print $2 "\t" $3 }' start.model)"
	SHARDED_OPTIONS=()
	sharded_fit start.model sharded.model part-[1-4].tsv
	run models_agree single.model sharded.model
	assert_success
	assert_equal "$(grep -E '^(standardized|mean|scale)' sharded.model)" \
	    "$(grep -E '^(standardized|mean|scale)' start.model)"
}

@test "kmeans-train: a cluster that gets no rows stays where it was" {
	blobs 40 40 > blobs.tsv
	start_model start.model 1,1 9,1 500,500
	run --separate-stderr kmeans-train --init start.model blobs.tsv
	assert_success
	printf '%s\n' "$output" > single.model
	assert_equal "$(record cluster | tail -1 | tr '\t' ',')" "3,0,500,500"
	split_rows "0 1 79" part- blobs.tsv
	SHARDED_OPTIONS=()
	sharded_fit start.model sharded.model part-[1-3].tsv
	run models_agree single.model sharded.model
	assert_success
}

@test "kmeans-train: --max-iterations caps --init and the merges alike" {
	blobs 50 80 120 200 > blobs.tsv
	start_model start.model 2,2 3,3 8,1 1,8
	run --separate-stderr kmeans-train --init start.model \
	    --max-iterations 1 --tolerance 0 blobs.tsv
	assert_success
	assert_equal "$(record state)" "stopped"
	assert_equal "$(record iterations)" "1"
	printf '%s\n' "$output" > single.model
	split_rows "200 250" part- blobs.tsv
	SHARDED_OPTIONS=(--max-iterations 1 --tolerance 0)
	sharded_fit start.model sharded.model part-1.tsv part-2.tsv
	run models_agree single.model sharded.model
	assert_success
}

@test "kmeans-train: an --init model's populations are cluster-sample's counts" {
	blobs 30 70 50 > blobs.tsv
	start_model start.model 4,4 6,6 5,9
	kmeans-train --init start.model -o final.model blobs.tsv
	run --separate-stderr cluster-sample -m final.model --assign blobs.tsv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | tail -n +2 | cut -f 4 |
	    sort -n | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')" \
	    "$(awk -F '\t' '$1 == "cluster" { printf "%s:%s ", $2, $3 }' \
	    final.model)"
}

@test "kmeans-train: a partial of other centroids is refused with its line" {
	start_model start.model 0,0 10,0
	start_model other.model 0,0 10,1
	printf 'x\ty\n0\t0\n12\t0\n' > a.tsv
	kmeans-train --partial --init start.model -o good.partial a.tsv
	kmeans-train --partial --init other.model -o stale.partial a.tsv
	run --separate-stderr kmeans-train --merge --init start.model \
	    -o next.model good.partial stale.partial
	assert_failure 1
	[ "$stderr" = "kmeans-train: stale.partial:12: centroid 2 is not the one in start.model: the partial was gathered against another model" ]
	[ ! -e next.model ]
}

@test "kmeans-train: a partial of other columns is refused with its line" {
	start_model start.model 0,0 10,0
	sed 's/^features.*/features\tx\tz/' start.model > xz.model
	printf 'x\ty\tz\n0\t0\t0\n12\t0\t0\n' > a.tsv
	kmeans-train --partial --init xz.model -o xz.partial a.tsv
	run --separate-stderr kmeans-train --merge --init start.model \
	    xz.partial
	assert_failure 1
	[ "$stderr" = "kmeans-train: xz.partial:2: column 2 is 'z', but start.model has 'y'" ]
	assert_output ""
}

@test "kmeans-train: a partial of another scaling is refused" {
	start_model start.model 0,0 10,0
	sed 's/^scale.*/scale\t2\t1/' start.model > scaled.model
	printf 'x\ty\n0\t0\n' > a.tsv
	kmeans-train --partial --init scaled.model -o scaled.partial a.tsv
	run --separate-stderr kmeans-train --merge --init start.model \
	    scaled.partial
	assert_failure 1
	[ "$stderr" = "kmeans-train: scaled.partial:8: the scaling is not the one in start.model: the partial was gathered against another model" ]
}

@test "kmeans-train: a model is not a partial, and counts must add up" {
	start_model start.model 0,0 10,0
	printf 'x\ty\n0\t0\n12\t0\n' > a.tsv
	run --separate-stderr kmeans-train --merge --init start.model \
	    start.model
	assert_failure 1
	[ "$stderr" = "kmeans-train: start.model:1: a model of kind 'kmeans', expected 'kmeans-partial'" ]
	kmeans-train --partial --init start.model -o a.partial a.tsv
	sed 's/^rows\t2$/rows\t3/' a.partial > bad.partial
	run --separate-stderr kmeans-train --merge --init start.model \
	    bad.partial
	assert_failure 1
	[ "$stderr" = "kmeans-train: bad.partial:14: the cluster counts add up to 2, but the partial has 3 rows" ]
}

@test "kmeans-train: rows that an --init model's tiny scale overflows are refused" {
	start_model start.model 0,0 10,0
	sed -i 's/^standardized\t0$/standardized\t1/; s/^scale\t1\t1$/scale\t1e-310\t1/' \
	    start.model
	printf 'x\ty\n0\t0\n12\t0\n' > rows.tsv
	run --separate-stderr kmeans-train --init start.model rows.tsv
	assert_failure 1
	assert_equal "$stderr" "kmeans-train: rows.tsv: scaled as start.model scales them, the rows overflow a double in the sums of a step"
	assert_output ""
	run --separate-stderr kmeans-train --partial --init start.model \
	    -o rows.partial rows.tsv
	assert_failure 1
	assert_equal "$stderr" "kmeans-train: rows.tsv: scaled as start.model scales them, the rows overflow a double in the sums of a step"
	[ ! -e rows.partial ]
}

@test "kmeans-train: partials whose sums overflow once added are refused" {
	start_model start.model 0,0 1e308,0
	printf 'x\ty\n1e308\t0\n' > big.tsv
	kmeans-train --partial --init start.model -o a.partial big.tsv
	kmeans-train --partial --init start.model -o b.partial big.tsv
	run --separate-stderr kmeans-train --merge --init start.model \
	    a.partial b.partial
	assert_failure 1
	assert_equal "$stderr" \
	    "kmeans-train: the sums of the 2 partial files overflow a double once added"
	assert_output ""
}

@test "kmeans-train: a partial with a negative inertia or sum of squares is refused" {
	start_model start.model 0,0 10,0
	printf 'x\ty\n0\t0\n1\t0\n10\t0\n12\t0\n' > four.tsv
	kmeans-train --partial --init start.model -o good.partial four.tsv
	awk -F '\t' -v OFS='\t' '$1 == "column_squares" { $2 = -$2 } { print }' \
	    good.partial > squares.partial
	run --separate-stderr kmeans-train --merge --init start.model \
	    good.partial squares.partial
	assert_failure 1
	assert_output ""
	local line
	line=$(grep -n '^column_squares' squares.partial | cut -d : -f 1)
	assert_equal "$stderr" "kmeans-train: squares.partial:$line: value 1 of record 'column_squares' is -112.75, but it cannot be negative"
	awk -F '\t' -v OFS='\t' '$1 == "inertia" { $2 = -5 } { print }' \
	    good.partial > inertia.partial
	run --separate-stderr kmeans-train --merge --init start.model \
	    inertia.partial
	assert_failure 1
	line=$(grep -n '^inertia' inertia.partial | cut -d : -f 1)
	assert_equal "$stderr" "kmeans-train: inertia.partial:$line: value 1 of record 'inertia' is -5, but it cannot be negative"
}

@test "kmeans-train: partials of empty shards alone are an error" {
	start_model start.model 0,0 10,0
	printf 'x\ty\n' > empty.tsv
	run --separate-stderr kmeans-train --partial --init start.model \
	    empty.tsv
	assert_success
	assert_equal "$(record rows)" "0"
	printf '%s\n' "$output" > empty.partial
	run --separate-stderr kmeans-train --merge --init start.model \
	    empty.partial empty.partial
	assert_failure 1
	[ "$stderr" = "kmeans-train: no data rows in the 2 partial files" ]
}

@test "kmeans-train: --merge counts the steps on from an iterating model" {
	# Centroids 0 and 3 take {0, 1} and {4, 10, 12}; then 0.5 and 8.67
	# take {0, 1, 4} and {10, 12}; then 5/3 and 11 keep them.
	start_model start.model 0,0 3,0
	printf 'x\ty\n0\t0\n1\t0\n4\t0\n10\t0\n12\t0\n' > five.tsv
	kmeans-train --partial --init start.model -o p0 five.tsv
	kmeans-train --merge --init start.model -o step1.model p0
	kmeans-train --partial --init step1.model -o p1 five.tsv
	run --separate-stderr kmeans-train --merge --init step1.model p1
	assert_success
	assert_equal "$(record iterations)" "2"
	assert_equal "$(record state)" "iterating"
	assert_equal "$(record cluster | cut -f 1-3 | tr '\t\n' ', ')" \
	    "1,3,1.6666666666666667 2,2,11 "
	printf '%s\n' "$output" > step2.model
	kmeans-train --partial --init step2.model -o p2 five.tsv
	kmeans-train --merge --init step2.model -o step3.model p2
	assert_equal "$(awk -F '\t' '$1 == "state" { print $2 }' \
	    step3.model)" "converged"
	kmeans-train --init start.model -o single.model five.tsv
	run cmp single.model step3.model
	assert_success
}

@test "kmeans-train: --init, --partial and --merge refuse what does not apply" {
	start_model start.model 0,0 10,0
	run --separate-stderr kmeans-train --partial a.tsv
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: --partial needs --init MODEL, the centroids of the step" ]
	run --separate-stderr kmeans-train --merge --init start.model
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: --merge needs one or more partial files" ]
	run --separate-stderr kmeans-train --init start.model -f x a.tsv
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: --init fits on its model's features; -f and --keep do not apply" ]
	run --separate-stderr kmeans-train --init start.model --standardize
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: --init scales rows as its model does; --standardize does not apply" ]
	run --separate-stderr kmeans-train --init start.model --restarts 3
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: --init makes one run from its model's centroids; --restarts must be 1" ]
	run --separate-stderr kmeans-train --partial --merge --init start.model \
	    a.partial
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: --partial and --merge are separate steps; give one" ]
	printf 'x\ty\n0\t0\n' > a.tsv
	run --separate-stderr kmeans-train --init start.model -k 3 a.tsv
	assert_failure 2
	assert_output ""
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: --init start.model is a model of 2 clusters, but -k is 3; give -k 2 or leave -k out" ]
	run --separate-stderr kmeans-train --partial --init start.model -k 5 a.tsv
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -1)" = "kmeans-train: --init start.model is a model of 2 clusters, but -k is 5; give -k 2 or leave -k out" ]
	run --separate-stderr kmeans-train --init start.model -k 2 a.tsv
	assert_success
}

@test "kmeans-train: --init needs the model's columns in the input" {
	start_model start.model 0,0 10,0
	printf 'x\tw\n0\t0\n' > a.tsv
	run --separate-stderr kmeans-train --partial --init start.model a.tsv
	assert_failure 1
	[[ "$stderr" == *"'y'"* ]] || fail "column not named: $stderr"
	assert_output ""
}

@test "kmeans-train: columns whose squares overflow are refused, never an inf model" {
	printf 'x\ty\n1e200\t1\n2e200\t2\n3e200\t9\n4e200\t10\n' > wide.tsv
	run --separate-stderr kmeans-train -k 2 -o wide.model wide.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "kmeans-train: wide.tsv: column 'x' varies too widely: its sum of squared deviations overflows a double"
	[ ! -e wide.model ]
	run --separate-stderr kmeans-train -k 2-3 wide.tsv
	assert_failure 1
	assert_output ""
	printf 'a\n1\n1e308\n4\n' > one-huge.tsv
	run --separate-stderr kmeans-train -k 2 --standardize one-huge.tsv
	assert_failure 1
	assert_equal "$stderr" "kmeans-train: one-huge.tsv: column 'a' varies too widely: its sum of squared deviations overflows a double"
	# Just inside the range, the fit is finite.
	printf 'x\n1e153\n-1e153\n0\n1\n' > wide-ok.tsv
	run --separate-stderr kmeans-train -k 2 wide-ok.tsv
	assert_success
	assert_line "$(printf 'inertia\t6.666666666666667e+305')"
}
