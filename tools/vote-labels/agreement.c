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
 *  - flag: under the hypothesis that j votes abnormal on item i with
 *    probability p_i, independently, j's count of abnormal votes O has
 *    mean E = sum p_i and variance V = sum p_i (1 - p_i) (a
 *    Poisson-binomial count), over the items with peers; z = (O - E) /
 *    sqrt(V) and j is flagged when |z| exceeds the two-sided normal
 *    quantile at family-wise level FAMILY_LEVEL, Bonferroni-corrected
 *    over the annotators tested.  With V = 0 (peers unanimous on every
 *    item), z is 0 when O = E and infinite otherwise.  One far-off
 *    annotator shifts every peer share, so the test is run again with
 *    the flagged annotators left out of the peers (they are still
 *    tested), until the set of flagged annotators stops changing or
 *    MAX_ROUNDS rounds have run.
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
#define MAX_ROUNDS 10

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
		double share;

		a = table->annotator[v];
		if (!flagged[a]) {
			peers--;
			peer_abnormal -= table->abnormal[v];
		}
		if (peers == 0)
			continue;
		share = (double)peer_abnormal / (double)peers;
		stats[a].tested++;
		stats[a].expected_abnormal += share;
		stats[a].variance += share * (1 - share);
	}
}

/* z of every annotator from the sums; returns how many were tested. */
static size_t
compute_z(struct annotator_stats *stats, size_t n_annotators)
{
	size_t a, n_tested = 0;
	double difference;

	for (a = 0; a < n_annotators; a++) {
		struct annotator_stats *s = &stats[a];

		if (s->tested == 0) {
			s->z = NAN;
			continue;
		}
		n_tested++;
		difference = (double)s->abnormal_votes - s->expected_abnormal;
		if (s->variance > 0)
			s->z = difference / sqrt(s->variance);
		else if (fabs(difference) < 1e-9)
			s->z = 0;
		else
			s->z = difference > 0 ? INFINITY : -INFINITY;
	}
	return n_tested;
}

/* One round of the flag test against the unflagged peers. */
static double
test_round(const struct vote_table *table, const bool *flagged,
    struct annotator_stats *stats)
{
	size_t a, item, n_tested;

	for (a = 0; a < table->n_annotators; a++) {
		stats[a].tested = 0;
		stats[a].expected_abnormal = stats[a].variance = 0;
	}
	for (item = 0; item < table->n_items; item++)
		add_item_expectation(table, item, flagged, stats);
	n_tested = compute_z(stats, table->n_annotators);
	return normal_upper_quantile(FAMILY_LEVEL / 2 /
	    (double)(n_tested > 0 ? n_tested : 1));
}

double
annotator_statistics(const struct vote_table *table,
    struct annotator_stats *stats, int *rounds)
{
	bool *flagged = xcalloc(table->n_annotators + 1, sizeof(bool));
	bool changed = true;
	double critical_z = 0;
	size_t a, item;

	memset(stats, 0, table->n_annotators * sizeof(*stats));
	for (item = 0; item < table->n_items; item++)
		add_item_agreement(table, item, stats);
	for (*rounds = 1; changed; ++*rounds) {
		critical_z = test_round(table, flagged, stats);
		changed = false;
		for (a = 0; a < table->n_annotators; a++)
			if (flagged[a] != (fabs(stats[a].z) > critical_z)) {
				flagged[a] = !flagged[a];
				changed = true;
			}
		if (!changed || *rounds == MAX_ROUNDS)
			break;
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
