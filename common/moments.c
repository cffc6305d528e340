/*
 * moments.c - blocked, mergeable mean and co-moment (see moments.h).
 */
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

void
moments_free(struct moments *moments)
{
	free(moments->mean);
	free(moments->comoment);
	free(moments->block);
	memset(moments, 0, sizeof(*moments));
}
