/*
 * vote-labels - turn annotators' votes into one label per item, or
 * report on the annotators.
 *
 * Input: TSV with one vote per row, its item, annotator and vote columns
 * named by --item, --annotator and --vote (an optional --time orders
 * repeated votes), in any order.  Votes mean normal (+1, thumbsup, yes,
 * 1, ...) or abnormal (-1, thumbsdown, no, 0, ...), or what --positive
 * and --negative say.  One vote per annotator and item counts: the
 * latest; different answers with no time to order them are dropped.
 *
 * Output: one row per labelled item, in first-seen input order: item,
 * label, votes, normal, abnormal, agreement (and posterior with
 * --method dawid-skene).  The label is the majority (or the Dawid-Skene
 * posterior above one half); a tie leaves the item unlabelled and is
 * counted on standard error.  With --annotators, one row per annotator
 * instead (see agreement.c), and the overall agreement beyond chance on
 * standard error.  Nothing is printed until every vote has been read.
 * Limits: every vote is held in memory (about 24 bytes each, plus the
 * ids); at most 2^32 - 1 votes.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "numeric_parse.h"
#include "model_file.h"
#include "tsv_writer.h"
#include "vote_labels.h"

static const char synopsis[] =
    "vote-labels [-v] [--item COL] [--annotator COL] [--vote COL] "
    "[--time COL]\n"
    "                   [--positive LIST] [--negative LIST] "
    "[--ignore-unknown]\n"
    "                   [--exclude FILE] [--min-votes N] [--ties FILE]\n"
    "                   [--method majority|dawid-skene] [--annotators]\n"
    "                   [--precision N] [--no-header] [FILE]";

static const char help_text[] =
    "usage: vote-labels [options] [FILE]\n"
    "Label each item by its annotators' votes (one vote per annotator,\n"
    "the latest), or report on the annotators with --annotators.\n"
    "\n"
    "      --item COL         item id column (default item)\n"
    "      --annotator COL    annotator id column (default annotator)\n"
    "      --vote COL         vote column (default vote)\n"
    "      --time COL         time of each vote (seconds or ISO 8601)\n"
    "      --positive LIST    more values meaning normal\n"
    "      --negative LIST    more values meaning abnormal\n"
    "      --ignore-unknown   skip (and count) votes of unknown value\n"
    "      --exclude FILE     drop the annotators listed in FILE\n"
    "      --min-votes N      leave items with fewer votes unlabelled\n"
    "      --ties FILE        write the tied items to FILE\n"
    "      --method M         majority (default) or dawid-skene\n"
    "      --annotators       report per annotator instead of labels\n"
    "      --precision N      significant digits of shares (default 6)\n"
    "      --no-header        the input has no header line\n"
    "  -v, --verbose          print what was read and decided\n"
    "  -h, --help             print this help\n"
    "  -V, --version          print the version\n"
    "\n"
    "Normal: +1 thumbsup thumbs-up normal yes 1; "
    "abnormal: -1 thumbsdown\nthumbs-down abnormal no 0 "
    "(any case).\n"
    "Example: slack-votes.sh history.json | vote-labels --time time\n";

enum method {
	METHOD_MAJORITY,
	METHOD_DAWID_SKENE
};

enum {
	OPTION_ITEM = CLI_LONG_OPTION_BASE,
	OPTION_ANNOTATOR,
	OPTION_VOTE,
	OPTION_TIME,
	OPTION_POSITIVE,
	OPTION_NEGATIVE,
	OPTION_IGNORE_UNKNOWN,
	OPTION_EXCLUDE,
	OPTION_MIN_VOTES,
	OPTION_TIES,
	OPTION_METHOD,
	OPTION_ANNOTATORS,
	OPTION_PRECISION,
	OPTION_NO_HEADER
};

struct options {
	const char *item_column;	/* --item */
	const char *annotator_column;	/* --annotator */
	const char *vote_column;	/* --vote */
	const char *time_column;	/* --time; NULL when not given */
	const char *positive;		/* --positive: normal values */
	const char *negative;		/* --negative: abnormal values */
	bool ignore_unknown;		/* --ignore-unknown */
	const char *exclude_path;	/* --exclude */
	long min_votes;			/* --min-votes */
	const char *ties_path;		/* --ties */
	enum method method;		/* --method */
	bool annotator_report;		/* --annotators */
	int precision;			/* --precision */
	bool has_header;		/* false with --no-header */
	const char *input_path;		/* operand; "-" is stdin */
};

/* The decision for one item. */
struct item_label {
	size_t votes, abnormal;
	int label;			/* 1 abnormal, 0 normal, -1 none */
	bool tied;
	double posterior;		/* P(label), Dawid-Skene only */
};

static enum method
parse_method(const char *argument)
{
	if (strcmp(argument, "majority") == 0)
		return METHOD_MAJORITY;
	if (strcmp(argument, "dawid-skene") == 0)
		return METHOD_DAWID_SKENE;
	diag_usage("--method: unknown method '%s' (majority or dawid-skene)",
	    argument);
}

static void
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "item", required_argument, NULL, OPTION_ITEM },
		{ "annotator", required_argument, NULL, OPTION_ANNOTATOR },
		{ "vote", required_argument, NULL, OPTION_VOTE },
		{ "time", required_argument, NULL, OPTION_TIME },
		{ "positive", required_argument, NULL, OPTION_POSITIVE },
		{ "negative", required_argument, NULL, OPTION_NEGATIVE },
		{ "ignore-unknown", no_argument, NULL, OPTION_IGNORE_UNKNOWN },
		{ "exclude", required_argument, NULL, OPTION_EXCLUDE },
		{ "min-votes", required_argument, NULL, OPTION_MIN_VOTES },
		{ "ties", required_argument, NULL, OPTION_TIES },
		{ "method", required_argument, NULL, OPTION_METHOD },
		{ "annotators", no_argument, NULL, OPTION_ANNOTATORS },
		{ "precision", required_argument, NULL, OPTION_PRECISION },
		{ "no-header", no_argument, NULL, OPTION_NO_HEADER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->item_column = "item";
	opts->annotator_column = "annotator";
	opts->vote_column = "vote";
	opts->min_votes = 1;
	opts->method = METHOD_MAJORITY;
	opts->precision = NUMBER_DEFAULT_PRECISION;
	opts->has_header = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case OPTION_ITEM:
			opts->item_column = optarg;
			break;
		case OPTION_ANNOTATOR:
			opts->annotator_column = optarg;
			break;
		case OPTION_VOTE:
			opts->vote_column = optarg;
			break;
		case OPTION_TIME:
			opts->time_column = optarg;
			break;
		case OPTION_POSITIVE:
			opts->positive = optarg;
			break;
		case OPTION_NEGATIVE:
			opts->negative = optarg;
			break;
		case OPTION_IGNORE_UNKNOWN:
			opts->ignore_unknown = true;
			break;
		case OPTION_EXCLUDE:
			opts->exclude_path = optarg;
			break;
		case OPTION_MIN_VOTES:
			opts->min_votes = option_parse_long("--min-votes",
			    optarg, 1, 1000000000);
			break;
		case OPTION_TIES:
			opts->ties_path = optarg;
			break;
		case OPTION_METHOD:
			opts->method = parse_method(optarg);
			break;
		case OPTION_ANNOTATORS:
			opts->annotator_report = true;
			break;
		case OPTION_PRECISION:
			opts->precision = (int)option_parse_long(
			    "--precision", optarg, 1, 17);
			break;
		case OPTION_NO_HEADER:
			opts->has_header = false;
			break;
		case 'v':
			diag_set_verbose(true);
			break;
		case 'h':
			cli_print_help(help_text);
		case 'V':
			cli_print_version();
		default:
			cli_bad_option(c, argv);
		}
	}
	opts->input_path = cli_input_operand(argc, argv);
}

static void
check_option_conflicts(const struct options *opts)
{
	if (opts->annotator_report && opts->ties_path != NULL)
		diag_usage("--ties lists unlabelled items; it does not go "
		    "with --annotators");
	if (opts->exclude_path != NULL && opts->input_path != NULL &&
	    strcmp(opts->exclude_path, "-") == 0 &&
	    strcmp(opts->input_path, "-") == 0)
		diag_usage("--exclude and the votes cannot both be standard "
		    "input");
}

static void
report_drops(const struct vote_table *table)
{
	const struct read_counts *counts = &table->counts;

	diag_verbose("%s: %llu rows: %zu items, %zu annotators, %zu votes "
	    "kept", table->input_name, counts->rows, table->n_items,
	    table->n_annotators, table->n_votes);
	if (counts->unknown > 0)
		diag_warn("ignored %llu vote%s of unknown value",
		    counts->unknown, counts->unknown == 1 ? "" : "s");
	if (counts->excluded > 0)
		diag_warn("dropped %llu vote%s of excluded annotators",
		    counts->excluded, counts->excluded == 1 ? "" : "s");
	if (counts->repeated > 0)
		diag_warn("dropped %llu repeated vote%s: one vote per "
		    "annotator and item counts, the latest",
		    counts->repeated, counts->repeated == 1 ? "" : "s");
	if (counts->conflicting > 0)
		diag_warn("dropped %llu vote%s of annotators who gave both "
		    "answers with no time to order them", counts->conflicting,
		    counts->conflicting == 1 ? "" : "s");
}

/* Majority (or Dawid-Skene) label of every item. */
static struct item_label *
decide_labels(const struct options *opts, const struct vote_table *table)
{
	struct item_label *labels = xcalloc(table->n_items + 1,
	    sizeof(*labels));
	double *posterior = NULL;
	size_t i;

	if (opts->method == METHOD_DAWID_SKENE) {
		posterior = xcalloc(table->n_items + 1, sizeof(double));
		diag_verbose("dawid-skene: %d EM iterations", dawid_skene(
		    table, (size_t)opts->min_votes, posterior, NULL, NULL));
	}
	for (i = 0; i < table->n_items; i++) {
		struct item_label *l = &labels[i];
		double p;

		l->votes = table->first[i + 1] - table->first[i];
		l->abnormal = item_abnormal_votes(table, i);
		l->label = -1;
		if (l->votes == 0 || l->votes < (size_t)opts->min_votes)
			continue;
		p = posterior != NULL ? posterior[i] :
		    (double)l->abnormal / (double)l->votes;
		l->tied = p == 0.5;
		if (!l->tied)
			l->label = p > 0.5;
		l->posterior = p > 0.5 ? p : 1 - p;
	}
	free(posterior);
	return labels;
}

static void
report_unlabelled(const struct options *opts, const struct vote_table *table,
    const struct item_label *labels)
{
	size_t i, few = 0, tied = 0, labelled = 0;

	for (i = 0; i < table->n_items; i++) {
		few += labels[i].label < 0 && !labels[i].tied;
		tied += labels[i].tied;
		labelled += labels[i].label >= 0;
	}
	diag_verbose("%zu items labelled", labelled);
	if (few > 0 && opts->min_votes <= 1)
		diag_warn("left %zu item%s with no vote unlabelled", few,
		    few == 1 ? "" : "s");
	else if (few > 0)
		diag_warn("left %zu item%s with fewer than %ld votes "
		    "unlabelled", few, few == 1 ? "" : "s", opts->min_votes);
	if (tied > 0)
		diag_warn("left %zu tied item%s unlabelled", tied,
		    tied == 1 ? "" : "s");
}

static void
put_counts(struct tsv_writer *out, const struct item_label *label)
{
	tsv_writer_put_count(out, label->votes);
	tsv_writer_tab(out);
	tsv_writer_put_count(out, label->votes - label->abnormal);
	tsv_writer_tab(out);
	tsv_writer_put_count(out, label->abnormal);
}

/* The tied items, to the --ties file. */
static void
write_ties(const struct options *opts, const struct vote_table *table,
    const struct item_label *labels)
{
	struct model_writer *file = model_writer_open_file(opts->ties_path);
	struct tsv_writer *out = model_writer_output(file);
	size_t i;

	if (opts->has_header)
		tsv_writer_put_string(out, "item\tvotes\tnormal\tabnormal\n");
	for (i = 0; i < table->n_items; i++) {
		if (!labels[i].tied)
			continue;
		tsv_writer_put_string(out, table->item_names[i]);
		tsv_writer_tab(out);
		put_counts(out, &labels[i]);
		tsv_writer_newline(out);
	}
	model_writer_commit(file);
}

static void
write_labels(const struct options *opts, const struct vote_table *table,
    const struct item_label *labels)
{
	struct tsv_writer *out = tsv_writer_stdout();
	bool posterior = opts->method == METHOD_DAWID_SKENE;
	size_t i, agreeing;

	if (opts->has_header)
		tsv_writer_put_string(out, posterior ?
		    "item\tlabel\tvotes\tnormal\tabnormal\tagreement\t"
		    "posterior\n" :
		    "item\tlabel\tvotes\tnormal\tabnormal\tagreement\n");
	for (i = 0; i < table->n_items; i++) {
		const struct item_label *l = &labels[i];

		if (l->label < 0)
			continue;
		agreeing = l->label ? l->abnormal : l->votes - l->abnormal;
		tsv_writer_put_string(out, table->item_names[i]);
		tsv_writer_put_string(out, l->label ? "\tabnormal\t" :
		    "\tnormal\t");
		put_counts(out, l);
		tsv_writer_tab(out);
		tsv_writer_put_double(out, (double)agreeing /
		    (double)l->votes, opts->precision);
		if (posterior) {
			tsv_writer_tab(out);
			tsv_writer_put_double(out, l->posterior,
			    opts->precision);
		}
		tsv_writer_newline(out);
	}
	tsv_writer_close(out);
}

static void
run_labels(const struct options *opts, const struct vote_table *table)
{
	struct item_label *labels = decide_labels(opts, table);

	report_unlabelled(opts, table, labels);
	if (opts->ties_path != NULL)
		write_ties(opts, table, labels);
	write_labels(opts, table, labels);
	free(labels);
}

static void
report_overall_agreement(const struct vote_table *table)
{
	struct chance_agreement overall = overall_agreement(table);

	if (overall.n_items == 0)
		diag_warn("agreement beyond chance: undefined, no item has "
		    "two votes");
	else if (isnan(overall.value))
		diag_warn("%s: undefined, every vote on items with two votes "
		    "or more is the same", overall.statistic);
	else if (overall.votes_per_item > 0)
		diag_warn("%s %.4f over %zu item%s of %zu votes",
		    overall.statistic, overall.value, overall.n_items,
		    overall.n_items == 1 ? "" : "s", overall.votes_per_item);
	else
		diag_warn("%s %.4f over %zu item%s with 2 votes or more",
		    overall.statistic, overall.value, overall.n_items,
		    overall.n_items == 1 ? "" : "s");
}

/* A share, or NA when there is nothing to share. */
static void
put_share(struct tsv_writer *out, double numerator, size_t denominator,
    int precision)
{
	tsv_writer_tab(out);
	if (denominator == 0)
		tsv_writer_put_string(out, "NA");
	else
		tsv_writer_put_double(out, numerator / (double)denominator,
		    precision);
}

static const char *
flag_of(const struct annotator_stats *s, double critical_z)
{
	if (isnan(s->z))
		return "NA";
	if (s->z > critical_z)
		return "over";
	if (s->z < -critical_z)
		return "under";
	return "ok";
}

static void
write_annotator_row(struct tsv_writer *out, const char *name,
    const struct annotator_stats *s, double critical_z, int precision)
{
	tsv_writer_put_string(out, name);
	tsv_writer_tab(out);
	tsv_writer_put_count(out, s->votes);
	put_share(out, (double)s->abnormal_votes, s->votes, precision);
	put_share(out, (double)s->agreed, s->compared, precision);
	tsv_writer_tab(out);
	tsv_writer_put_string(out, flag_of(s, critical_z));
	put_share(out, s->expected_abnormal, s->tested, precision);
	tsv_writer_tab(out);
	if (isnan(s->z))
		tsv_writer_put_string(out, "NA");
	else
		tsv_writer_put_double(out, s->z, precision);
}

static void
run_annotator_report(const struct options *opts,
    const struct vote_table *table)
{
	struct annotator_stats *stats = xcalloc(table->n_annotators + 1,
	    sizeof(*stats));
	double *sensitivity = NULL, *specificity = NULL, *posterior = NULL;
	struct tsv_writer *out;
	double critical_z;
	int rounds;
	size_t a;

	critical_z = annotator_statistics(table, stats, &rounds);
	diag_verbose("flag: |z| > %.4f (family-wise level 0.05, Bonferroni), "
	    "%d round%s", critical_z, rounds, rounds == 1 ? "" : "s");
	if (opts->method == METHOD_DAWID_SKENE) {
		sensitivity = xcalloc(table->n_annotators + 1, sizeof(double));
		specificity = xcalloc(table->n_annotators + 1, sizeof(double));
		posterior = xcalloc(table->n_items + 1, sizeof(double));
		diag_verbose("dawid-skene: %d EM iterations", dawid_skene(
		    table, (size_t)opts->min_votes, posterior, sensitivity,
		    specificity));
	}
	report_overall_agreement(table);
	out = tsv_writer_stdout();
	if (opts->has_header)
		tsv_writer_put_string(out, sensitivity != NULL ?
		    "annotator\tvotes\tabnormal_share\tagreement\tflag\t"
		    "expected_share\tz\tsensitivity\tspecificity\n" :
		    "annotator\tvotes\tabnormal_share\tagreement\tflag\t"
		    "expected_share\tz\n");
	for (a = 0; a < table->n_annotators; a++) {
		write_annotator_row(out, table->annotator_names[a], &stats[a],
		    critical_z, opts->precision);
		if (sensitivity != NULL) {
			tsv_writer_tab(out);
			tsv_writer_put_double(out, sensitivity[a],
			    opts->precision);
			tsv_writer_tab(out);
			tsv_writer_put_double(out, specificity[a],
			    opts->precision);
		}
		tsv_writer_newline(out);
	}
	tsv_writer_close(out);
	free(stats);
	free(sensitivity);
	free(specificity);
	free(posterior);
}

int
main(int argc, char **argv)
{
	struct options opts;
	struct vote_names names;
	struct read_settings settings;
	struct vote_table table;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	check_option_conflicts(&opts);
	vote_names_init(&names, opts.positive, opts.negative);

	settings = (struct read_settings){ opts.input_path, opts.has_header,
	    opts.item_column, opts.annotator_column, opts.vote_column,
	    opts.time_column, &names, opts.ignore_unknown,
	    opts.exclude_path };
	read_vote_table(&settings, &table);
	report_drops(&table);

	if (opts.annotator_report)
		run_annotator_report(&opts, &table);
	else
		run_labels(&opts, &table);

	vote_table_free(&table);
	vote_names_free(&names);
	return 0;
}
