/*
 * agreement.c - the annotator report of vote-labels: each annotator's
 * agreement with the others, the test that flags an abnormal share out
 * of line with the peers, and the overall agreement beyond chance.
 *
 * For annotator j on item i, the peers are the other annotators who
 * voted on item i; p_i is the share of abnormal votes among them.
 *  - agreement: the share of j's votes that match the peers' majority,
 *    over the items where the peers have one (items where they tie, or
 *    where j voted alone, are left out);
 *  - flag: on each item i with peers, the difference d_i = o_i - p_i
 *    between j's vote (o_i = 1 abnormal, 0 normal) and the peers'
 *    abnormal share.  With n such items, mean D and sample standard
 *    deviation s of the d_i, the paired statistic is z = D / (s /
 *    sqrt n): it measures j's excess abnormal share against the peers'
 *    on the same items, in units of its own spread, so an honest
 *    annotator's occasional slips (which scatter d_i both ways) do not
 *    count as a tendency.  j is flagged "over" or "under" when |z|
 *    exceeds the two-sided normal quantile at family-wise level
 *    FAMILY_LEVEL, Bonferroni-corrected over the annotators tested.
 *    Annotators with fewer than MIN_TESTED_ITEMS items with peers are
 *    not tested; s = 0 gives z = 0 when D = 0, else an infinite z.
 *    One far-off annotator shifts every peer share, so the test runs
 *    twice: the second round leaves the first round's flagged
 *    annotators out of the peers (they are still tested), unless they
 *    are half of those tested or more, when no consensus is left to
 *    compare with and the first round stands.
 * Overall: Fleiss' kappa when every item with two votes or more has the
 * same number of votes, else Krippendorff's alpha (nominal), both over
 * the items with two votes or more.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "vote_labels.h"

#define FAMILY_LEVEL 0.05
#define MIN_TESTED_ITEMS 5

/* The z whose upper normal tail is tail: solves erfc(z / sqrt 2) / 2. */
static double
normal_upper_quantile(double tail)
{
	double low = 0, high = 40, middle;
	int step;

	for (step = 0; step < 200; step++) {
		middle = (low + high) / 2;
		if (0.5 * erfc(middle / sqrt(2)) > tail)
			low = middle;
		else
			high = middle;
	}
	return (low + high) / 2;
}

/* Votes, abnormal votes and agreement with all the other annotators. */
static void
add_item_agreement(const struct vote_table *table, size_t item,
    struct annotator_stats *stats)
{
	size_t first = table->first[item], last = table->first[item + 1];
	size_t votes = last - first, abnormal = 0, v;

	for (v = first; v < last; v++)
		abnormal += table->abnormal[v];
	for (v = first; v < last; v++) {
		struct annotator_stats *s = &stats[table->annotator[v]];
		size_t peers = votes - 1, own = table->abnormal[v];
		size_t peer_abnormal = abnormal - own;

		s->votes++;
		s->abnormal_votes += own;
		if (peers > 0 && 2 * peer_abnormal != peers) {
			s->compared++;
			s->agreed += (2 * peer_abnormal > peers) == (own == 1);
		}
	}
}

/* The flag test's sums for one item, peers taken among the unflagged. */
static void
add_item_expectation(const struct vote_table *table, size_t item,
    const bool *flagged, struct annotator_stats *stats)
{
	size_t first = table->first[item], last = table->first[item + 1];
	size_t counted = 0, counted_abnormal = 0, v, a;

	for (v = first; v < last; v++)
		if (!flagged[table->annotator[v]]) {
			counted++;
			counted_abnormal += table->abnormal[v];
		}
	for (v = first; v < last; v++) {
		size_t peers = counted, peer_abnormal = counted_abnormal;
		double share, difference;

		a = table->annotator[v];
		if (!flagged[a]) {
			peers--;
			peer_abnormal -= table->abnormal[v];
		}
		if (peers == 0)
			continue;
		share = (double)peer_abnormal / (double)peers;
		difference = (double)table->abnormal[v] - share;
		stats[a].tested++;
		stats[a].expected_abnormal += share;
		stats[a].sum_difference += difference;
		stats[a].sum_squared_difference += difference * difference;
	}
}

/* z of every annotator from the sums; returns how many were tested. */
static size_t
compute_z(struct annotator_stats *stats, size_t n_annotators)
{
	size_t a, n_tested = 0;
	double n, mean, variance;

	for (a = 0; a < n_annotators; a++) {
		struct annotator_stats *s = &stats[a];

		if (s->tested < MIN_TESTED_ITEMS) {
			s->z = NAN;
			continue;
		}
		n_tested++;
		n = (double)s->tested;
		mean = s->sum_difference / n;
		variance = (s->sum_squared_difference - n * mean * mean) /
		    (n - 1);
		if (variance > 1e-12)
			s->z = mean / sqrt(variance / n);
		else if (fabs(mean) < 1e-9)
			s->z = 0;
		else
			s->z = mean > 0 ? INFINITY : -INFINITY;
	}
	return n_tested;
}

/*
 * One round of the flag test against the unflagged peers; returns the
 * critical |z| and sets *n_tested.
 */
static double
test_round(const struct vote_table *table, const bool *flagged,
    struct annotator_stats *stats, size_t *n_tested)
{
	size_t a, item;

	for (a = 0; a < table->n_annotators; a++) {
		stats[a].tested = 0;
		stats[a].expected_abnormal = 0;
		stats[a].sum_difference = stats[a].sum_squared_difference = 0;
	}
	for (item = 0; item < table->n_items; item++)
		add_item_expectation(table, item, flagged, stats);
	*n_tested = compute_z(stats, table->n_annotators);
	return normal_upper_quantile(FAMILY_LEVEL / 2 /
	    (double)(*n_tested > 0 ? *n_tested : 1));
}

double
annotator_statistics(const struct vote_table *table,
    struct annotator_stats *stats, int *rounds)
{
	bool *flagged = xcalloc(table->n_annotators + 1, sizeof(bool));
	double critical_z;
	size_t a, item, n_tested, n_flagged = 0;

	memset(stats, 0, table->n_annotators * sizeof(*stats));
	for (item = 0; item < table->n_items; item++)
		add_item_agreement(table, item, stats);
	critical_z = test_round(table, flagged, stats, &n_tested);
	*rounds = 1;
	for (a = 0; a < table->n_annotators; a++)
		if (fabs(stats[a].z) > critical_z) {
			flagged[a] = true;
			n_flagged++;
		}
	if (n_flagged > 0 && 2 * n_flagged < n_tested) {
		critical_z = test_round(table, flagged, stats, &n_tested);
		*rounds = 2;
	}
	free(flagged);
	return critical_z;
}

/*
 * Fleiss' kappa over items of n votes each (n >= 2), a_i and b_i the
 * normal and abnormal votes of item i, N items:
 *   P_i = (a_i^2 + b_i^2 - n) / (n (n - 1)),  P = mean of P_i,
 *   p = sum b_i / (N n),  P_e = p^2 + (1 - p)^2,
 *   kappa = (P - P_e) / (1 - P_e).
 */
static double
fleiss_kappa(const struct vote_table *table, size_t n)
{
	double agreement = 0, abnormal = 0, p, expected;
	size_t item, n_items = 0, a, b;

	for (item = 0; item < table->n_items; item++) {
		if (table->first[item + 1] - table->first[item] < 2)
			continue;
		b = item_abnormal_votes(table, item);
		a = n - b;
		agreement += (double)(a * a + b * b - n) /
		    (double)(n * (n - 1));
		abnormal += (double)b;
		n_items++;
	}
	agreement /= (double)n_items;
	p = abnormal / (double)(n_items * n);
	expected = p * p + (1 - p) * (1 - p);
	return expected < 1 ? (agreement - expected) / (1 - expected) : NAN;
}

/*
 * Krippendorff's alpha, nominal, two values, over items u with m_u >= 2
 * votes, a_u normal and b_u abnormal, n = sum m_u, n_0 = sum a_u,
 * n_1 = sum b_u (the coincidence matrix has o_01 = o_10 = sum a_u b_u /
 * (m_u - 1)):
 *   alpha = 1 - (n - 1) sum(a_u b_u / (m_u - 1)) / (n_0 n_1).
 */
static double
krippendorff_alpha(const struct vote_table *table)
{
	double disagreement = 0, n_normal = 0, n_abnormal = 0;
	size_t item, m, b;

	for (item = 0; item < table->n_items; item++) {
		m = table->first[item + 1] - table->first[item];
		if (m < 2)
			continue;
		b = item_abnormal_votes(table, item);
		disagreement += (double)((m - b) * b) / (double)(m - 1);
		n_normal += (double)(m - b);
		n_abnormal += (double)b;
	}
	if (n_normal == 0 || n_abnormal == 0)
		return NAN;
	return 1 - (n_normal + n_abnormal - 1) * disagreement /
	    (n_normal * n_abnormal);
}

struct chance_agreement
overall_agreement(const struct vote_table *table)
{
	struct chance_agreement result = { "Fleiss' kappa", NAN, 0, 0 };
	size_t item, votes;
	bool equal = true;

	for (item = 0; item < table->n_items; item++) {
		votes = table->first[item + 1] - table->first[item];
		if (votes < 2)
			continue;
		if (result.n_items > 0 && votes != result.votes_per_item)
			equal = false;
		result.votes_per_item = votes;
		result.n_items++;
	}
	if (result.n_items == 0)
		return result;
	if (equal) {
		result.value = fleiss_kappa(table, result.votes_per_item);
		return result;
	}
	result.statistic = "Krippendorff's alpha";
	result.votes_per_item = 0;
	result.value = krippendorff_alpha(table);
	return result;
}
