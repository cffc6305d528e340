/*
 * vote_labels.h - what the files of vote-labels share: how vote values
 * are named, how input is read into one vote per item and annotator, and
 * the table of those votes that the majority, the Dawid-Skene estimate
 * and the annotator report all read.
 *
 * The table holds, for every item in first-seen input order, the votes
 * that survived the one-vote-per-annotator rule, as a compressed list:
 * the votes of item i are entries first[i] .. first[i + 1] - 1.
 * Annotators are numbered in first-seen order too.
 */
#ifndef VOTE_LABELS_H
#define VOTE_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The texts that count as a normal or an abnormal vote. */
struct vote_names {
	const char **normal;		/* built-in, then --positive */
	size_t n_normal;
	const char **abnormal;		/* built-in, then --negative */
	size_t n_abnormal;
	char **owned;			/* the given names, to free */
	size_t n_owned;
};

/* What read_vote_table needs to know from the command line. */
struct read_settings {
	const char *input_path;		/* "-" for standard input */
	bool has_header;		/* false with --no-header */
	const char *item_column;	/* --item */
	const char *annotator_column;	/* --annotator */
	const char *vote_column;	/* --vote */
	const char *time_column;	/* --time, or NULL */
	const struct vote_names *names;
	bool ignore_unknown;		/* --ignore-unknown */
	const char *exclude_path;	/* --exclude, or NULL */
};

/* What was dropped on the way, for the messages on standard error. */
struct read_counts {
	unsigned long long rows;	/* data rows read */
	unsigned long long unknown;	/* rows with an unknown vote */
	unsigned long long excluded;	/* rows of --exclude annotators */
	unsigned long long repeated;	/* rows past the first per pair */
	unsigned long long conflicting;	/* rows: both answers, untimed */
};

struct vote_table {
	size_t n_items;
	size_t n_annotators;
	size_t n_votes;
	char **item_names;		/* n_items, first-seen order */
	char **annotator_names;		/* n_annotators, first seen */
	size_t *first;			/* n_items + 1 offsets */
	uint32_t *annotator;		/* n_votes annotator numbers */
	unsigned char *abnormal;	/* n_votes: 1 abnormal, 0 normal */
	struct read_counts counts;
	char *input_name;		/* the input as messages name it */
};

/*
 * Fill names with the built-in vote names plus the comma-separated
 * positive and negative lists (either may be NULL).  A name given on
 * one side is taken off the other side's built-in names; a name given
 * on both sides is a usage error.  Free with vote_names_free.
 */
void vote_names_init(struct vote_names *names, const char *positive,
    const char *negative);
void vote_names_free(struct vote_names *names);

/*
 * Read every vote, apply --exclude and the one-vote-per-annotator rule
 * (the latest by time; without a time to order two different answers,
 * the pair is dropped), and return the table.  Bad input ends the
 * program with "vote-labels: file:line: ...".  Free with
 * vote_table_free.
 */
void read_vote_table(const struct read_settings *settings,
    struct vote_table *table);
void vote_table_free(struct vote_table *table);

/* Abnormal votes among the votes of item. */
size_t item_abnormal_votes(const struct vote_table *table, size_t item);

/*
 * Dawid-Skene estimate for two classes.  Items with at least min_votes
 * votes take part; posterior[i] receives P(item i is abnormal), or -1
 * for an item left out.  When sensitivity and specificity are not NULL
 * they receive each annotator's estimated P(abnormal vote | abnormal)
 * and P(normal vote | normal).  Returns the number of EM iterations.
 */
int dawid_skene(const struct vote_table *table, size_t min_votes,
    double *posterior, double *sensitivity, double *specificity);

/* The per-annotator figures of the --annotators report. */
struct annotator_stats {
	size_t votes;
	size_t abnormal_votes;
	size_t compared;		/* votes where peers had a majority */
	size_t agreed;			/* ... and this vote matched it */
	size_t tested;			/* votes on items with peers */
	double expected_abnormal;	/* sum of the peers' abnormal shares */
	double sum_difference;		/* sum of (own vote - peer share) */
	double sum_squared_difference;	/* sum of its squares */
	double z;			/* mean difference / standard error */
};

/* The overall agreement beyond chance. */
struct chance_agreement {
	const char *statistic;		/* Fleiss or Krippendorff */
	double value;			/* NAN when undefined */
	size_t n_items;			/* items with 2 votes or more */
	size_t votes_per_item;		/* for Fleiss' kappa; else 0 */
};

/*
 * Fill stats (n_annotators entries) and return the critical |z| of the
 * flag test: the two-sided normal quantile at family-wise level 0.05,
 * Bonferroni-corrected over the annotators that could be tested.  A
 * second round leaves the first round's flagged annotators out of the
 * peers; *rounds receives the number of rounds run (1 or 2).
 */
double annotator_statistics(const struct vote_table *table,
    struct annotator_stats *stats, int *rounds);

/*
 * Fleiss' kappa when every item with two or more votes has the same
 * number of votes, else Krippendorff's alpha for nominal data.
 */
struct chance_agreement overall_agreement(const struct vote_table *table);

#endif
