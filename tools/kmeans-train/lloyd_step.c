/*
 * lloyd_step.c - the map and reduce of one Lloyd step (see lloyd_step.h)
 * and the partial file that carries the map's statistics between them.
 *
 * A partial file is a model file (common/model_file.h) of kind
 * "kmeans-partial", version 1:
 *	features	the model's feature names, in order
 *	clusters	K
 *	rows		rows of the shard
 *	inertia		their sum of squared distances to the nearest centroid
 *	standardized, mean, scale	the model's scaling, as in the model
 *	column_mean	per feature, of the scaled rows (0 with no rows)
 *	column_squares	per feature, sum of (x - column_mean)^2
 *	centroid	ID, then the coordinates the rows were assigned to
 *	cluster		ID, the count of rows nearest it, their coordinate sums
 * Every number is printed exactly, so a merge reads back the doubles the
 * map had.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "kmeans.h"
#include "lloyd_step.h"
#include "model_file.h"

#define MAX_EXACT_COUNT 9007199254740992L	/* 2^53 */

void
step_statistics_init(struct step_statistics *stats, size_t n_clusters,
    size_t n_features)
{
	memset(stats, 0, sizeof(*stats));
	stats->n_clusters = n_clusters;
	stats->n_features = n_features;
	stats->counts = xcalloc(n_clusters, sizeof(unsigned long long));
	stats->sums = xcalloc(n_clusters * n_features, sizeof(double));
	stats->column_mean = xcalloc(n_features, sizeof(double));
	stats->column_squares = xcalloc(n_features, sizeof(double));
}

void
step_statistics_free(struct step_statistics *stats)
{
	free(stats->counts);
	free(stats->sums);
	free(stats->column_mean);
	free(stats->column_squares);
	memset(stats, 0, sizeof(*stats));
}

/*
 * Welford's update of the column means and squares: with n rows now,
 * delta = x - mean, mean += delta / n, squares += delta * (x - mean).
 */
void
step_statistics_add_row(struct step_statistics *stats,
    const struct kmeans_search *search, const double *row,
    double *distances)
{
	size_t d = stats->n_features, c, j;
	double nearest, delta, share;

	c = kmeans_search_nearest(search, row, distances, &nearest, NULL);
	stats->counts[c]++;
	for (j = 0; j < d; j++)
		stats->sums[c * d + j] += row[j];
	stats->inertia += nearest;
	share = 1.0 / (double)++stats->n_rows;
	for (j = 0; j < d; j++) {
		delta = row[j] - stats->column_mean[j];
		stats->column_mean[j] += delta * share;
		stats->column_squares[j] += delta * (row[j] -
		    stats->column_mean[j]);
	}
}

/*
 * Chan, Golub and LeVeque's pairwise update, per column: n = n_a + n_b,
 * delta = mean_b - mean_a, mean = mean_a + delta n_b / n,
 * squares = squares_a + squares_b + delta^2 n_a n_b / n.
 */
static void
merge_columns(struct step_statistics *stats,
    const struct step_statistics *other)
{
	double n_a = (double)stats->n_rows, n_b = (double)other->n_rows;
	double n = n_a + n_b, delta;
	size_t j;

	for (j = 0; j < stats->n_features; j++) {
		if (stats->n_rows == 0) {
			stats->column_mean[j] = other->column_mean[j];
			stats->column_squares[j] = other->column_squares[j];
			continue;
		}
		delta = other->column_mean[j] - stats->column_mean[j];
		stats->column_mean[j] += delta * n_b / n;
		stats->column_squares[j] += other->column_squares[j] +
		    delta * delta * n_a * n_b / n;
	}
}

void
step_statistics_merge(struct step_statistics *stats,
    const struct step_statistics *other)
{
	size_t k = stats->n_clusters, d = stats->n_features, m;

	if (other->n_rows == 0)
		return;
	for (m = 0; m < k; m++)
		stats->counts[m] += other->counts[m];
	for (m = 0; m < k * d; m++)
		stats->sums[m] += other->sums[m];
	stats->inertia += other->inertia;
	merge_columns(stats, other);
	stats->n_rows += other->n_rows;
}

bool
step_statistics_finite(const struct step_statistics *stats)
{
	size_t k = stats->n_clusters, d = stats->n_features, m;

	if (!isfinite(stats->inertia))
		return false;
	for (m = 0; m < k * d; m++)
		if (!isfinite(stats->sums[m]))
			return false;
	for (m = 0; m < d; m++)
		if (!isfinite(stats->column_mean[m]) ||
		    !isfinite(stats->column_squares[m]))
			return false;
	return true;
}

void
step_statistics_write_partial(const char *path,
    const struct step_statistics *stats, const struct kmeans_model *model,
    const struct model *model_file)
{
	size_t k = stats->n_clusters, d = stats->n_features, c, j;
	struct model_writer *writer = model_writer_open(path, PARTIAL_KIND,
	    PARTIAL_VERSION, (const char *const *)model_file->features, d);

	model_writer_put_count_record(writer, "clusters", k);
	model_writer_put_count_record(writer, "rows", stats->n_rows);
	model_writer_put_record(writer, "inertia", &stats->inertia, 1);
	model_writer_put_count_record(writer, "standardized",
	    model->standardized);
	model_writer_put_record(writer, "mean", model->mean, d);
	model_writer_put_record(writer, "scale", model->scale, d);
	model_writer_put_record(writer, "column_mean", stats->column_mean, d);
	model_writer_put_record(writer, "column_squares",
	    stats->column_squares, d);
	for (c = 0; c < k; c++) {
		model_writer_begin(writer, "centroid");
		model_writer_put_count(writer, c + 1);
		for (j = 0; j < d; j++)
			model_writer_put_exact(writer,
			    model->centroids[c * d + j]);
		model_writer_end(writer);
	}
	for (c = 0; c < k; c++) {
		model_writer_begin(writer, "cluster");
		model_writer_put_count(writer, c + 1);
		model_writer_put_count(writer, stats->counts[c]);
		for (j = 0; j < d; j++)
			model_writer_put_exact(writer, stats->sums[c * d + j]);
		model_writer_end(writer);
	}
	model_writer_commit(writer);
}

/* The partial's features against the model's, by name and order. */
static void
check_same_features(const struct model *partial,
    const struct model *model_file)
{
	model_check_features(partial,
	    (const char *const *)model_file->features,
	    model_file->n_features, model_file->path, "has");
}

/*
 * Record key (the n-th of its kind) must hold, from value `first` on,
 * exactly the doubles of expected; what names them in the message.
 */
static void
check_same_values(const struct model *partial, const char *key, size_t n,
    size_t first, const double *expected, size_t n_values,
    const struct model *model_file, const char *what)
{
	const struct model_record *record = model_find(partial, key, n,
	    first + n_values);
	size_t j;

	if (record == NULL)
		diag_fatal_at(partial->path, 0, "partial has no '%s' record "
		    "(truncated or damaged file?)", key);
	for (j = 0; j < n_values; j++)
		if (model_value_double(partial, record, first + j) !=
		    expected[j])
			diag_fatal_at(partial->path, record->line_number,
			    "%s is not the one in %s: the partial was "
			    "gathered against another model", what,
			    model_file->path);
}

/* The partial was gathered against model: scaling and centroids. */
static void
check_same_model(const struct model *partial,
    const struct kmeans_model *model, const struct model *model_file)
{
	const struct model_record *record;
	size_t k = model->n_clusters, d = model->n_features, c;
	char what[64];

	record = model_require(partial, "clusters", 1);
	if ((size_t)model_value_long(partial, record, 0, 1, 1000000) != k)
		diag_fatal_at(partial->path, record->line_number, "%s "
		    "clusters, but %s has %zu", record->values[0],
		    model_file->path, k);
	record = model_require(partial, "standardized", 1);
	if ((model_value_long(partial, record, 0, 0, 1) == 1) !=
	    model->standardized)
		diag_fatal_at(partial->path, record->line_number, "the "
		    "scaling is not the one in %s: the partial was gathered "
		    "against another model", model_file->path);
	check_same_values(partial, "mean", 0, 0, model->mean, d, model_file,
	    "the scaling");
	check_same_values(partial, "scale", 0, 0, model->scale, d,
	    model_file, "the scaling");
	for (c = 0; c < k; c++) {
		record = model_find(partial, "centroid", c, 1 + d);
		if (record == NULL || model_value_long(partial, record, 0, 1,
		    1000000) != (long)c + 1)
			diag_fatal_at(partial->path, record == NULL ? 0 :
			    record->line_number, "expected centroid %zu "
			    "(truncated or damaged file?)", c + 1);
		snprintf(what, sizeof(what), "centroid %zu", c + 1);
		check_same_values(partial, "centroid", c, 1, model->centroids +
		    c * d, d, model_file, what);
	}
}

/* The cluster records: ids 1..K, counts adding up to the rows. */
static void
read_cluster_records(const struct model *partial,
    struct step_statistics *part)
{
	size_t k = part->n_clusters, d = part->n_features, c, j;
	unsigned long long total = 0;
	const struct model_record *record = NULL;

	for (c = 0; c < k; c++) {
		record = model_find(partial, "cluster", c, 2 + d);
		if (record == NULL || model_value_long(partial, record, 0, 1,
		    1000000) != (long)c + 1)
			diag_fatal_at(partial->path, record == NULL ? 0 :
			    record->line_number, "expected cluster %zu "
			    "(truncated or damaged file?)", c + 1);
		part->counts[c] = (unsigned long long)model_value_long(
		    partial, record, 1, 0, MAX_EXACT_COUNT);
		total += part->counts[c];
		for (j = 0; j < d; j++)
			part->sums[c * d + j] = model_value_double(partial,
			    record, 2 + j);
	}
	if (total != part->n_rows)
		diag_fatal_at(partial->path, record->line_number, "the cluster "
		    "counts add up to %llu, but the partial has %llu rows",
		    total, part->n_rows);
}

void
step_statistics_merge_partial(struct step_statistics *stats,
    const char *path, const struct kmeans_model *model,
    const struct model *model_file)
{
	struct model *partial = model_read(path, PARTIAL_KIND,
	    PARTIAL_VERSION);
	struct step_statistics part;
	size_t d = model->n_features, j;

	check_same_features(partial, model_file);
	check_same_model(partial, model, model_file);
	step_statistics_init(&part, model->n_clusters, d);
	part.n_rows = (unsigned long long)model_value_long(partial,
	    model_require(partial, "rows", 1), 0, 0, MAX_EXACT_COUNT);
	model_read_record(partial, "inertia", 0, 1, &part.inertia);
	model_read_record(partial, "column_mean", 0, d, part.column_mean);
	model_read_record(partial, "column_squares", 0, d, part.column_squares);
	model_require_nonnegative(partial, "inertia", 0, 0, part.inertia);
	for (j = 0; j < d; j++)
		model_require_nonnegative(partial, "column_squares", 0, j,
		    part.column_squares[j]);
	read_cluster_records(partial, &part);
	step_statistics_merge(stats, &part);
	step_statistics_free(&part);
	model_free(partial);
}

/* The mean over columns of sum (x - mean)^2 / n: variance, ddof 0. */
static double
mean_column_variance(const struct step_statistics *stats)
{
	double total = 0;
	size_t j;

	for (j = 0; j < stats->n_features; j++)
		total += stats->column_squares[j] / (double)stats->n_rows;
	return total / (double)stats->n_features;
}

enum kmeans_state
lloyd_step_reduce(struct kmeans_model *model,
    const struct step_statistics *stats, long max_iterations,
    double tolerance)
{
	size_t k = model->n_clusters, d = model->n_features, c, j;
	double *means = xcalloc(k * d, sizeof(double));
	double shift = 0, threshold, t;

	threshold = tolerance * mean_column_variance(stats);
	for (c = 0; c < k; c++)
		for (j = 0; j < d; j++) {
			t = model->centroids[c * d + j];
			if (stats->counts[c] > 0)
				t = stats->sums[c * d + j] /
				    (double)stats->counts[c];
			shift += (t - model->centroids[c * d + j]) *
			    (t - model->centroids[c * d + j]);
			means[c * d + j] = t;
		}
	diag_verbose("iteration %ld: inertia %.10g, squared shift %.10g "
	    "(threshold %.10g)", model->iterations, stats->inertia, shift,
	    threshold);
	if (shift <= threshold)
		model->state = KMEANS_STATE_CONVERGED;
	else if (model->iterations >= max_iterations)
		model->state = KMEANS_STATE_STOPPED;
	else {
		model->state = KMEANS_STATE_ITERATING;
		memcpy(model->centroids, means, k * d * sizeof(double));
		model->iterations++;
	}
	memcpy(model->populations, stats->counts,
	    k * sizeof(unsigned long long));
	model->inertia = stats->inertia;
	model->n_rows = stats->n_rows;
	cluster_canonical_order(model->n_clusters, model->n_features,
	    model->populations, model->centroids, NULL);
	free(means);
	return model->state;
}
