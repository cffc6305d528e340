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
 * program, since the divergence then depends on the subspaces.
 */
struct divergence gauss_divergence(const struct sample *p,
    const struct sample *q, const char *const *column_names);

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
 * T = n_cells + n_empty_cells.  A cell with p_i > 0 and q_i = 0 makes
 * D infinite; cell_names (NULL for histogram bins) name it in the
 * reason.  p_label and q_label ("current", "reference") word it.
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
 * equal-width bins per dimension over the pooled range (a dimension
 * whose range is zero gets one bin).  cell_of_row (n_rows) receives
 * dense numbers 0 .. *n_occupied - 1 of the cells that hold a row;
 * *n_cells_total is the product of the bin counts.  Ends the program
 * when that product passes 2^63.
 */
void histogram_assign_cells(const double *pooled, size_t n_rows,
    size_t dimension, long bins, size_t *cell_of_row, size_t *n_occupied,
    double *n_cells_total);

#endif
