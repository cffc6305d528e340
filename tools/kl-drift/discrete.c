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
#include <float.h>
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

/*
 * ln(p / q) for p = a / norm_a and q = b / norm_b, a and b positive:
 * from the ratio while p, q and p / q are normal doubles (the accurate
 * form when p is near q), else as ln a - ln norm_a - (ln b - ln norm_b),
 * since p / q can overflow and a tiny p or q underflow, which would
 * turn a finite term into an infinite or wrong one.
 */
static double
log_ratio(double a, double norm_a, double b, double norm_b)
{
	double p = a / norm_a, q = b / norm_b, ratio;

	if (p >= DBL_MIN && q >= DBL_MIN) {
		ratio = p / q;
		if (ratio >= DBL_MIN && ratio <= DBL_MAX)
			return log(ratio);
	}
	return (log(a) - log(norm_a)) - (log(b) - log(norm_b));
}

/*
 * p ln(p / q) of the smoothed counts a and b (alpha already added) over
 * their totals: 0 when a is 0, +inf when only b is, told by the counts,
 * never by a probability that underflowed.
 */
static double
count_term(double a, double norm_a, double b, double norm_b)
{
	if (a == 0)
		return 0;
	if (b == 0)
		return INFINITY;
	return a / norm_a * log_ratio(a, norm_a, b, norm_b);
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
		double term = count_term(counts_p[i] + alpha, norm_p,
		    counts_q[i] + alpha, norm_q);

		if (isinf(term) && n_infinite++ == 0)
			first_infinite = i;
		result.value += term;
	}
	if (n_empty_cells > 0 && alpha > 0)
		result.value += n_empty_cells * count_term(alpha, norm_p,
		    alpha, norm_q);
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
