/*
 * kmeans_model.c - writing, reading and applying k-means models (see
 * kmeans_model.h for the file format).  kmeans-train and cluster-sample
 * both assign rows with kmeans_search_nearest, so a model applied to
 * its own training rows gives back the populations it records.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "kmeans_model.h"
#include "model_file.h"

void
kmeans_model_init(struct kmeans_model *model, size_t n_clusters,
    size_t n_features)
{
	size_t j;

	memset(model, 0, sizeof(*model));
	model->n_clusters = n_clusters;
	model->n_features = n_features;
	model->mean = xcalloc(n_features, sizeof(double));
	model->scale = xcalloc(n_features, sizeof(double));
	for (j = 0; j < n_features; j++)
		model->scale[j] = 1;
	model->centroids = xcalloc(n_clusters * n_features, sizeof(double));
	model->populations = xcalloc(n_clusters, sizeof(unsigned long long));
}

void
kmeans_model_free(struct kmeans_model *model)
{
	free(model->mean);
	free(model->scale);
	free(model->centroids);
	free(model->populations);
	memset(model, 0, sizeof(*model));
}

static const char *const state_names[] = {
	[KMEANS_STATE_CONVERGED] = "converged",
	[KMEANS_STATE_STOPPED] = "stopped",
	[KMEANS_STATE_ITERATING] = "iterating"
};
#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

const char *
kmeans_state_name(enum kmeans_state state)
{
	return state_names[state];
}

void
kmeans_model_write(const char *path, const struct kmeans_model *model,
    const char *const *feature_names)
{
	struct model_writer *writer = model_writer_open(path,
	    KMEANS_MODEL_KIND, KMEANS_MODEL_VERSION, feature_names,
	    model->n_features);
	size_t d = model->n_features, c;

	model_writer_put_count_record(writer, "clusters", model->n_clusters);
	model_writer_put_count_record(writer, "rows", model->n_rows);
	model_writer_put_record(writer, "inertia", &model->inertia, 1);
	model_writer_put_count_record(writer, "seed", model->seed);
	model_writer_put_count_record(writer, "restarts", (unsigned long long)
	    model->restarts);
	model_writer_put_count_record(writer, "max_iterations",
	    (unsigned long long)model->max_iterations);
	model_writer_put_record(writer, "tolerance", &model->tolerance, 1);
	model_writer_put_count_record(writer, "iterations", (unsigned long long)
	    model->iterations);
	model_writer_begin(writer, "state");
	model_writer_put_string(writer, kmeans_state_name(model->state));
	model_writer_end(writer);
	model_writer_begin(writer, "order");
	model_writer_put_string(writer, KMEANS_ORDER_RULE);
	model_writer_end(writer);
	model_writer_put_count_record(writer, "standardized",
	    model->standardized);
	model_writer_put_record(writer, "mean", model->mean, d);
	model_writer_put_record(writer, "scale", model->scale, d);
	for (c = 0; c < model->n_clusters; c++) {
		size_t j;

		model_writer_begin(writer, "cluster");
		model_writer_put_count(writer, c + 1);
		model_writer_put_count(writer, model->populations[c]);
		for (j = 0; j < d; j++)
			model_writer_put_exact(writer,
			    model->centroids[c * d + j]);
		model_writer_end(writer);
	}
	model_writer_commit(writer);
}

/* Read the cluster records: ids 1..K in order, populations, centroids. */
static void
read_cluster_records(const struct model *file, struct kmeans_model *model)
{
	size_t d = model->n_features, c, j;

	for (c = 0; c < model->n_clusters; c++) {
		const struct model_record *record = model_find(file,
		    "cluster", c, 2 + d);

		if (record == NULL)
			diag_fatal_at(file->path, 0, "model has %zu cluster "
			    "records, expected %zu (truncated or damaged "
			    "file?)", c, model->n_clusters);
		if (model_value_long(file, record, 0, 1, LONG_MAX) !=
		    (long)c + 1)
			diag_fatal_at(file->path, record->line_number,
			    "cluster ids must run 1, 2, ... in order; "
			    "expected %zu", c + 1);
		model->populations[c] = (unsigned long long)model_value_long(
		    file, record, 1, 0, LONG_MAX);
		for (j = 0; j < d; j++)
			model->centroids[c * d + j] = model_value_double(file,
			    record, 2 + j);
	}
	if (model_find(file, "cluster", c, 0) != NULL)
		diag_fatal_at(file->path, model_find(file, "cluster", c,
		    0)->line_number, "more cluster records than the %zu "
		    "declared", model->n_clusters);
}

/* The optional state record; a file without it reads as converged. */
static enum kmeans_state
read_state_record(const struct model *file)
{
	const struct model_record *record = model_find(file, "state", 0, 1);
	size_t s;

	if (record == NULL)
		return KMEANS_STATE_CONVERGED;
	for (s = 0; s < N_STATES; s++)
		if (strcmp(record->values[0], state_names[s]) == 0)
			return (enum kmeans_state)s;
	diag_fatal_at(file->path, record->line_number, "unknown state '%s', "
	    "expected converged, stopped or iterating",
	    diag_quote(record->values[0], strlen(record->values[0])));
}

struct model *
kmeans_model_read(const char *path, struct kmeans_model *model)
{
	struct model *file = model_read(path, KMEANS_MODEL_KIND,
	    KMEANS_MODEL_VERSION);
	const struct model_record *record;
	size_t k, d = file->n_features, j;

	record = model_require(file, "clusters", 1);
	k = (size_t)model_value_long(file, record, 0, 1, 1000000);
	kmeans_model_init(model, k, d);
	record = model_require(file, "rows", 1);
	model->n_rows = (unsigned long long)model_value_long(file, record, 0,
	    0, LONG_MAX);
	model_read_record(file, "inertia", 0, 1, &model->inertia);
	record = model_find(file, "iterations", 0, 1);
	if (record != NULL)
		model->iterations = model_value_long(file, record, 0, 0,
		    LONG_MAX);
	model->state = read_state_record(file);
	record = model_require(file, "standardized", 1);
	model->standardized = model_value_long(file, record, 0, 0, 1) == 1;
	model_read_record(file, "mean", 0, d, model->mean);
	model_read_record(file, "scale", 0, d, model->scale);
	for (j = 0; j < d; j++)
		if (!(model->scale[j] > 0))
			diag_fatal_at(file->path, model_require(file, "scale",
			    d)->line_number, "scale %zu is not positive",
			    j + 1);
	read_cluster_records(file, model);
	return file;
}

void
kmeans_model_scale_row(const struct kmeans_model *model, const double *raw,
    double *scaled)
{
	size_t j;

	if (!model->standardized) {
		memcpy(scaled, raw, model->n_features * sizeof(double));
		return;
	}
	for (j = 0; j < model->n_features; j++)
		scaled[j] = (raw[j] - model->mean[j]) / model->scale[j];
}

double
kmeans_squared_distance(const double *a, const double *b, size_t n)
{
	double sum = 0, t;
	size_t j;

	for (j = 0; j < n; j++) {
		t = a[j] - b[j];
		sum += t * t;
	}
	return sum;
}

void
kmeans_squared_distance4(const double *const *a, const double *const *b,
    size_t n, double *out)
{
	double sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0, t0, t1, t2, t3;
	size_t j;

	for (j = 0; j < n; j++) {
		t0 = a[0][j] - b[0][j];
		t1 = a[1][j] - b[1][j];
		t2 = a[2][j] - b[2][j];
		t3 = a[3][j] - b[3][j];
		sum0 += t0 * t0;
		sum1 += t1 * t1;
		sum2 += t2 * t2;
		sum3 += t3 * t3;
	}
	out[0] = sum0;
	out[1] = sum1;
	out[2] = sum2;
	out[3] = sum3;
}

void
kmeans_search_init(struct kmeans_search *search, const double *points,
    size_t n_points, size_t n_features)
{
	search->n_points = n_points;
	search->n_features = n_features;
	search->n_blocks = (n_points + KMEANS_LANES - 1) / KMEANS_LANES;
	search->blocks = xcalloc(search->n_blocks * n_features *
	    KMEANS_LANES, sizeof(double));
	kmeans_search_update(search, points);
}

void
kmeans_search_update(struct kmeans_search *search, const double *points)
{
	size_t d = search->n_features, b, j, lane;

	for (b = 0; b < search->n_blocks; b++)
		for (lane = 0; lane < KMEANS_LANES; lane++) {
			size_t point = b * KMEANS_LANES + lane;

			if (point >= search->n_points)
				point = 0;
			for (j = 0; j < d; j++)
				search->blocks[(b * d + j) * KMEANS_LANES +
				    lane] = points[point * d + j];
		}
}

void
kmeans_search_free(struct kmeans_search *search)
{
	free(search->blocks);
	search->blocks = NULL;
}

/*
 * Where the compiler can, a second version for processors with AVX2 is
 * built and chosen at run time: it does the same IEEE operations in the
 * same order (no fused multiply-add), four lanes at a time, so results
 * are identical on every x86-64 processor.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void
kmeans_search_distances(const struct kmeans_search *search,
    const double *row, double *distances)
{
	size_t d = search->n_features, b, j, lane;

	for (b = 0; b < search->n_blocks; b++) {
		const double *block = search->blocks + b * d * KMEANS_LANES;
		double sum[KMEANS_LANES] = { 0 };

		for (j = 0; j < d; j++) {
			const double x = row[j], *coordinate = block + j *
			    KMEANS_LANES;

			for (lane = 0; lane < KMEANS_LANES; lane++) {
				double t = x - coordinate[lane];

				sum[lane] += t * t;
			}
		}
		memcpy(distances + b * KMEANS_LANES, sum, sizeof(sum));
	}
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void
kmeans_search_distances4(const struct kmeans_search *search,
    const double *const *rows, double *distances)
{
	size_t d = search->n_features, b, j, lane;
	size_t stride = search->n_blocks * KMEANS_LANES;

	for (b = 0; b < search->n_blocks; b++) {
		const double *block = search->blocks + b * d * KMEANS_LANES;
		double sum0[KMEANS_LANES] = { 0 }, sum1[KMEANS_LANES] = { 0 };
		double sum2[KMEANS_LANES] = { 0 }, sum3[KMEANS_LANES] = { 0 };

		for (j = 0; j < d; j++) {
			const double *coordinate = block + j * KMEANS_LANES;
			const double x0 = rows[0][j], x1 = rows[1][j];
			const double x2 = rows[2][j], x3 = rows[3][j];

			for (lane = 0; lane < KMEANS_LANES; lane++) {
				double t0 = x0 - coordinate[lane];
				double t1 = x1 - coordinate[lane];
				double t2 = x2 - coordinate[lane];
				double t3 = x3 - coordinate[lane];

				sum0[lane] += t0 * t0;
				sum1[lane] += t1 * t1;
				sum2[lane] += t2 * t2;
				sum3[lane] += t3 * t3;
			}
		}
		memcpy(distances + b * KMEANS_LANES, sum0, sizeof(sum0));
		memcpy(distances + stride + b * KMEANS_LANES, sum1,
		    sizeof(sum1));
		memcpy(distances + 2 * stride + b * KMEANS_LANES, sum2,
		    sizeof(sum2));
		memcpy(distances + 3 * stride + b * KMEANS_LANES, sum3,
		    sizeof(sum3));
	}
}

size_t
kmeans_search_pick(const struct kmeans_search *search,
    const double *distances, double *nearest, double *second)
{
	size_t best = 0, c;
	double first = HUGE_VAL, next = HUGE_VAL;

	for (c = 0; c < search->n_points; c++) {
		if (distances[c] < first) {
			next = first;
			first = distances[c];
			best = c;
		} else if (distances[c] < next)
			next = distances[c];
	}
	*nearest = first;
	if (second != NULL)
		*second = next;
	return best;
}

size_t
kmeans_search_nearest(const struct kmeans_search *search,
    const double *row, double *distances, double *nearest, double *second)
{
	kmeans_search_distances(search, row, distances);
	return kmeans_search_pick(search, distances, nearest, second);
}
