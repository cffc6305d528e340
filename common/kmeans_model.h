/*
 * kmeans_model.h - the k-means model that kmeans-train writes and
 * cluster-sample reads, and the nearest-centroid rule both apply.
 *
 * The model file (common/model_file.h format, kind "kmeans", version 1):
 *
 *	model	kmeans	1
 *	features	NAME...		the columns fitted on, in order
 *	clusters	K
 *	rows	N			rows fitted on
 *	inertia	X			final sum of squared distances
 *	seed	S
 *	restarts	R
 *	max_iterations	M
 *	tolerance	T
 *	iterations	I		Lloyd iterations of the kept run
 *	state	converged|stopped|iterating	how the run ended (below)
 *	order	population-descending	how cluster ids are numbered
 *	standardized	0|1
 *	mean	VALUE...		per feature (0: not standardised)
 *	scale	VALUE...		per feature (1: not standardised)
 *	cluster	ID	POPULATION	COORDINATE...
 *					one line per cluster, ids 1..K
 *
 * Centroids live in the scaled space: a row x is compared with them as
 * (x - mean) / scale.  Numbers are printed exactly, so a model read back
 * assigns every row as the program that wrote it did.
 *
 * The state record says whether the centroids stopped moving
 * (converged), the iteration limit ended the run (stopped), or the
 * model is one step of a run over shards that goes on from it
 * (iterating; see kmeans-train --merge).  Files without it, written
 * before it existed, read as converged.
 */
#ifndef KMEANS_MODEL_H
#define KMEANS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "model_file.h"

#define KMEANS_MODEL_KIND "kmeans"
#define KMEANS_MODEL_VERSION 1
#define KMEANS_ORDER_RULE "population-descending"

/* How the run that made a model ended: the model's state record. */
enum kmeans_state {
	KMEANS_STATE_CONVERGED,		/* the centroids stopped moving */
	KMEANS_STATE_STOPPED,		/* the iteration limit was reached */
	KMEANS_STATE_ITERATING		/* one step of a run that goes on */
};

struct kmeans_model {
	size_t n_clusters;
	size_t n_features;
	bool standardized;
	double *mean;			/* n_features */
	double *scale;			/* n_features, each > 0 */
	double *centroids;		/* n_clusters x n_features */
	unsigned long long *populations;	/* n_clusters */
	unsigned long long n_rows;	/* rows fitted on */
	double inertia;
	/* The run that made the model, recorded for people. */
	unsigned long long seed;
	long restarts;
	long max_iterations;
	long iterations;
	double tolerance;
	enum kmeans_state state;
};

/*
 * Allocate the arrays of a model of n_clusters x n_features, with mean 0
 * and scale 1; the caller fills in the rest.  Free with
 * kmeans_model_free.
 */
void kmeans_model_init(struct kmeans_model *model, size_t n_clusters,
    size_t n_features);

void kmeans_model_free(struct kmeans_model *model);

/*
 * Write the model to path ("-" for standard output) atomically, with
 * the feature names given (n_features of them).  Ends the program on a
 * write error.
 */
void kmeans_model_write(const char *path, const struct kmeans_model *model,
    const char *const *feature_names);

/* The word the state record holds: "converged", "stopped", ... */
const char *kmeans_state_name(enum kmeans_state state);

/*
 * Read a model file into *model.  Returns the file as read (for
 * model_match_columns and messages); the caller frees it with model_free
 * and the model with kmeans_model_free.  Besides the centroids and the
 * scaling, it fills in n_rows, inertia, iterations and state (the other
 * run records are left 0).  Ends the program, naming the file and line,
 * on a damaged or inconsistent model.
 */
struct model *kmeans_model_read(const char *path,
    struct kmeans_model *model);

/* scaled[j] = (raw[j] - mean[j]) / scale[j], or a copy if unscaled. */
void kmeans_model_scale_row(const struct kmeans_model *model,
    const double *raw, double *scaled);

/*
 * sum_j (a[j] - b[j])^2 over n values, added in order j = 0, 1, ..., so
 * that it equals, bit for bit, the distances of kmeans_search below.
 */
double kmeans_squared_distance(const double *a, const double *b, size_t n);

/*
 * Four such distances at once, a[r] to b[r] into out[r]: four sums in
 * flight hide the latency of each addition, and each is still summed in
 * coordinate order, so out[r] equals kmeans_squared_distance(a[r], b[r],
 * n) bit for bit.
 */
void kmeans_squared_distance4(const double *const *a, const double *const *b,
    size_t n, double *out);

/*
 * Points (centroids, or candidate centres) laid out for measuring one
 * row against all of them at once: blocks of KMEANS_LANES points, each
 * block stored coordinate by coordinate, so the compiler can compute a
 * block's distances side by side in vector registers.  Each distance is
 * still summed in coordinate order, so it equals kmeans_squared_distance
 * exactly, whatever the vector width.  The last block is padded with
 * copies of the first point.
 */
#define KMEANS_LANES 4

struct kmeans_search {
	size_t n_points, n_features, n_blocks;
	double *blocks;	/* n_blocks x n_features x KMEANS_LANES */
};

/* Lay out n_points points (n_points x n_features, row-major). */
void kmeans_search_init(struct kmeans_search *search, const double *points,
    size_t n_points, size_t n_features);

/* Lay out new points of the same shape (centroids that moved). */
void kmeans_search_update(struct kmeans_search *search,
    const double *points);

void kmeans_search_free(struct kmeans_search *search);

/*
 * Squared distances from row to every point into distances
 * (n_blocks x KMEANS_LANES values; entries past n_points are padding).
 */
void kmeans_search_distances(const struct kmeans_search *search,
    const double *row, double *distances);

/*
 * As kmeans_search_distances for four rows at once, rows[0] .. rows[3],
 * into distances + r * n_blocks * KMEANS_LANES for row r.  Four sums in
 * flight hide the latency of each addition; every distance is the same,
 * bit for bit, as the one-row function gives.
 */
void kmeans_search_distances4(const struct kmeans_search *search,
    const double *const *rows, double *distances);

/*
 * The nearest and next nearest point from a row's distances, as laid
 * out by kmeans_search_distances: returns the index of the nearest (the
 * lower on a tie) and its squared distance in *nearest, and, when second
 * is not NULL, the next squared distance (HUGE_VAL with one point).
 */
size_t kmeans_search_pick(const struct kmeans_search *search,
    const double *distances, double *nearest, double *second);

/*
 * The index of the point nearest to row; a tie goes to the lower index.
 * *nearest receives its squared distance and, when second is not NULL,
 * *second the squared distance to the next nearest (HUGE_VAL with one
 * point).  distances is scratch space as for kmeans_search_distances.
 */
size_t kmeans_search_nearest(const struct kmeans_search *search,
    const double *row, double *distances, double *nearest, double *second);

#endif
