/*
 * knn.c - the k-nearest-neighbour divergence estimator of kl-drift and
 * the exact k-d tree search behind it (see kl_drift.h).
 *
 * The tree is built once per sample by splitting each node's points at
 * the median of the dimension where they spread most (quickselect, so
 * the build is O(n log n)); leaves hold a few points.  A query descends
 * to the nearer child first and visits the farther one only when the
 * splitting plane is closer than the k-th best squared distance so far,
 * which keeps the k best in a small sorted array.  Queries are exact: no
 * approximation factor.  The tree suits the few dimensions PCA leaves;
 * in tens of dimensions it degrades towards a linear scan.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "kl_drift.h"

#define LEAF_SIZE 8

struct kd_node {
	size_t begin, end;	/* the node's points: order[begin .. end) */
	size_t left, right;	/* child nodes; 0 for a leaf */
	size_t split_dimension;
	double split_value;	/* left: <= split_value, right: >= */
};

struct kd_tree {
	const double *points;	/* n_points x dimension, not owned */
	size_t n_points, dimension;
	size_t *order;		/* point numbers, grouped by node */
	double *sorted_points;	/* the points in that order, for locality */
	struct kd_node *nodes;
	size_t n_nodes, node_capacity;
};

/* The k smallest squared distances seen, ascending. */
struct nearest {
	long k;
	long n_found;
	double *distance_sq;
	double *offset;		/* per dimension, for search_node */
	bool underflow;		/* distinct rows at squared distance 0 */
};

static double
coordinate(const struct kd_tree *tree, size_t point, size_t j)
{
	return tree->points[point * tree->dimension + j];
}

/* The dimension in which order[begin .. end) spreads most. */
static size_t
widest_dimension(const struct kd_tree *tree, size_t begin, size_t end)
{
	size_t best = 0, i, j;
	double best_spread = -1;

	for (j = 0; j < tree->dimension; j++) {
		double low = coordinate(tree, tree->order[begin], j);
		double high = low;

		for (i = begin + 1; i < end; i++) {
			double x = coordinate(tree, tree->order[i], j);

			low = x < low ? x : low;
			high = x > high ? x : high;
		}
		if (high - low > best_spread) {
			best_spread = high - low;
			best = j;
		}
	}
	return best;
}

/*
 * Quickselect (Hoare's partition) so that order[middle] holds the point
 * whose coordinate j ranks there, smaller or equal ones before it and
 * greater or equal ones after.
 */
static void
select_median(struct kd_tree *tree, size_t begin, size_t end, size_t middle,
    size_t j)
{
	size_t *order = tree->order;

	while (end - begin > 1) {
		double pivot = coordinate(tree,
		    order[begin + (end - begin) / 2], j);
		size_t low = begin, high = end - 1, swap;

		while (low <= high) {
			while (coordinate(tree, order[low], j) < pivot)
				low++;
			while (coordinate(tree, order[high], j) > pivot)
				high--;
			if (low <= high) {
				swap = order[low];
				order[low] = order[high];
				order[high] = swap;
				low++;
				if (high == 0)
					break;
				high--;
			}
		}
		/* Now [begin, high] <= pivot <= [low, end). */
		if (middle <= high)
			end = high + 1;
		else if (middle >= low)
			begin = low;
		else
			return;
	}
}

static size_t
build_node(struct kd_tree *tree, size_t begin, size_t end)
{
	size_t node = tree->n_nodes++, middle, left, right;

	if (node == tree->node_capacity) {
		tree->node_capacity = tree->node_capacity * 2 + 64;
		tree->nodes = xreallocarray(tree->nodes, tree->node_capacity,
		    sizeof(struct kd_node));
	}
	memset(&tree->nodes[node], 0, sizeof(struct kd_node));
	tree->nodes[node].begin = begin;
	tree->nodes[node].end = end;
	if (end - begin <= LEAF_SIZE)
		return node;
	middle = begin + (end - begin) / 2;
	tree->nodes[node].split_dimension = widest_dimension(tree, begin,
	    end);
	select_median(tree, begin, end, middle,
	    tree->nodes[node].split_dimension);
	tree->nodes[node].split_value = coordinate(tree, tree->order[middle],
	    tree->nodes[node].split_dimension);
	/* Children first: building them may move tree->nodes. */
	left = build_node(tree, begin, middle);
	right = build_node(tree, middle, end);
	tree->nodes[node].left = left;
	tree->nodes[node].right = right;
	return node;
}

/*
 * The tree of sample, its coordinates (sorted points and split values)
 * multiplied by 2^shift: exact, and the same order, so the same tree.
 */
static struct kd_tree *
kd_tree_build(const struct sample *sample, int shift)
{
	struct kd_tree *tree = xcalloc(1, sizeof(*tree));
	size_t i;

	tree->points = sample->values;
	tree->n_points = sample->n_rows;
	tree->dimension = sample->dimension;
	tree->order = xcalloc(sample->n_rows, sizeof(size_t));
	for (i = 0; i < sample->n_rows; i++)
		tree->order[i] = i;
	build_node(tree, 0, sample->n_rows);
	tree->sorted_points = xcalloc(sample->n_rows * sample->dimension + 1,
	    sizeof(double));
	for (i = 0; i < sample->n_rows; i++)
		memcpy(tree->sorted_points + i * sample->dimension,
		    sample->values + tree->order[i] * sample->dimension,
		    sample->dimension * sizeof(double));
	for (i = 0; i < sample->n_rows * sample->dimension; i++)
		tree->sorted_points[i] = ldexp(tree->sorted_points[i], shift);
	for (i = 0; i < tree->n_nodes; i++)
		tree->nodes[i].split_value = ldexp(tree->nodes[i].split_value,
		    shift);
	return tree;
}

/*
 * The power of 2 that brings the largest |value| of both samples into
 * [0.5, 1).  The estimate does not change when both samples are scaled
 * alike, and scaled so, squared distances can neither overflow (values
 * past 1e154 apart) nor underflow to a false 0 (values within 1e-154
 * of each other), unless the values span more than 300 decades.
 */
static int
common_shift(const struct sample *p, const struct sample *q)
{
	const struct sample *samples[2] = { p, q };
	double largest = 0;
	size_t s, i;
	int exponent;

	for (s = 0; s < 2; s++)
		for (i = 0; i < samples[s]->n_rows * samples[s]->dimension;
		    i++)
			if (fabs(samples[s]->values[i]) > largest)
				largest = fabs(samples[s]->values[i]);
	if (largest == 0)
		return 0;
	frexp(largest, &exponent);
	return -exponent;
}

static void
kd_tree_free(struct kd_tree *tree)
{
	free(tree->order);
	free(tree->sorted_points);
	free(tree->nodes);
	free(tree);
}

/* Insert d2 among the k best if it beats the worst of them. */
static void
offer_distance(struct nearest *best, double d2)
{
	long i;

	if (best->n_found == best->k) {
		if (d2 >= best->distance_sq[best->k - 1])
			return;
		i = best->k - 1;
	} else
		i = best->n_found++;
	while (i > 0 && best->distance_sq[i - 1] > d2) {
		best->distance_sq[i] = best->distance_sq[i - 1];
		i--;
	}
	best->distance_sq[i] = d2;
}

static double
worst_distance(const struct nearest *best)
{
	return best->n_found < best->k ? INFINITY :
	    best->distance_sq[best->k - 1];
}

/*
 * The k nearest points of the tree to query, skipping point skip.
 * distance_sq is the squared distance from query to the node's cell as
 * far as the splits above have bounded it, and offset[j] the part of it
 * along dimension j (Arya and Mount's incremental distance): a subtree
 * is entered only when its cell is nearer than the k-th best so far.
 */
static void
search_node(const struct kd_tree *tree, size_t node_number,
    const double *query, size_t skip, struct nearest *best,
    double distance_sq, double *offset)
{
	const struct kd_node *node = &tree->nodes[node_number];
	size_t d = tree->dimension, i, j, split;
	double gap, saved, far_sq;

	if (node->left == 0) {
		for (i = node->begin; i < node->end; i++) {
			const double *x = tree->sorted_points + i * d;
			double d2 = 0;

			for (j = 0; j < d; j++)
				d2 += (x[j] - query[j]) * (x[j] - query[j]);
			if (tree->order[i] == skip)
				continue;
			for (j = 0; d2 == 0 && j < d; j++)
				if (x[j] != query[j])
					best->underflow = true;
			offer_distance(best, d2);
		}
		return;
	}
	split = node->split_dimension;
	gap = query[split] - node->split_value;
	search_node(tree, gap <= 0 ? node->left : node->right, query, skip,
	    best, distance_sq, offset);
	saved = offset[split];
	far_sq = distance_sq - saved * saved + gap * gap;
	if (far_sq < worst_distance(best)) {
		offset[split] = gap;
		search_node(tree, gap <= 0 ? node->right : node->left, query,
		    skip, best, far_sq, offset);
		offset[split] = saved;
	}
}

/* Squared distance from query to its k-th nearest point of tree. */
static double
kth_nearest_sq(const struct kd_tree *tree, const double *query, size_t skip,
    struct nearest *best)
{
	best->n_found = 0;
	memset(best->offset, 0, tree->dimension * sizeof(double));
	search_node(tree, 0, query, skip, best, 0, best->offset);
	return best->distance_sq[best->k - 1];
}

static void
check_neighbour_counts(const struct sample *p, const struct sample *q,
    long k)
{
	if ((size_t)k >= p->n_rows)
		diag_fatal("%s: knn with -k %ld needs at least %ld rows, "
		    "got %zu", p->name, k, k + 1, p->n_rows);
	if ((size_t)k > q->n_rows)
		diag_fatal("%s: knn with -k %ld needs at least %ld rows, "
		    "got %zu", q->name, k, k, q->n_rows);
}

double
knn_divergence(const struct sample *p, const struct sample *q, long k,
    const char *context)
{
	struct kd_tree *p_tree, *q_tree;
	struct nearest best;
	size_t n = p->n_rows, m = q->n_rows, i;
	size_t zero_within = 0, zero_across = 0;
	double sum = 0;
	int shift;

	check_neighbour_counts(p, q, k);
	shift = common_shift(p, q);
	p_tree = kd_tree_build(p, shift);
	q_tree = kd_tree_build(q, shift);
	best.k = k;
	best.underflow = false;
	best.distance_sq = xcalloc((size_t)k, sizeof(double));
	best.offset = xcalloc(p->dimension + 1, sizeof(double));
	/*
	 * sum of ln(nu / rho) = 0.5 ln(nu^2 / rho^2), over the rows in the
	 * tree's order, so that neighbouring queries touch the same nodes.
	 */
	for (i = 0; i < n; i++) {
		const double *x = p_tree->sorted_points + i * p->dimension;
		double rho_sq = kth_nearest_sq(p_tree, x, p_tree->order[i],
		    &best);
		double nu_sq = kth_nearest_sq(q_tree, x, (size_t)-1, &best);

		if (rho_sq == 0)
			zero_within++;
		if (nu_sq == 0)
			zero_across++;
		if (rho_sq > 0 && nu_sq > 0)
			sum += 0.5 * log(nu_sq / rho_sq);
	}
	free(best.distance_sq);
	free(best.offset);
	kd_tree_free(p_tree);
	kd_tree_free(q_tree);
	if (best.underflow)
		diag_fatal("%sknn: the squared distance between distinct rows "
		    "of %s and %s underflows to 0 (their values span more "
		    "than 300 decades), so the estimate is undefined", context,
		    p->name, q->name);
	if (zero_within > 0)
		diag_fatal("%sknn: %zu rows of %s have %ld or more identical "
		    "rows in %s (distance 0), so the estimate is undefined; "
		    "--unique drops repeated rows", context, zero_within,
		    p->name, k, p->name);
	if (zero_across > 0)
		diag_fatal("%sknn: %zu rows of %s have %ld or more identical "
		    "rows in %s (distance 0), so the estimate is undefined",
		    context, zero_across, p->name, k, q->name);
	return (double)p->dimension / (double)n * sum +
	    log((double)m / (double)(n - 1));
}

/* Row length for compare_rows: qsort passes no context. */
static size_t row_length_for_sort;

static int
compare_rows(const void *a, const void *b)
{
	const double *x = a, *y = b;
	size_t j;

	for (j = 0; j < row_length_for_sort; j++)
		if (x[j] != y[j])
			return x[j] < y[j] ? -1 : 1;
	return 0;
}

size_t
sample_drop_repeated_rows(struct sample *sample)
{
	size_t d = sample->dimension, kept = 0, i;
	size_t row_bytes = d * sizeof(double);

	if (sample->n_rows == 0)
		return 0;
	row_length_for_sort = d;
	qsort(sample->values, sample->n_rows, row_bytes, compare_rows);
	for (i = 1; i < sample->n_rows; i++)
		if (compare_rows(sample->values + kept * d,
		    sample->values + i * d) != 0) {
			kept++;
			if (kept != i)
				memcpy(sample->values + kept * d,
				    sample->values + i * d, row_bytes);
		}
	kept++;
	i = sample->n_rows - kept;
	sample->n_rows = kept;
	return i;
}
