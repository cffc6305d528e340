/*
 * statistics.h - the sufficient statistics of a PCA fit: count, mean,
 * co-moment matrix and the range of each column, gathered from rows or
 * read back from partial files written by other runs.
 *
 * A fit over shards computes these per shard (pca-reduce --partial) and
 * merges them (pca-reduce --merge), giving the model of one pass over
 * all the rows up to rounding, since the merge is the same pairwise
 * update of Chan, Golub and LeVeque that the one-pass fit applies to its
 * blocks (see common/moments.h).
 */
#ifndef PCA_STATISTICS_H
#define PCA_STATISTICS_H

#include <stddef.h>

#include "moments.h"

struct column_statistics {
	size_t dimension;
	char **names;			/* dimension column names, owned */
	struct moments moments;
	double *minimum;		/* per column; valid once count > 0 */
	double *maximum;
};

/* Start empty statistics over the named columns (names are copied). */
void statistics_init(struct column_statistics *stats, size_t dimension,
    const char *const *names);

/* Add one row of dimension values. */
void statistics_add(struct column_statistics *stats, const double *row);

/*
 * Merge the rows still buffered; call before reading the totals.  A
 * column constant in every row gets its value as mean and zero
 * co-moments exactly (statistics_merge_partial does the same).
 */
void statistics_flush(struct column_statistics *stats);

/*
 * Write the (flushed) statistics as a partial file at path ("-" for
 * standard output), atomically like a model.
 */
void statistics_write_partial(const char *path,
    const struct column_statistics *stats);

/*
 * Merge the partial file at path into stats.  With stats->dimension 0
 * (fresh, zeroed statistics) the file sets the columns; otherwise its
 * columns must be the same, in the same order.  Ends the program naming
 * the file and line on anything malformed.
 */
void statistics_merge_partial(struct column_statistics *stats,
    const char *path);

void statistics_free(struct column_statistics *stats);

#endif
