/*
 * lloyd_step.h - k-means from given centroids, one Lloyd step at a time,
 * split into a map over rows and a reduce over what the map gathered, so
 * that kmeans-train runs the same step in one process (--init) and over
 * shards (--partial on each shard, then --merge of the partial files).
 *
 * The map assigns every row to its nearest centroid, as cluster-sample
 * does (kmeans_search_nearest, ties to the lower id), and gathers per
 * cluster the count and the coordinate sums, the inertia, and each
 * column's mean and sum of squared deviations (the scale of
 * --tolerance).  Counts add exactly; sums add up to rounding, in the
 * order the statistics are merged.  The reduce turns the total into the
 * next model, or decides that the run is over.
 */
#ifndef LLOYD_STEP_H
#define LLOYD_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "kmeans_model.h"

#define PARTIAL_KIND "kmeans-partial"
#define PARTIAL_VERSION 1

/* What one pass over rows gathers against fixed centroids. */
struct step_statistics {
	size_t n_clusters, n_features;
	unsigned long long n_rows;
	unsigned long long *counts;	/* n_clusters: rows nearest each */
	double *sums;			/* n_clusters x n_features */
	double inertia;			/* sum of squared distances */
	double *column_mean;		/* n_features, of the scaled rows */
	double *column_squares;		/* n_features: sum (x - mean)^2 */
};

/* Empty statistics; free with step_statistics_free. */
void step_statistics_init(struct step_statistics *stats, size_t n_clusters,
    size_t n_features);
void step_statistics_free(struct step_statistics *stats);

/*
 * The map, one row at a time: row (already scaled as the model scales)
 * goes to the nearest of the centroids laid out in search; distances is
 * scratch of search->n_blocks * KMEANS_LANES doubles.
 */
void step_statistics_add_row(struct step_statistics *stats,
    const struct kmeans_search *search, const double *row,
    double *distances);

/*
 * Add other into stats: counts, sums and inertia added, column means
 * and squares joined by the pairwise formula of Chan, Golub and LeVeque.
 * Merging into empty statistics copies other exactly.
 */
void step_statistics_merge(struct step_statistics *stats,
    const struct step_statistics *other);

/*
 * Whether the sums, the inertia and the column statistics are all
 * finite.  Rows far from the centroids for the model's scale, or the
 * partials of a merge added up, can overflow a double, and the next
 * centroids would then be infinite or NaN.
 */
bool step_statistics_finite(const struct step_statistics *stats);

/*
 * Write stats as a partial file (kind kmeans-partial) at path ("-" for
 * standard output), atomically like a model, with the centroids and
 * scaling of the model they were gathered against, so that a merge can
 * tell partials of another model.  Ends the program on a write error.
 */
void step_statistics_write_partial(const char *path,
    const struct step_statistics *stats, const struct kmeans_model *model,
    const struct model *model_file);

/*
 * Read the partial file at path and merge it into stats, after checking
 * that it was gathered against model (read from model_file): the same
 * features in the same order, the same number of clusters, the same
 * scaling and the same centroids, bit for bit.  Ends the program naming
 * the partial and the line on any difference or damage.
 */
void step_statistics_merge_partial(struct step_statistics *stats,
    const char *path, const struct kmeans_model *model,
    const struct model *model_file);

/*
 * The reduce.  model holds the centroids C that stats were gathered
 * against and, in model->iterations, the steps taken so far, t.  With
 * M_c = sums_c / counts_c (M_c = C_c for a cluster with no rows: it
 * stays where it was) and shift = sum over clusters of |M_c - C_c|^2:
 *  - shift <= tolerance * (mean over columns of sum (x - mean)^2 / n):
 *    the run has converged; the model keeps C;
 *  - otherwise, t = max_iterations: the run is stopped; it keeps C;
 *  - otherwise the model moves to M and t becomes t + 1 (iterating).
 * In every case the populations, inertia and rows become those of stats,
 * and the clusters are renumbered in the canonical order.  So a final
 * model's populations and inertia are those of its own centroids, as
 * for a model of a k-means++ fit; an iterating model's are those of the
 * centroids before the step.  Returns the new state (also in model).
 */
enum kmeans_state lloyd_step_reduce(struct kmeans_model *model,
    const struct step_statistics *stats, long max_iterations,
    double tolerance);

#endif
