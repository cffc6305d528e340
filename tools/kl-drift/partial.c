/*
 * partial.c - the mergeable statistics of one sample, for kl-drift
 * --partial and --merge (see kl_drift.h), and the file that holds them.
 *
 * A partial file is a model file (common/model_file.h) of kind
 * "kl-drift-partial", version 1, with the records
 *	features	the columns, in order
 *	method		gauss or hist
 *	bins		hist: bins per column
 *	low, high	hist: the fixed range of each column
 *	rows		the rows read
 *	minimum, maximum	one value per column (absent when rows is 0)
 *	mean		gauss: one value per column
 *	comoment	gauss: one record per row of the co-moment matrix
 *	cell		hist: the 0-based bin in each column of an occupied
 *			cell, then its count, in increasing order of the
 *			cell's code sum_j bin_j B^j
 * Numbers are printed exactly (shortest round trip), so a partial read
 * back holds the same doubles; counts are whole numbers below 2^53, so
 * they add exactly in any order.
 *
 * While rows are read, a histogram's counts live in a hash table keyed
 * by the cell code (open addressing, linear probing, at most half
 * full), so memory is that of the occupied cells, not of the rows.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "kl_drift.h"
#include "model_file.h"
#include "tsv_writer.h"

#define PARTIAL_KIND "kl-drift-partial"
#define PARTIAL_VERSION 1
/* Counts up to this are whole numbers a double holds exactly. */
#define MAX_EXACT_COUNT 9007199254740992L

/* An occupied cell, for sorting by code. */
struct cell_entry {
	uint64_t code;
	int side;			/* 0 current, 1 reference */
	double count;
};

static int
compare_entries(const void *a, const void *b)
{
	const struct cell_entry *x = a, *y = b;

	return x->code < y->code ? -1 : x->code > y->code;
}

/* The slot of key (a cell code + 1) in keys: its own, or a free one. */
static size_t
table_slot(const uint64_t *keys, size_t capacity, uint64_t key)
{
	/* Fibonacci hashing: the high bits of key * 2^64 / phi. */
	size_t mask = capacity - 1;
	size_t slot = (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) &
	    mask;

	while (keys[slot] != 0 && keys[slot] != key)
		slot = (slot + 1) & mask;
	return slot;
}

static void
table_grow(struct sample_partial *partial)
{
	size_t capacity = partial->table_capacity > 0 ?
	    partial->table_capacity * 2 : 64, i, slot;
	uint64_t *keys = xcalloc(capacity, sizeof(uint64_t));
	double *counts = xcalloc(capacity, sizeof(double));

	for (i = 0; i < partial->table_capacity; i++)
		if (partial->cell_keys[i] != 0) {
			slot = table_slot(keys, capacity,
			    partial->cell_keys[i]);
			keys[slot] = partial->cell_keys[i];
			counts[slot] = partial->cell_counts[i];
		}
	free(partial->cell_keys);
	free(partial->cell_counts);
	partial->cell_keys = keys;
	partial->cell_counts = counts;
	partial->table_capacity = capacity;
}

static void
table_add(struct sample_partial *partial, uint64_t code, double count)
{
	size_t slot;

	if ((partial->n_cells + 1) * 2 > partial->table_capacity)
		table_grow(partial);
	slot = table_slot(partial->cell_keys, partial->table_capacity,
	    code + 1);
	if (partial->cell_keys[slot] == 0) {
		partial->cell_keys[slot] = code + 1;
		partial->cell_counts[slot] = 0;
		partial->n_cells++;
	}
	partial->cell_counts[slot] += count;
}

/* Set the fixed edges of a histogram partial; b^d must stay below 2^63. */
static void
init_histogram(struct sample_partial *partial, long bins, const double *low,
    const double *high)
{
	size_t d = partial->dimension, j;
	uint64_t radix = 1;

	partial->bins = bins;
	partial->low = xcalloc(d + 1, sizeof(double));
	partial->high = xcalloc(d + 1, sizeof(double));
	partial->edges = xcalloc(d * ((size_t)bins + 1) + 1, sizeof(double));
	for (j = 0; j < d; j++) {
		if (radix > UINT64_MAX / 2 / (uint64_t)bins)
			diag_fatal("hist: --bins %ld in %zu dimensions makes "
			    "more than 2^63 cells", bins, d);
		radix *= (uint64_t)bins;
		partial->low[j] = low[j];
		partial->high[j] = high[j];
		histogram_edges(low[j], high[j], bins, partial->edges +
		    j * ((size_t)bins + 1));
	}
}

void
partial_init(struct sample_partial *partial, const char *source,
    bool histogram, size_t dimension, const char *const *column_names,
    long bins, const double *low, const double *high)
{
	size_t j;

	memset(partial, 0, sizeof(*partial));
	partial->source = xstrdup(source);
	partial->histogram = histogram;
	partial->dimension = dimension;
	partial->column_names = xcalloc(dimension + 1, sizeof(char *));
	for (j = 0; j < dimension; j++)
		partial->column_names[j] = xstrdup(column_names[j]);
	partial->minimum = xcalloc(dimension + 1, sizeof(double));
	partial->maximum = xcalloc(dimension + 1, sizeof(double));
	if (histogram)
		init_histogram(partial, bins, low, high);
	else
		moments_init(&partial->moments, dimension);
}

/* The code of a row's cell: sum_j bin_j B^j. */
static uint64_t
cell_code(const struct sample_partial *partial, const double *row)
{
	size_t n_bins = (size_t)partial->bins, j;
	uint64_t code = 0, radix = 1;

	for (j = 0; j < partial->dimension; j++) {
		code += radix * histogram_bin_of(row[j], partial->edges +
		    j * (n_bins + 1), n_bins);
		radix *= n_bins;
	}
	return code;
}

void
partial_add_row(struct sample_partial *partial, const double *row)
{
	size_t j;

	for (j = 0; j < partial->dimension; j++) {
		if (partial->n_rows == 0 || row[j] < partial->minimum[j])
			partial->minimum[j] = row[j];
		if (partial->n_rows == 0 || row[j] > partial->maximum[j])
			partial->maximum[j] = row[j];
	}
	partial->n_rows++;
	if (partial->histogram)
		table_add(partial, cell_code(partial, row), 1);
	else
		moments_add(&partial->moments, row);
}

static void
write_vector(struct model_writer *writer, const char *key,
    const double *values, size_t n)
{
	size_t j;

	model_writer_begin(writer, key);
	for (j = 0; j < n; j++)
		model_writer_put_exact(writer, values[j]);
	model_writer_end(writer);
}

/* The occupied cells in increasing order of code. */
static struct cell_entry *
sorted_cells(const struct sample_partial *partial, int side,
    struct cell_entry *entries)
{
	size_t i, n = 0;

	for (i = 0; i < partial->table_capacity; i++)
		if (partial->cell_keys[i] != 0) {
			entries[n].code = partial->cell_keys[i] - 1;
			entries[n].side = side;
			entries[n++].count = partial->cell_counts[i];
		}
	qsort(entries, n, sizeof(*entries), compare_entries);
	return entries;
}

static void
write_cells(struct model_writer *writer, const struct sample_partial *partial)
{
	struct cell_entry *cells = sorted_cells(partial, 0, xcalloc(
	    partial->n_cells + 1, sizeof(struct cell_entry)));
	uint64_t code;
	size_t i, j;

	for (i = 0; i < partial->n_cells; i++) {
		model_writer_begin(writer, "cell");
		for (j = 0, code = cells[i].code; j < partial->dimension; j++) {
			model_writer_put_count(writer,
			    code % (uint64_t)partial->bins);
			code /= (uint64_t)partial->bins;
		}
		model_writer_put_count(writer,
		    (unsigned long long)cells[i].count);
		model_writer_end(writer);
	}
	free(cells);
}

/*
 * Refuse gauss moments that overflow a double (a column spread wider
 * than about 1e154): no partial could hold them, and no divergence
 * could be computed from them.  A column constant in every row first
 * gets its value as mean and no co-moment, exactly (see
 * moments_settle_constant_columns).
 */
static void
check_finite_moments(struct sample_partial *partial, const char *source,
    const char *how)
{
	char problem[256];

	moments_settle_constant_columns(&partial->moments, partial->minimum,
	    partial->maximum);
	if (!moments_finite(&partial->moments,
	    (const char *const *)partial->column_names, problem,
	    sizeof(problem)))
		diag_fatal("%s: %s%s", source, how, problem);
}

void
partial_write(struct sample_partial *partial, const char *path)
{
	size_t d = partial->dimension, i;
	struct model_writer *writer;

	if (!partial->histogram) {
		moments_flush(&partial->moments);
		check_finite_moments(partial, partial->source, "");
	}
	writer = model_writer_open(path, PARTIAL_KIND, PARTIAL_VERSION,
	    (const char *const *)partial->column_names, d);

	model_writer_begin(writer, "method");
	model_writer_put_string(writer, partial->histogram ? "hist" :
	    "gauss");
	model_writer_end(writer);
	if (partial->histogram) {
		model_writer_begin(writer, "bins");
		model_writer_put_count(writer,
		    (unsigned long long)partial->bins);
		model_writer_end(writer);
		write_vector(writer, "low", partial->low, d);
		write_vector(writer, "high", partial->high, d);
	}
	model_writer_begin(writer, "rows");
	model_writer_put_count(writer, (unsigned long long)partial->n_rows);
	model_writer_end(writer);
	if (partial->n_rows > 0) {
		write_vector(writer, "minimum", partial->minimum, d);
		write_vector(writer, "maximum", partial->maximum, d);
	}
	if (partial->histogram)
		write_cells(writer, partial);
	else {
		write_vector(writer, "mean", partial->moments.mean, d);
		for (i = 0; i < d; i++)
			write_vector(writer, "comoment",
			    partial->moments.comoment + i * d, d);
	}
	model_writer_commit(writer);
}

/* The n-th record key of d values into values; missing ends the program. */
static void
read_vector(const struct model *file, const char *key, size_t n, size_t d,
    double *values)
{
	const struct model_record *record = model_find(file, key, n, d);
	size_t j;

	if (record == NULL)
		diag_fatal_at(file->path, 0, "partial has no '%s' record "
		    "(truncated or damaged file?)", key);
	for (j = 0; j < d; j++)
		values[j] = model_value_double(file, record, j);
}

/* The columns of file must be like's, by name and in order. */
static void
check_columns(const struct model *file, const struct sample_partial *like)
{
	model_check_features(file, (const char *const *)like->column_names,
	    like->dimension, like->source, "has");
}

/* Whether the partial is a histogram; like's method when like is given. */
static bool
read_method(const struct model *file, const struct sample_partial *like)
{
	const struct model_record *record = model_require(file, "method", 1);
	const char *method = record->values[0];
	bool histogram = strcmp(method, "hist") == 0;

	if (!histogram && strcmp(method, "gauss") != 0)
		diag_fatal_at(file->path, record->line_number, "method '%s' "
		    "is not one a partial holds (gauss, hist)",
		    diag_quote(method, strlen(method)));
	if (like != NULL && histogram != like->histogram)
		diag_fatal_at(file->path, record->line_number, "method '%s', "
		    "but %s has '%s'", method, like->source,
		    like->histogram ? "hist" : "gauss");
	return histogram;
}

/* The bins and range of a histogram partial, checked against like's. */
static long
read_edges(const struct model *file, const struct sample_partial *like,
    double *low, double *high)
{
	const struct model_record *bins_record = model_require(file, "bins",
	    1);
	long bins = model_value_long(file, bins_record, 0, 1, 1000000);
	size_t d = file->n_features, j;
	char low_text[2][NUMBER_EXACT_SIZE], high_text[2][NUMBER_EXACT_SIZE];

	read_vector(file, "low", 0, d, low);
	read_vector(file, "high", 0, d, high);
	if (like != NULL && bins != like->bins)
		diag_fatal_at(file->path, bins_record->line_number, "%ld bins, "
		    "but %s has %ld", bins, like->source, like->bins);
	for (j = 0; j < d; j++) {
		number_format_exact(low[j], low_text[0]);
		number_format_exact(high[j], high_text[0]);
		if (!(low[j] < high[j]))
			diag_fatal_at(file->path, model_require(file, "high",
			    d)->line_number, "the range of column '%s' is "
			    "%s:%s, not low below high", file->features[j],
			    low_text[0], high_text[0]);
		if (like == NULL || (low[j] == like->low[j] &&
		    high[j] == like->high[j]))
			continue;
		number_format_exact(like->low[j], low_text[1]);
		number_format_exact(like->high[j], high_text[1]);
		diag_fatal_at(file->path, model_require(file, "low",
		    d)->line_number, "the range of column '%s' is %s:%s, but "
		    "%s has %s:%s", file->features[j], low_text[0],
		    high_text[0], like->source, low_text[1], high_text[1]);
	}
	return bins;
}

/* The "cell" records of a histogram partial; they must add up to rows. */
static void
read_cells(const struct model *file, struct sample_partial *partial)
{
	size_t d = partial->dimension, i, j;
	double total = 0, count;
	uint64_t code, radix;

	for (i = 0; i < file->n_records; i++) {
		const struct model_record *record = &file->records[i];

		if (strcmp(record->key, "cell") != 0)
			continue;
		if (record->n_values != d + 1)
			diag_fatal_at(file->path, record->line_number, "record "
			    "'cell' has %zu values, expected %zu",
			    record->n_values, d + 1);
		for (j = 0, code = 0, radix = 1; j < d; j++) {
			code += radix * (uint64_t)model_value_long(file,
			    record, j, 0, partial->bins - 1);
			radix *= (uint64_t)partial->bins;
		}
		count = (double)model_value_long(file, record, d, 1,
		    MAX_EXACT_COUNT);
		table_add(partial, code, count);
		total += count;
	}
	if (total != partial->n_rows)
		diag_fatal_at(file->path, model_require(file, "rows",
		    1)->line_number, "the cells hold %.0f rows, not %.0f",
		    total, partial->n_rows);
}

/* Every record must be one a partial has. */
static void
check_record_keys(const struct model *file)
{
	static const char *const known[] = { "method", "bins", "low", "high",
	    "rows", "minimum", "maximum", "mean", "comoment", "cell" };
	size_t i, k;

	for (i = 0; i < file->n_records; i++) {
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(file->records[i].key, known[k]) == 0)
				break;
		if (k == sizeof(known) / sizeof(known[0]))
			diag_fatal_at(file->path, file->records[i].line_number,
			    "unexpected record '%s' in a partial", diag_quote(
			    file->records[i].key,
			    strlen(file->records[i].key)));
	}
}

void
partial_read(struct sample_partial *partial, const char *path,
    const struct sample_partial *like)
{
	struct model *file = model_read(path, PARTIAL_KIND, PARTIAL_VERSION);
	size_t d = file->n_features, i;
	double *low = xcalloc(d, sizeof(double));
	double *high = xcalloc(d, sizeof(double));
	bool histogram;
	long bins = 0;

	check_record_keys(file);
	if (like != NULL)
		check_columns(file, like);
	histogram = read_method(file, like);
	if (histogram)
		bins = read_edges(file, like, low, high);
	partial_init(partial, file->path, histogram, d,
	    (const char *const *)file->features, bins, low, high);
	partial->n_rows = (double)model_value_long(file, model_require(file,
	    "rows", 1), 0, 0, MAX_EXACT_COUNT);
	if (partial->n_rows > 0) {
		read_vector(file, "minimum", 0, d, partial->minimum);
		read_vector(file, "maximum", 0, d, partial->maximum);
	}
	if (histogram)
		read_cells(file, partial);
	else {
		partial->moments.count = partial->n_rows;
		read_vector(file, "mean", 0, d, partial->moments.mean);
		for (i = 0; i < d; i++)
			read_vector(file, "comoment", i, d,
			    partial->moments.comoment + i * d);
	}
	free(low);
	free(high);
	model_free(file);
}

void
partial_merge(struct sample_partial *partial,
    const struct sample_partial *other)
{
	size_t i, j;

	for (j = 0; j < partial->dimension && other->n_rows > 0; j++) {
		if (partial->n_rows == 0 ||
		    other->minimum[j] < partial->minimum[j])
			partial->minimum[j] = other->minimum[j];
		if (partial->n_rows == 0 ||
		    other->maximum[j] > partial->maximum[j])
			partial->maximum[j] = other->maximum[j];
	}
	partial->n_rows += other->n_rows;
	if (!partial->histogram) {
		moments_flush(&partial->moments);
		moments_merge(&partial->moments, &other->moments);
		check_finite_moments(partial, other->source, "merged with the "
		    "partials before it, ");
		return;
	}
	for (i = 0; i < other->table_capacity; i++)
		if (other->cell_keys[i] != 0)
			table_add(partial, other->cell_keys[i] - 1,
			    other->cell_counts[i]);
}

void
partial_kept_moments(const struct sample_partial *partial, const bool *keep,
    struct moments *kept)
{
	size_t d = partial->dimension, n_kept = 0, i, j, row = 0, column;

	for (j = 0; j < d; j++)
		n_kept += keep[j];
	moments_init(kept, n_kept);
	kept->count = partial->moments.count;
	for (i = 0; i < d; i++) {
		if (!keep[i])
			continue;
		kept->mean[row] = partial->moments.mean[i];
		for (j = 0, column = 0; j < d; j++)
			if (keep[j])
				kept->comoment[row * n_kept + column++] =
				    partial->moments.comoment[i * d + j];
		row++;
	}
}

/* A full cell code re-coded over the kept columns only. */
static uint64_t
kept_code(uint64_t code, size_t dimension, uint64_t bins, const bool *keep)
{
	uint64_t kept = 0, radix = 1;
	size_t j;

	for (j = 0; j < dimension; j++, code /= bins)
		if (keep[j]) {
			kept += radix * (code % bins);
			radix *= bins;
		}
	return kept;
}

void
partial_histogram_counts(const struct sample_partial *current,
    const struct sample_partial *reference, const bool *keep,
    double **current_counts, double **reference_counts, size_t *n_cells,
    double *n_empty_cells)
{
	size_t n = current->n_cells + reference->n_cells;
	struct cell_entry *entries = xcalloc(n + 1, sizeof(*entries));
	size_t d = current->dimension, i, j, cell = 0;
	double total_cells = 1;

	sorted_cells(current, 0, entries);
	sorted_cells(reference, 1, entries + current->n_cells);
	for (i = 0; i < n; i++)
		entries[i].code = kept_code(entries[i].code, d,
		    (uint64_t)current->bins, keep);
	qsort(entries, n, sizeof(*entries), compare_entries);
	*current_counts = xcalloc(n + 1, sizeof(double));
	*reference_counts = xcalloc(n + 1, sizeof(double));
	for (i = 0; i < n; i++) {
		if (i > 0 && entries[i].code != entries[i - 1].code)
			cell++;
		(entries[i].side == 0 ? *current_counts :
		    *reference_counts)[cell] += entries[i].count;
	}
	*n_cells = n > 0 ? cell + 1 : 0;
	for (j = 0; j < d; j++)
		if (keep[j])
			total_cells *= (double)current->bins;
	*n_empty_cells = total_cells - (double)*n_cells;
	free(entries);
}

void
partial_free(struct sample_partial *partial)
{
	size_t j;

	for (j = 0; j < partial->dimension; j++)
		free(partial->column_names[j]);
	free(partial->column_names);
	free(partial->source);
	free(partial->minimum);
	free(partial->maximum);
	if (!partial->histogram)
		moments_free(&partial->moments);
	free(partial->low);
	free(partial->high);
	free(partial->edges);
	free(partial->cell_keys);
	free(partial->cell_counts);
	memset(partial, 0, sizeof(*partial));
}
