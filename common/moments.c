/*
 * moments.c - blocked, mergeable mean and co-moment (see moments.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "linalg.h"
#include "moments.h"

#define MOMENTS_BLOCK_ROWS 512

void
moments_init(struct moments *moments, size_t dimension)
{
	moments->dimension = dimension;
	moments->count = 0;
	moments->mean = xcalloc(dimension, sizeof(double));
	moments->comoment = xcalloc(dimension * dimension, sizeof(double));
	moments->block_capacity = MOMENTS_BLOCK_ROWS;
	moments->block = xcalloc(moments->block_capacity * dimension,
	    sizeof(double));
	moments->block_rows = 0;
}

/* Merge (count_b, mean_b, comoment_b) into moments, as in moments.h. */
static void
merge_statistics(struct moments *moments, double count_b,
    const double *mean_b, const double *comoment_b)
{
	size_t d = moments->dimension, i, j;
	double count = moments->count + count_b, weight;
	double *delta;

	if (count_b == 0)
		return;
	if (moments->count == 0) {
		/*
		 * Copied, not merged: the same values the formula gives,
		 * without delta delta' * 0, which is NaN once a mean passes
		 * 1e154 and delta delta' overflows.
		 */
		memcpy(moments->mean, mean_b, d * sizeof(double));
		memcpy(moments->comoment, comoment_b, d * d * sizeof(double));
		moments->count = count_b;
		return;
	}
	delta = xcalloc(d, sizeof(double));
	for (i = 0; i < d; i++)
		delta[i] = mean_b[i] - moments->mean[i];
	weight = moments->count * count_b / count;
	for (i = 0; i < d; i++)
		for (j = 0; j < d; j++)
			moments->comoment[i * d + j] += comoment_b[i * d + j] +
			    delta[i] * delta[j] * weight;
	for (i = 0; i < d; i++)
		moments->mean[i] += delta[i] * (count_b / count);
	moments->count = count;
	free(delta);
}

/*
 * The mean of column j of a block whose sum overflows, as the sum of
 * x / n: each partial sum stays within the largest |x|, so the mean of
 * finite values is finite.  Only then, since it rounds differently.
 */
static void
scaled_block_mean(const double *block, size_t n, size_t d, size_t j,
    double *mean)
{
	size_t i;

	*mean = 0;
	for (i = 0; i < n; i++)
		*mean += block[i * d + j] / (double)n;
}

void
moments_flush(struct moments *moments)
{
	size_t d = moments->dimension, n = moments->block_rows, i, j;
	double *block_mean, *block_comoment;

	if (n == 0)
		return;
	block_mean = xcalloc(d, sizeof(double));
	block_comoment = xcalloc(d * d, sizeof(double));
	for (i = 0; i < n; i++)
		for (j = 0; j < d; j++)
			block_mean[j] += moments->block[i * d + j];
	for (j = 0; j < d; j++)
		block_mean[j] /= (double)n;
	for (j = 0; j < d; j++)
		if (!isfinite(block_mean[j]))
			scaled_block_mean(moments->block, n, d, j,
			    &block_mean[j]);
	for (i = 0; i < n; i++)
		for (j = 0; j < d; j++)
			moments->block[i * d + j] -= block_mean[j];
	/* Block co-moment: X_c' X_c of the centred block. */
	linalg_gram_upper(n, d, 1.0, moments->block, d, 0.0, block_comoment);
	linalg_symmetrize(d, block_comoment);
	merge_statistics(moments, (double)n, block_mean, block_comoment);
	moments->block_rows = 0;
	free(block_mean);
	free(block_comoment);
}

void
moments_add(struct moments *moments, const double *row)
{
	memcpy(moments->block + moments->block_rows * moments->dimension, row,
	    moments->dimension * sizeof(double));
	if (++moments->block_rows == moments->block_capacity)
		moments_flush(moments);
}

void
moments_merge(struct moments *moments, const struct moments *other)
{
	merge_statistics(moments, other->count, other->mean,
	    other->comoment);
}

void
moments_covariance(const struct moments *moments, double ddof,
    double *covariance)
{
	size_t i, n = moments->dimension * moments->dimension;

	for (i = 0; i < n; i++)
		covariance[i] = moments->comoment[i] / (moments->count - ddof);
}

bool
moments_finite(const struct moments *moments, const char *const *names,
    char *problem, size_t size)
{
	size_t d = moments->dimension, i, j;

	for (j = 0; j < d; j++)
		if (!isfinite(moments->comoment[j * d + j])) {
			snprintf(problem, size, "column '%s' varies too "
			    "widely: its sum of squared deviations overflows "
			    "a double", names[j]);
			return false;
		}
	for (j = 0; j < d; j++)
		if (!isfinite(moments->mean[j])) {
			snprintf(problem, size, "the mean of column '%s' "
			    "overflows a double", names[j]);
			return false;
		}
	for (i = 0; i < d; i++)
		for (j = i + 1; j < d; j++)
			if (!isfinite(moments->comoment[i * d + j]) ||
			    !isfinite(moments->comoment[j * d + i])) {
				snprintf(problem, size, "columns '%s' and "
				    "'%s' vary too widely: their sum of cross "
				    "deviations overflows a double", names[i],
				    names[j]);
				return false;
			}
	return true;
}

void
moments_settle_constant_columns(struct moments *moments,
    const double *minimum, const double *maximum)
{
	size_t d = moments->dimension, i, j;

	if (moments->count == 0)
		return;
	for (j = 0; j < d; j++) {
		if (minimum[j] != maximum[j])
			continue;
		moments->mean[j] = minimum[j];
		for (i = 0; i < d; i++)
			moments->comoment[i * d + j] =
			    moments->comoment[j * d + i] = 0;
	}
}

void
moments_free(struct moments *moments)
{
	free(moments->mean);
	free(moments->comoment);
	free(moments->block);
	memset(moments, 0, sizeof(*moments));
}
