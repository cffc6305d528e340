/*
 * gauss.c - the divergence of kl-drift between normals fitted to the two
 * samples (see kl_drift.h for the formula).
 *
 * Means and co-moments come from common/moments (one blocked pass over
 * the rows, or merged from the partials of shards), the covariances are
 * the co-moments over n - 1, and the matrix algebra goes through
 * common/linalg's Cholesky routines: with Sq = L L',
 *	tr(Sq^-1 Sp)	from the solve Sq X = Sp,
 *	dm' Sq^-1 dm	from the solve Sq y = dm,
 *	ln det S	as 2 sum ln L_ii.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "kl_drift.h"
#include "linalg.h"
#include "moments.h"

/* A normal fitted to a sample: mean, covariance and its factor. */
struct fitted_normal {
	double *mean;
	double *covariance;
	double *factor;		/* Cholesky factor of covariance */
	bool positive_definite;
	double log_determinant;
};

/*
 * The normal of moments.  Moments that overflow (values spread wider
 * than about 1e154) are refused, naming the sample (after context, for
 * a permuted one) and the column, before any matrix algebra.
 */
static void
fit_normal(const struct moments *moments, const char *name,
    const char *const *column_names, const char *context,
    struct fitted_normal *fit)
{
	size_t d = moments->dimension;
	char problem[256];

	if (moments->count < 2)
		diag_fatal("%s: gauss needs at least 2 rows, got %.0f", name,
		    moments->count);
	if (!moments_finite(moments, column_names, problem, sizeof(problem)))
		diag_fatal("%s%s: %s", context, name, problem);
	fit->mean = xcalloc(d, sizeof(double));
	memcpy(fit->mean, moments->mean, d * sizeof(double));
	fit->covariance = xcalloc(d * d, sizeof(double));
	moments_covariance(moments, 1, fit->covariance);
	fit->factor = xcalloc(d * d, sizeof(double));
	memcpy(fit->factor, fit->covariance, d * d * sizeof(double));
	fit->positive_definite = cholesky_factor(d, fit->factor);
	fit->log_determinant = fit->positive_definite ?
	    cholesky_log_determinant(d, fit->factor) : -INFINITY;
}

/* The moments of a sample's rows, in one blocked pass. */
static void
sample_moments(const struct sample *sample, struct moments *moments)
{
	size_t d = sample->dimension, i;

	moments_init(moments, d);
	for (i = 0; i < sample->n_rows; i++)
		moments_add(moments, sample->values + i * d);
	moments_flush(moments);
}

static void
free_normal(struct fitted_normal *fit)
{
	free(fit->mean);
	free(fit->covariance);
	free(fit->factor);
}

/* A column constant within both samples, at different values, or NULL. */
static const char *
column_apart(size_t d, const struct fitted_normal *fit_p,
    const struct fitted_normal *fit_q, const char *const *column_names)
{
	size_t j;

	for (j = 0; j < d; j++)
		if (fit_p->covariance[j * d + j] == 0 &&
		    fit_q->covariance[j * d + j] == 0 &&
		    fit_p->mean[j] != fit_q->mean[j])
			return column_names[j];
	return NULL;
}

/*
 * Whether two fits are the same bit for bit: their divergence is then
 * exactly 0, which the solves below would only approach to rounding.
 */
static bool
same_normal(size_t d, const struct fitted_normal *fit_p,
    const struct fitted_normal *fit_q)
{
	return memcmp(fit_p->mean, fit_q->mean, d * sizeof(double)) == 0 &&
	    memcmp(fit_p->covariance, fit_q->covariance,
	    d * d * sizeof(double)) == 0;
}

/* 0.5 (tr(Sq^-1 Sp) + dm' Sq^-1 dm - d + ln det Sq - ln det Sp) */
static double
closed_form(size_t d, const struct fitted_normal *fit_p,
    const struct fitted_normal *fit_q)
{
	double *solved = xcalloc(d * d, sizeof(double));
	double *difference = xcalloc(d, sizeof(double));
	double *solved_difference = xcalloc(d, sizeof(double));
	double trace = 0, quadratic;
	size_t j;

	memcpy(solved, fit_p->covariance, d * d * sizeof(double));
	cholesky_solve(d, fit_q->factor, solved, d);
	for (j = 0; j < d; j++) {
		trace += solved[j * d + j];
		difference[j] = fit_p->mean[j] - fit_q->mean[j];
	}
	memcpy(solved_difference, difference, d * sizeof(double));
	cholesky_solve(d, fit_q->factor, solved_difference, 1);
	quadratic = linalg_dot(d, difference, solved_difference);
	free(solved);
	free(difference);
	free(solved_difference);
	return 0.5 * (trace + quadratic - (double)d +
	    fit_q->log_determinant - fit_p->log_determinant);
}

static struct divergence
divergence_of_moments(const struct moments *p, const char *p_name,
    const struct moments *q, const char *q_name,
    const char *const *column_names, const char *context)
{
	struct fitted_normal fit_p, fit_q;
	struct divergence result = { 0, "" };
	size_t d = p->dimension;
	const char *apart;

	fit_normal(p, p_name, column_names, context, &fit_p);
	fit_normal(q, q_name, column_names, context, &fit_q);
	apart = column_apart(d, &fit_p, &fit_q, column_names);
	if (apart != NULL) {
		result.value = INFINITY;
		snprintf(result.reason, sizeof(result.reason), "column '%s' "
		    "is constant in both samples, at different values",
		    apart);
	} else if (!fit_p.positive_definite && !fit_q.positive_definite)
		diag_fatal("gauss: the covariances of %s and %s are both "
		    "singular (a column constant or collinear with others "
		    "in each); select independent columns with -f", p_name,
		    q_name);
	else if (!fit_p.positive_definite || !fit_q.positive_definite) {
		result.value = INFINITY;
		snprintf(result.reason, sizeof(result.reason), "the "
		    "covariance of %s is singular (a column constant or "
		    "collinear with others) and that of %s is not",
		    fit_p.positive_definite ? q_name : p_name,
		    fit_p.positive_definite ? p_name : q_name);
	} else if (same_normal(d, &fit_p, &fit_q))
		result.value = 0;
	else {
		/* Tested before fmax, which would turn a NaN into 0. */
		result.value = closed_form(d, &fit_p, &fit_q);
		if (!isfinite(result.value))
			diag_fatal("%sgauss: D(%s || %s) overflows a double: "
			    "the covariances or means of the samples are too "
			    "far apart in scale", context, p_name, q_name);
		result.value = fmax(0, result.value);
	}
	free_normal(&fit_p);
	free_normal(&fit_q);
	return result;
}

struct divergence
gauss_divergence_moments(const struct moments *p, const char *p_name,
    const struct moments *q, const char *q_name,
    const char *const *column_names)
{
	return divergence_of_moments(p, p_name, q, q_name, column_names, "");
}

struct divergence
gauss_divergence(const struct sample *p, const struct sample *q,
    const char *const *column_names, const char *context)
{
	struct moments moments_p, moments_q;
	struct divergence result;

	sample_moments(p, &moments_p);
	sample_moments(q, &moments_q);
	result = divergence_of_moments(&moments_p, p->name, &moments_q,
	    q->name, column_names, context);
	moments_free(&moments_p);
	moments_free(&moments_q);
	return result;
}
