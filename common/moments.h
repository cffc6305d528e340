/*
 * moments.h - count, mean and co-moment matrix of a stream of vectors,
 * in one pass and mergeable.
 *
 * The co-moment matrix is M = sum_i (x_i - mean)(x_i - mean)', so the
 * sample covariance is M / (n - 1).  Rows are gathered into blocks; each
 * full block's own mean and co-moment are computed (the latter with one
 * BLAS rank-k update of the centred block), then merged into the running
 * totals with the pairwise formula of Chan, Golub and LeVeque ("Updating
 * formulae and a pairwise algorithm for computing sample variances",
 * 1979):
 *
 *	n = n_a + n_b,  delta = mean_b - mean_a,
 *	mean = mean_a + delta * n_b / n,
 *	M = M_a + M_b + delta delta' * n_a n_b / n.
 *
 * Centring each block before the product avoids the cancellation of the
 * textbook sum-of-squares formula.  The same merge joins the statistics
 * of separate shards.  Memory is O(d^2 + block * d).
 */
#ifndef MOMENTS_H
#define MOMENTS_H

#include <stdbool.h>
#include <stddef.h>

struct moments {
	size_t dimension;
	double count;		/* rows merged so far (exact below 2^53) */
	double *mean;		/* dimension */
	double *comoment;	/* dimension x dimension, row-major, full */
	double *block;		/* rows waiting to be merged */
	size_t block_rows, block_capacity;
};

/* Start empty statistics of the given dimension. */
void moments_init(struct moments *moments, size_t dimension);

/* Add one row of dimension values. */
void moments_add(struct moments *moments, const double *row);

/* Merge the rows still in the block; call before reading the totals. */
void moments_flush(struct moments *moments);

/* Merge the (flushed) statistics of other into moments. */
void moments_merge(struct moments *moments, const struct moments *other);

/*
 * The covariance M / (count - ddof) into covariance (d x d); the caller
 * makes sure count > ddof.
 */
void moments_covariance(const struct moments *moments, double ddof,
    double *covariance);

/*
 * Whether every mean and co-moment is a finite double.  Finite values
 * spread wider than about 1e154 overflow the co-moments (a sum of
 * squares), and no decomposition of them means anything, so callers
 * check before using them.  When one is not finite, problem (size
 * bytes) receives what is wrong, naming the first such column from
 * names (dimension of them), for the caller to prefix with its file:
 *	column 'a' varies too widely: its sum of squared deviations
 *	overflows a double
 */
bool moments_finite(const struct moments *moments, const char *const *names,
    char *problem, size_t size);

/*
 * Give every column constant over the rows seen (minimum[j] equal to
 * maximum[j], both dimension long) that value as its mean and no
 * co-moment at all.  The blocked sums can round such a mean off the
 * value, and at magnitudes past 1e154 the square of that rounding
 * overflows the co-moments; call it after moments_flush.  Does nothing
 * before the first row.
 */
void moments_settle_constant_columns(struct moments *moments,
    const double *minimum, const double *maximum);

void moments_free(struct moments *moments);

#endif
