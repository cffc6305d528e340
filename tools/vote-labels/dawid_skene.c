/*
 * dawid_skene.c - the Dawid-Skene estimate of labels and annotator
 * reliability for two classes (A. P. Dawid and A. M. Skene, "Maximum
 * likelihood estimation of observer error-rates using the EM
 * algorithm", Applied Statistics 28, 1979), as vote-labels uses it.
 *
 * Each annotator j has a sensitivity s_j = P(abnormal vote | abnormal)
 * and a specificity c_j = P(normal vote | normal); the classes have a
 * prior share pi of abnormal items.  With T_i = P(item i is abnormal):
 *
 *   E-step: logit T_i = logit pi + sum over the votes of item i of
 *           log(s_j / (1 - c_j)) for an abnormal vote,
 *           log((1 - s_j) / c_j) for a normal one;
 *   M-step: pi  = (sum_i T_i + a) / (n + 2a),
 *           s_j = (sum of T_i over j's abnormal votes + a)
 *                 / (sum of T_i over all j's votes + 2a),
 *           c_j = (sum of 1 - T_i over j's normal votes + a)
 *                 / (sum of 1 - T_i over all j's votes + 2a).
 *
 * The pseudo-count a = PSEUDO_COUNT keeps every estimate strictly
 * between 0 and 1 (an annotator who never erred would otherwise get an
 * infinite weight); it is the mode of a Beta(1 + a, 1 + a) prior.  EM
 * starts from the majority: T_i = share of abnormal votes on item i.  It
 * stops when no T_i moves by more than TOLERANCE, or after
 * MAX_ITERATIONS.  Every sum runs in item order, so the result is the
 * same on every run.
 */
#include <math.h>
#include <stdlib.h>

#include "diag.h"
#include "vote_labels.h"

#define PSEUDO_COUNT 0.01
#define TOLERANCE 1e-9
#define MAX_ITERATIONS 1000

/* The EM state: per annotator sums and estimates. */
struct em_state {
	double *abnormal_weight;	/* sum of T over abnormal votes */
	double *total_weight;		/* sum of T over all votes */
	double *normal_weight;		/* sum of 1 - T, normal votes */
	double *total_normal_weight;	/* sum of 1 - T over all votes */
	double *log_ratio_abnormal;	/* log(s / (1 - c)) */
	double *log_ratio_normal;	/* log((1 - s) / c) */
	double prior_log_odds;
};

static double
logistic(double log_odds)
{
	if (log_odds >= 0)
		return 1 / (1 + exp(-log_odds));
	return exp(log_odds) / (1 + exp(log_odds));
}

/* M-step: the prior and each annotator's rates from the current T. */
static void
estimate_rates(const struct vote_table *table, const bool *included,
    const double *posterior, struct em_state *em, double *sensitivity,
    double *specificity)
{
	size_t a, i, v, n_items = 0;
	double sum = 0, s, c;

	for (a = 0; a < table->n_annotators; a++)
		em->abnormal_weight[a] = em->total_weight[a] =
		    em->normal_weight[a] = em->total_normal_weight[a] = 0;
	for (i = 0; i < table->n_items; i++) {
		if (!included[i])
			continue;
		n_items++;
		sum += posterior[i];
		for (v = table->first[i]; v < table->first[i + 1]; v++) {
			a = table->annotator[v];
			em->total_weight[a] += posterior[i];
			em->total_normal_weight[a] += 1 - posterior[i];
			if (table->abnormal[v])
				em->abnormal_weight[a] += posterior[i];
			else
				em->normal_weight[a] += 1 - posterior[i];
		}
	}
	s = (sum + PSEUDO_COUNT) / (n_items + 2 * PSEUDO_COUNT);
	em->prior_log_odds = log(s) - log1p(-s);
	for (a = 0; a < table->n_annotators; a++) {
		s = (em->abnormal_weight[a] + PSEUDO_COUNT) /
		    (em->total_weight[a] + 2 * PSEUDO_COUNT);
		c = (em->normal_weight[a] + PSEUDO_COUNT) /
		    (em->total_normal_weight[a] + 2 * PSEUDO_COUNT);
		em->log_ratio_abnormal[a] = log(s) - log1p(-c);
		em->log_ratio_normal[a] = log1p(-s) - log(c);
		if (sensitivity != NULL)
			sensitivity[a] = s;
		if (specificity != NULL)
			specificity[a] = c;
	}
}

/* E-step: new posteriors; returns the largest change. */
static double
estimate_posteriors(const struct vote_table *table, const bool *included,
    const struct em_state *em, double *posterior)
{
	size_t i, v;
	double largest_change = 0;

	for (i = 0; i < table->n_items; i++) {
		double log_odds = em->prior_log_odds, updated;

		if (!included[i])
			continue;
		for (v = table->first[i]; v < table->first[i + 1]; v++)
			log_odds += table->abnormal[v] ?
			    em->log_ratio_abnormal[table->annotator[v]] :
			    em->log_ratio_normal[table->annotator[v]];
		updated = logistic(log_odds);
		if (fabs(updated - posterior[i]) > largest_change)
			largest_change = fabs(updated - posterior[i]);
		posterior[i] = updated;
	}
	return largest_change;
}

int
dawid_skene(const struct vote_table *table, size_t min_votes,
    double *posterior, double *sensitivity, double *specificity)
{
	size_t n = table->n_annotators, i, votes;
	bool *included = xcalloc(table->n_items + 1, sizeof(bool));
	struct em_state em;
	double change = 0;
	int iteration;

	em.abnormal_weight = xcalloc(n + 1, sizeof(double));
	em.total_weight = xcalloc(n + 1, sizeof(double));
	em.normal_weight = xcalloc(n + 1, sizeof(double));
	em.total_normal_weight = xcalloc(n + 1, sizeof(double));
	em.log_ratio_abnormal = xcalloc(n + 1, sizeof(double));
	em.log_ratio_normal = xcalloc(n + 1, sizeof(double));
	for (i = 0; i < table->n_items; i++) {
		votes = table->first[i + 1] - table->first[i];
		included[i] = votes > 0 && votes >= min_votes;
		posterior[i] = included[i] ? (double)item_abnormal_votes(table,
		    i) / (double)votes : -1;
	}
	for (iteration = 1; iteration <= MAX_ITERATIONS; iteration++) {
		estimate_rates(table, included, posterior, &em, sensitivity,
		    specificity);
		change = estimate_posteriors(table, included, &em, posterior);
		if (change <= TOLERANCE)
			break;
	}
	if (change > TOLERANCE) {
		diag_warn("dawid-skene: no convergence after %d iterations "
		    "(largest change %.3g)", MAX_ITERATIONS, change);
		iteration = MAX_ITERATIONS;
	}
	free(included);
	free(em.abnormal_weight);
	free(em.total_weight);
	free(em.normal_weight);
	free(em.total_normal_weight);
	free(em.log_ratio_abnormal);
	free(em.log_ratio_normal);
	return iteration;
}
