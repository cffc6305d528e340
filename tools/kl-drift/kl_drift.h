/*
 * kl_drift.h - the estimators of kl-drift, shared between its files.
 *
 * Every estimator returns D(p || q) in nats for a sample p (the "from"
 * side) and q (the "to" side); main.c calls each one twice for
 * --symmetric.  Samples are row-major arrays of n_rows x dimension
 * doubles, all finite.  A divergence that is infinite comes back as
 * +inf with the reason in words, which main.c prints on standard error.
 */
#ifndef KL_DRIFT_H
#define KL_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moments.h"

struct divergence {
	double value;		/* nats, >= 0 or +inf */
	char reason[256];	/* why the value is infinite, else "" */
};

/* A sample of rows, as read (or as drawn by a permutation). */
struct sample {
	const char *name;	/* the file, for messages */
	size_t n_rows;
	size_t dimension;
	double *values;		/* n_rows x dimension, row-major */
};

/*
 * gauss.c: D(p || q) between normals fitted to each sample (mean and
 * covariance with ddof 1):
 *	0.5 (tr(Sq^-1 Sp) + dm' Sq^-1 dm - d + ln det Sq - ln det Sp),
 * dm = mean_p - mean_q.  Each sample needs at least 2 rows.  A singular
 * covariance on one side only gives +inf; on both sides it ends the
 * program, since the divergence then depends on the subspaces.  So do
 * moments that overflow a double (a column spread wider than about
 * 1e154), naming the sample and column, and a divergence too large for
 * a double.  context (may be "") prefixes those messages.
 */
struct divergence gauss_divergence(const struct sample *p,
    const struct sample *q, const char *const *column_names,
    const char *context);

/*
 * gauss.c: the same divergence from the (flushed) moments of each
 * sample, as merged from partials; p_name and q_name word the messages.
 */
struct divergence gauss_divergence_moments(const struct moments *p,
    const char *p_name, const struct moments *q, const char *q_name,
    const char *const *column_names);

/*
 * knn.c: the k-nearest-neighbour estimator of Wang, Kulkarni and Verdu
 * (2009), Euclidean distance, neighbours found exactly with a k-d tree:
 *	(d / n) sum_i ln(nu_k(i) / rho_k(i)) + ln(m / (n - 1)),
 * n rows in p, m in q, rho_k(i) the distance from row i of p to its
 * k-th nearest other row of p, nu_k(i) to its k-th nearest row of q.
 * Needs k < n and k <= m.  A zero distance leaves the estimate
 * undefined: the program ends, saying how many rows and why.
 * context (may be "") prefixes those messages.
 */
double knn_divergence(const struct sample *p, const struct sample *q,
    long k, const char *context);

/*
 * knn.c: drop repeated rows (all values equal) from sample, keeping one
 * of each; the rows come back sorted.  Returns the number dropped.
 */
size_t sample_drop_repeated_rows(struct sample *sample);

/*
 * discrete.c: D(p || q) between two count vectors over n_cells cells,
 * with alpha added to every cell of both, and n_empty_cells further
 * cells empty in both (which count only through alpha):
 *	p_i = (a_i + alpha) / (A + alpha T),  q_i likewise,
 *	D = sum_i p_i ln(p_i / q_i),  0 ln 0 = 0,
 * T = n_cells + n_empty_cells.  A cell with a_i + alpha > 0 and
 * b_i + alpha = 0 makes D infinite (told by the counts, never by a
 * probability that underflowed); cell_names (NULL for histogram bins)
 * name it in the reason.  ln(p_i / q_i) comes from the logs of the
 * counts and totals when p_i, q_i or their ratio is not a normal
 * double.  p_label and q_label ("current", "reference") word it.
 */
struct divergence discrete_kl(const double *counts_p, const double *counts_q,
    size_t n_cells, double n_empty_cells, double alpha,
    const char *const *cell_names, const char *p_label, const char *q_label);

/*
 * discrete.c: the Jensen-Shannon divergence of the same two smoothed
 * distributions, 0.5 D(p || m) + 0.5 D(q || m) with m = (p + q) / 2;
 * always finite, at most ln 2.
 */
double discrete_js(const double *counts_p, const double *counts_q,
    size_t n_cells, double n_empty_cells, double alpha);

/*
 * histogram.c: the cell of every row of the pooled samples under bins
 * equal-width bins per dimension over the pooled range, or over the
 * fixed range [low[j], high[j]] of each dimension when low and high are
 * not NULL (a dimension whose range is zero gets one bin).  cell_of_row
 * (n_rows) receives dense numbers 0 .. *n_occupied - 1 of the cells
 * that hold a row, in increasing order of the cell's code, sum_j bin_j
 * * B^j; *n_cells_total is the product of the bin counts.  Ends the
 * program when that product passes 2^63.
 */
void histogram_assign_cells(const double *pooled, size_t n_rows,
    size_t dimension, long bins, const double *low, const double *high,
    size_t *cell_of_row, size_t *n_occupied, double *n_cells_total);

/*
 * histogram.c: the bins + 1 edges of [low, high] into edges (one bin,
 * edges low and high, when low == high); returns the number of bins.
 */
size_t histogram_edges(double low, double high, long bins, double *edges);

/* histogram.c: the bin of x among edges[0 .. n_bins]. */
size_t histogram_bin_of(double x, const double *edges, size_t n_bins);

/*
 * partial.c: the statistics of one sample, or of several shards of one
 * sample merged, from which kl-drift --merge computes what a single run
 * over the whole samples computes: for gauss the count, mean and
 * co-moment matrix (common/moments.h), for hist the count of every
 * occupied cell of a grid on fixed edges.  Both keep each column's
 * minimum and maximum, so that a column constant in both samples can
 * be dropped as a single run drops it.
 */
struct sample_partial {
	char *source;			/* the file, for messages */
	bool histogram;			/* hist, else gauss */
	size_t dimension;
	char **column_names;		/* dimension, owned */
	double n_rows;
	double *minimum, *maximum;	/* per column, once n_rows > 0 */
	struct moments moments;		/* gauss */
	long bins;			/* hist: bins per dimension */
	double *low, *high;		/* hist: the fixed range per column */
	double *edges;			/* hist: dimension x (bins + 1) */
	size_t table_capacity;		/* hist: a power of two */
	size_t n_cells;			/* hist: occupied cells */
	uint64_t *cell_keys;		/* hist: cell code + 1; 0 is free */
	double *cell_counts;
};

/*
 * Start an empty partial (names, low and high are copied; low and high
 * only for a histogram, whose b^d cells must stay below 2^63).
 */
void partial_init(struct sample_partial *partial, const char *source,
    bool histogram, size_t dimension, const char *const *column_names,
    long bins, const double *low, const double *high);

/* Add one row; for a histogram every value lies within its range. */
void partial_add_row(struct sample_partial *partial, const double *row);

/* Write the partial at path ("-" for standard output), atomically. */
void partial_write(struct sample_partial *partial, const char *path);

/*
 * Read the partial file at path into a fresh *partial.  With like not
 * NULL, the file must have like's columns, method, bins and edges; the
 * program ends naming the file and line otherwise.
 */
void partial_read(struct sample_partial *partial, const char *path,
    const struct sample_partial *like);

/* Add the statistics of other (read with partial as its like). */
void partial_merge(struct sample_partial *partial,
    const struct sample_partial *other);

/* The moments of the columns marked in keep, into a fresh *kept. */
void partial_kept_moments(const struct sample_partial *partial,
    const bool *keep, struct moments *kept);

/*
 * The cells of two histogram partials over the columns marked in keep:
 * the counts of the cells occupied in either (*n_cells of them, in
 * increasing order of their code over the kept columns, as
 * histogram_assign_cells numbers them), and the number of cells empty
 * in both.  The caller frees the two count arrays.
 */
void partial_histogram_counts(const struct sample_partial *current,
    const struct sample_partial *reference, const bool *keep,
    double **current_counts, double **reference_counts, size_t *n_cells,
    double *n_empty_cells);

void partial_free(struct sample_partial *partial);

#endif
