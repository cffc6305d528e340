/*
 * kmeans.h - the k-means engine of kmeans-train: seeding, Lloyd
 * iterations with Hamerly's bounds, and the final assignment.
 *
 * Work on rows is split into fixed chunks that depend only on the number
 * of rows; threads take whole chunks, and every sum over rows is formed
 * per chunk and then added in chunk order.  So the results are the same
 * bit for bit whatever the number of threads.
 */
#ifndef KMEANS_H
#define KMEANS_H

#include <stdbool.h>
#include <stddef.h>

#include "random.h"

/* The rows fitted on. */
struct dataset {
	size_t n_rows, n_features;
	double *values;			/* n_rows x n_features */
	char **names;			/* n_features column names */
	double *mean, *scale;		/* --standardize; else 0 and 1 */
	double variance_mean;		/* mean column variance (ddof 0) */
};

/* One run of k-means, or the best of several. */
struct clustering {
	size_t n_clusters;
	double *centroids;		/* n_clusters x n_features */
	unsigned *labels;		/* n_rows: 0-based cluster ids */
	unsigned long long *populations;	/* n_clusters */
	double inertia;			/* sum of squared distances */
	long iterations;		/* Lloyd iterations run */
	bool converged;			/* false: stopped by the limit */
};

struct kmeans_settings {
	long max_iterations;		/* Lloyd iterations at most */
	double shift_threshold;	/* stop once sum of shift^2 <= this */
};

struct kmeans_workspace;

void clustering_init(struct clustering *result, size_t n_clusters,
    const struct dataset *data);
void clustering_copy(struct clustering *to, const struct clustering *from,
    const struct dataset *data);
void clustering_free(struct clustering *result);

/*
 * Scratch space for runs of n_clusters on data with n_threads threads;
 * free with kmeans_workspace_free.
 */
struct kmeans_workspace *kmeans_workspace_new(const struct dataset *data,
    size_t n_clusters, size_t n_threads);
void kmeans_workspace_free(struct kmeans_workspace *ws);

/*
 * One k-means run on the workspace's data: greedy k-means++ seeding
 * drawn from rng, then Lloyd iterations, then the final assignment
 * into result (populations and inertia from kmeans_search_nearest).
 * Returns 0, or, when the rows hold fewer distinct points than
 * result->n_clusters, their number (and result is left unfinished).
 * restart only labels the -v messages.
 */
size_t kmeans_run(const struct kmeans_settings *settings, long restart,
    struct random_state *rng, struct kmeans_workspace *ws,
    struct clustering *result);

/*
 * Renumber clusters in the canonical order, so ids do not depend on
 * which seed or which shard found them: by population, largest first,
 * then by the centroid's coordinates (n_clusters x n_features) compared
 * in feature order.  Permutes populations and centroids in place; when
 * new_id is not NULL, new_id[old index] is set to the new one.
 */
void cluster_canonical_order(size_t n_clusters, size_t n_features,
    unsigned long long *populations, double *centroids, size_t *new_id);

#endif
