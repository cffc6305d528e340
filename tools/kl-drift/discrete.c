/*
 * discrete.c - divergences between two count vectors, for kl-drift's
 * histograms and its --counts mode (see kl_drift.h for the formulas).
 *
 * Counts are turned into probabilities here, after the pseudo-count
 * alpha (in observations, not a probability floor) is added to every
 * cell of both vectors, the cells that are empty in both included.
 * Those empty cells all have the same probabilities, so they are summed
 * in one term however many there are.
 */
#include <math.h>
#include <stdio.h>

#include "kl_drift.h"

/* p ln(p / q) with 0 ln 0 = 0; +inf when only q is 0. */
static double
relative_term(double p, double q)
{
	if (p == 0)
		return 0;
	if (q == 0)
		return INFINITY;
	return p * log(p / q);
}

static double
total(const double *counts, size_t n_cells)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n_cells; i++)
		sum += counts[i];
	return sum;
}

struct divergence
discrete_kl(const double *counts_p, const double *counts_q, size_t n_cells,
    double n_empty_cells, double alpha, const char *const *cell_names,
    const char *p_label, const char *q_label)
{
	double cells = (double)n_cells + n_empty_cells;
	double norm_p = total(counts_p, n_cells) + alpha * cells;
	double norm_q = total(counts_q, n_cells) + alpha * cells;
	struct divergence result = { 0, "" };
	size_t i, n_infinite = 0, first_infinite = 0;

	for (i = 0; i < n_cells; i++) {
		double term = relative_term((counts_p[i] + alpha) / norm_p,
		    (counts_q[i] + alpha) / norm_q);

		if (isinf(term) && n_infinite++ == 0)
			first_infinite = i;
		result.value += term;
	}
	if (n_empty_cells > 0 && alpha > 0)
		result.value += n_empty_cells * relative_term(alpha / norm_p,
		    alpha / norm_q);
	if (n_infinite == 0) {
		result.value = fmax(0, result.value);
		return result;
	}
	if (cell_names != NULL)
		snprintf(result.reason, sizeof(result.reason), "category '%s'"
		    "%s has %s observations and no %s ones", cell_names[
		    first_infinite], n_infinite > 1 ? " (and others)" : "",
		    p_label, q_label);
	else
		snprintf(result.reason, sizeof(result.reason), "%zu bin%s "
		    "hold%s %s rows and no %s rows", n_infinite,
		    n_infinite == 1 ? "" : "s", n_infinite == 1 ? "s" : "",
		    p_label, q_label);
	return result;
}

double
discrete_js(const double *counts_p, const double *counts_q, size_t n_cells,
    double n_empty_cells, double alpha)
{
	double cells = (double)n_cells + n_empty_cells;
	double norm_p = total(counts_p, n_cells) + alpha * cells;
	double norm_q = total(counts_q, n_cells) + alpha * cells;
	double sum = 0, p, q, m;
	size_t i;

	/* 0.5 sum p ln(p / m) + 0.5 sum q ln(q / m), m = (p + q) / 2 */
	for (i = 0; i < n_cells; i++) {
		p = (counts_p[i] + alpha) / norm_p;
		q = (counts_q[i] + alpha) / norm_q;
		m = 0.5 * (p + q);
		sum += 0.5 * relative_term(p, m) + 0.5 * relative_term(q, m);
	}
	if (n_empty_cells > 0 && alpha > 0) {
		p = alpha / norm_p;
		q = alpha / norm_q;
		m = 0.5 * (p + q);
		sum += n_empty_cells * (0.5 * relative_term(p, m) +
		    0.5 * relative_term(q, m));
	}
	return fmax(0, sum);
}
