/*
 * statistics.c - gathering, saving and merging the sufficient statistics
 * of a PCA fit (see statistics.h).
 *
 * A partial file is a model file (common/model_file.h) of kind
 * "pca-partial", version 1, with the records
 *	count		rows seen
 *	mean		one value per column
 *	minimum, maximum	one value per column (empty shard: absent)
 *	comoment	one record per row of the d x d co-moment matrix
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "model_file.h"
#include "statistics.h"

#define PARTIAL_KIND "pca-partial"
#define PARTIAL_VERSION 1

void
statistics_init(struct column_statistics *stats, size_t dimension,
    const char *const *names)
{
	size_t j;

	stats->dimension = dimension;
	stats->names = xcalloc(dimension, sizeof(char *));
	for (j = 0; j < dimension; j++)
		stats->names[j] = xstrdup(names[j]);
	moments_init(&stats->moments, dimension);
	stats->minimum = xcalloc(dimension, sizeof(double));
	stats->maximum = xcalloc(dimension, sizeof(double));
}

void
statistics_add(struct column_statistics *stats, const double *row)
{
	bool first = stats->moments.count + stats->moments.block_rows == 0;
	size_t j;

	for (j = 0; j < stats->dimension; j++) {
		if (first || row[j] < stats->minimum[j])
			stats->minimum[j] = row[j];
		if (first || row[j] > stats->maximum[j])
			stats->maximum[j] = row[j];
	}
	moments_add(&stats->moments, row);
}

void
statistics_flush(struct column_statistics *stats)
{
	moments_flush(&stats->moments);
	moments_settle_constant_columns(&stats->moments, stats->minimum,
	    stats->maximum);
}

void
statistics_write_partial(const char *path,
    const struct column_statistics *stats)
{
	size_t d = stats->dimension, i;
	struct model_writer *writer = model_writer_open(path, PARTIAL_KIND,
	    PARTIAL_VERSION, (const char *const *)stats->names, d);

	model_writer_put_count_record(writer, "count",
	    (unsigned long long)stats->moments.count);
	model_writer_put_record(writer, "mean", stats->moments.mean, d);
	if (stats->moments.count > 0) {
		model_writer_put_record(writer, "minimum", stats->minimum, d);
		model_writer_put_record(writer, "maximum", stats->maximum, d);
	}
	for (i = 0; i < d; i++)
		model_writer_put_record(writer, "comoment",
		    stats->moments.comoment + i * d, d);
	model_writer_commit(writer);
}

static void
check_same_columns(const struct column_statistics *stats,
    const struct model *file)
{
	model_check_features(file, (const char *const *)stats->names,
	    stats->dimension, "the partials before it", "have");
}

void
statistics_merge_partial(struct column_statistics *stats, const char *path)
{
	struct model *file = model_read(path, PARTIAL_KIND, PARTIAL_VERSION);
	struct moments part;
	size_t d, i, j;
	double *minimum, *maximum;

	if (stats->dimension == 0)
		statistics_init(stats, file->n_features,
		    (const char *const *)file->features);
	check_same_columns(stats, file);
	d = stats->dimension;
	moments_init(&part, d);
	part.count = (double)model_value_long(file, model_require(file,
	    "count", 1), 0, 0, 9007199254740992L);
	model_read_record(file, "mean", 0, d, part.mean);
	/*
	 * A diagonal entry is a sum of squared deviations, and the matrix
	 * is written symmetric to the bit.
	 */
	for (i = 0; i < d; i++) {
		model_read_record(file, "comoment", i, d,
		    part.comoment + i * d);
		model_require_nonnegative(file, "comoment", i, i,
		    part.comoment[i * d + i]);
		for (j = 0; j < i; j++)
			if (part.comoment[i * d + j] !=
			    part.comoment[j * d + i])
				diag_fatal_at(file->path, model_find(file,
				    "comoment", i, d)->line_number, "the "
				    "co-moment matrix is not symmetric: "
				    "entries (%zu, %zu) and (%zu, %zu) differ",
				    j + 1, i + 1, i + 1, j + 1);
	}
	if (part.count > 0) {
		minimum = xcalloc(d, sizeof(double));
		maximum = xcalloc(d, sizeof(double));
		model_read_record(file, "minimum", 0, d, minimum);
		model_read_record(file, "maximum", 0, d, maximum);
		for (j = 0; j < d; j++) {
			if (stats->moments.count == 0 ||
			    minimum[j] < stats->minimum[j])
				stats->minimum[j] = minimum[j];
			if (stats->moments.count == 0 ||
			    maximum[j] > stats->maximum[j])
				stats->maximum[j] = maximum[j];
		}
		free(minimum);
		free(maximum);
	}
	moments_merge(&stats->moments, &part);
	moments_settle_constant_columns(&stats->moments, stats->minimum,
	    stats->maximum);
	moments_free(&part);
	model_free(file);
}

void
statistics_free(struct column_statistics *stats)
{
	size_t j;

	for (j = 0; j < stats->dimension; j++)
		free(stats->names[j]);
	free(stats->names);
	if (stats->dimension > 0)
		moments_free(&stats->moments);
	free(stats->minimum);
	free(stats->maximum);
	memset(stats, 0, sizeof(*stats));
}
