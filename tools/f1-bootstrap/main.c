/*
 * f1-bootstrap - F1 score of a detector's predictions, with its spread
 * over bootstrap resamples of the rows.
 *
 * Input: TSV with a header (unless --no-header) holding one row per test
 * item, a column of true labels (--truth, default "truth") and one of
 * predicted labels (--predicted, default "predicted").  Labels are the
 * --positive value (default "abnormal") or the --negative one (default
 * "normal"); anything else is an error naming the line.
 *
 * Output: one row with a header: n, the counts tp, fp, fn, the F1 of
 * the whole input, the number of resamples, then the mean, standard
 * deviation and percentiles of F1 over the resamples.  With -o, every
 * resample's F1, precision and recall go to a file, for a plot.
 *
 * Method: each resample draws n rows with replacement, uniformly, from
 * the seeded generator of common/random; F1 = 2 tp / (2 tp + fp + fn).
 * Limits: the labels are held in memory, one byte per row; the work is
 * O(B n) random draws.
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "field_list.h"
#include "numeric_parse.h"
#include "random.h"
#include "tsv_reader.h"
#include "model_file.h"
#include "tsv_writer.h"

#define DEFAULT_RESAMPLES 1000
#define DEFAULT_PERCENTILES "2.5,50,97.5"
#define MAX_PERCENTILES 64

static const char synopsis[] =
    "f1-bootstrap [-v] [-B N] [-s SEED] [--truth COL] [--predicted COL]\n"
    "                    [--positive LABEL] [--negative LABEL] "
    "[--percentiles LIST]\n"
    "                    [-o FILE] [--precision N] [--no-header] [FILE]";

static const char help_text[] =
    "usage: f1-bootstrap [options] [FILE]\n"
    "F1 of predicted against true labels, with its mean, spread and\n"
    "percentiles over bootstrap resamples of the rows.\n"
    "\n"
    "  -B, --resamples N      bootstrap resamples (default 1000)\n"
    "  -s, --seed N           seed of the resampling (default 1)\n"
    "      --truth COL        column of true labels (default truth)\n"
    "      --predicted COL    column of predicted labels "
    "(default predicted)\n"
    "      --positive LABEL   the positive label (default abnormal)\n"
    "      --negative LABEL   the negative label (default normal)\n"
    "      --percentiles LIST percentiles to print "
    "(default 2.5,50,97.5)\n"
    "  -o, --output FILE      write each resample's F1, precision and "
    "recall\n"
    "      --precision N      significant digits (default 6)\n"
    "      --no-header        the input has no header line\n"
    "  -v, --verbose          print the counts and undefined resamples\n"
    "  -h, --help             print this help\n"
    "  -V, --version          print the version\n"
    "\n"
    "Example: f1-bootstrap -B 2000 -s 7 -o f1-resamples.tsv "
    "predictions.tsv\n";

enum {
	OPTION_TRUTH = CLI_LONG_OPTION_BASE,
	OPTION_PREDICTED,
	OPTION_POSITIVE,
	OPTION_NEGATIVE,
	OPTION_PERCENTILES,
	OPTION_PRECISION,
	OPTION_NO_HEADER
};

struct options {
	long n_resamples;		/* -B */
	unsigned long long seed;	/* -s */
	const char *truth_column;	/* --truth */
	const char *predicted_column;	/* --predicted */
	const char *positive_label;	/* --positive */
	const char *negative_label;	/* --negative */
	size_t n_percentiles;		/* from --percentiles */
	double percentiles[MAX_PERCENTILES];
	const char *percentile_text[MAX_PERCENTILES]; /* as written */
	char *percentile_list;		/* copy of --percentiles, owned */
	const char *resamples_path;	/* -o; NULL for none */
	int precision;			/* --precision */
	bool has_header;		/* false with --no-header */
	const char *input_path;		/* operand; "-" is stdin */
};

/* What each row is, once its two labels are known. */
enum outcome {
	TRUE_NEGATIVE,
	TRUE_POSITIVE,
	FALSE_POSITIVE,
	FALSE_NEGATIVE,
	N_OUTCOMES
};

struct labelled_rows {
	size_t n_rows, capacity;
	uint8_t *outcomes;		/* enum outcome per row */
	unsigned long long counts[N_OUTCOMES];
};

/* One resample's scores. */
struct scores {
	double f1, precision, recall;
	bool defined;			/* a positive, true or predicted */
};

/*
 * Split --percentiles into numbers in [0, 100], keeping their text; an
 * empty element or a percentile given twice (which would name two
 * columns alike) is a usage error.
 */
static void
parse_percentiles(const char *list, struct options *opts)
{
	char *word, *next;
	size_t i;
	double p;

	if (*list == '\0')
		diag_usage("option --percentiles: no values");
	free(opts->percentile_list);
	opts->percentile_list = xstrdup(list);
	opts->n_percentiles = 0;
	for (word = opts->percentile_list; word != NULL; word = next) {
		next = strchr(word, ',');
		if (next != NULL)
			*next++ = '\0';
		if (*word == '\0')
			diag_usage("option --percentiles: empty element in "
			    "'%s'", diag_quote(list, strlen(list)));
		if (opts->n_percentiles == MAX_PERCENTILES)
			diag_usage("--percentiles: at most %d values",
			    MAX_PERCENTILES);
		p = option_parse_double("--percentiles", word, 0, 100);
		for (i = 0; i < opts->n_percentiles; i++) {
			if (strcmp(opts->percentile_text[i], word) == 0)
				diag_usage("option --percentiles: '%s' is "
				    "given twice", diag_quote(word,
				    strlen(word)));
			if (opts->percentiles[i] == p)
				diag_usage("option --percentiles: '%s' is "
				    "the same percentile as '%s'",
				    diag_quote(word, strlen(word)),
				    diag_quote(opts->percentile_text[i],
				    strlen(opts->percentile_text[i])));
		}
		opts->percentiles[opts->n_percentiles] = p;
		opts->percentile_text[opts->n_percentiles++] = word;
	}
}

static void
set_default_options(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->n_resamples = DEFAULT_RESAMPLES;
	opts->seed = 1;
	opts->truth_column = "truth";
	opts->predicted_column = "predicted";
	opts->positive_label = "abnormal";
	opts->negative_label = "normal";
	opts->precision = NUMBER_DEFAULT_PRECISION;
	opts->has_header = true;
	parse_percentiles(DEFAULT_PERCENTILES, opts);
}

static void
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "resamples", required_argument, NULL, 'B' },
		{ "seed", required_argument, NULL, 's' },
		{ "truth", required_argument, NULL, OPTION_TRUTH },
		{ "predicted", required_argument, NULL, OPTION_PREDICTED },
		{ "positive", required_argument, NULL, OPTION_POSITIVE },
		{ "negative", required_argument, NULL, OPTION_NEGATIVE },
		{ "percentiles", required_argument, NULL,
		    OPTION_PERCENTILES },
		{ "output", required_argument, NULL, 'o' },
		{ "precision", required_argument, NULL, OPTION_PRECISION },
		{ "no-header", no_argument, NULL, OPTION_NO_HEADER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	set_default_options(opts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":B:s:o:vhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'B':
			/* Two at least: a spread of one value is undefined. */
			opts->n_resamples = option_parse_long("-B", optarg, 2,
			    100000000);
			break;
		case 's':
			opts->seed = option_parse_seed("-s", optarg);
			break;
		case OPTION_TRUTH:
			opts->truth_column = optarg;
			break;
		case OPTION_PREDICTED:
			opts->predicted_column = optarg;
			break;
		case OPTION_POSITIVE:
			opts->positive_label = optarg;
			break;
		case OPTION_NEGATIVE:
			opts->negative_label = optarg;
			break;
		case OPTION_PERCENTILES:
			parse_percentiles(optarg, opts);
			break;
		case 'o':
			opts->resamples_path = optarg;
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
	if (strcmp(opts->positive_label, opts->negative_label) == 0)
		diag_usage("--positive and --negative are both '%s'",
		    opts->positive_label);
	if (opts->resamples_path != NULL &&
	    strcmp(opts->resamples_path, "-") == 0)
		diag_usage("-o: the resamples need a file; standard output "
		    "carries the summary");
}

/* The one column named by option, as a 0-based index. */
static size_t
resolve_column(const char *option, const char *spec,
    const struct tsv_reader *reader)
{
	struct field_list list = field_list_parse(option, spec,
	    tsv_reader_column_names(reader), tsv_reader_n_columns(reader));
	size_t column;

	if (list.n_fields != 1)
		diag_usage("%s: '%s' names %zu columns; one is needed", option,
		    spec, list.n_fields);
	column = list.columns[0];
	field_list_free(&list);
	return column;
}

/* Whether the field is the positive label; ends the program otherwise. */
static bool
read_label(const struct options *opts, const struct tsv_reader *reader,
    size_t column)
{
	const char *value = tsv_reader_field(reader, column);
	size_t length = tsv_reader_field_length(reader, column);

	if (strcmp(value, opts->positive_label) == 0)
		return true;
	if (strcmp(value, opts->negative_label) == 0)
		return false;
	diag_fatal_at(tsv_reader_display_name(reader),
	    tsv_reader_line_number(reader), "column '%s': '%s' is neither "
	    "'%s' nor '%s'", tsv_reader_column_name(reader, column),
	    diag_quote(value, length), opts->positive_label,
	    opts->negative_label);
}

static void
read_labelled_rows(const struct options *opts, struct labelled_rows *rows)
{
	struct tsv_reader *reader = tsv_reader_open(opts->input_path,
	    opts->has_header);
	size_t truth_column, predicted_column;

	memset(rows, 0, sizeof(*rows));
	if (tsv_reader_n_columns(reader) == 0)
		diag_fatal("%s: empty input, no rows to score",
		    tsv_reader_display_name(reader));
	truth_column = resolve_column("--truth", opts->truth_column, reader);
	predicted_column = resolve_column("--predicted",
	    opts->predicted_column, reader);
	while (tsv_reader_next_row(reader)) {
		bool truth = read_label(opts, reader, truth_column);
		bool predicted = read_label(opts, reader, predicted_column);
		enum outcome outcome = truth ? (predicted ? TRUE_POSITIVE :
		    FALSE_NEGATIVE) : (predicted ? FALSE_POSITIVE :
		    TRUE_NEGATIVE);

		if (rows->n_rows == rows->capacity) {
			rows->capacity = rows->capacity * 2 + 4096;
			rows->outcomes = xreallocarray(rows->outcomes,
			    rows->capacity, 1);
		}
		rows->outcomes[rows->n_rows++] = (uint8_t)outcome;
		rows->counts[outcome]++;
	}
	if (rows->n_rows == 0)
		diag_fatal("%s: no data rows to score",
		    tsv_reader_display_name(reader));
	tsv_reader_close(reader);
}

/*
 * F1 = 2 tp / (2 tp + fp + fn), precision = tp / (tp + fp), recall =
 * tp / (tp + fn); a ratio with a zero denominator is taken as 0, and F1
 * is undefined when there is no positive at all, true or predicted.
 */
static struct scores
score_counts(const unsigned long long *counts)
{
	double tp = (double)counts[TRUE_POSITIVE];
	double fp = (double)counts[FALSE_POSITIVE];
	double fn = (double)counts[FALSE_NEGATIVE];
	struct scores scores;

	scores.defined = tp + fp + fn > 0;
	scores.f1 = scores.defined ? 2 * tp / (2 * tp + fp + fn) : 0;
	scores.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
	scores.recall = tp + fn > 0 ? tp / (tp + fn) : 0;
	return scores;
}

/* One resample: n rows drawn with replacement, scored. */
static struct scores
draw_resample(const struct labelled_rows *rows, struct random_state *state)
{
	unsigned long long counts[N_OUTCOMES] = { 0 };
	size_t i;

	for (i = 0; i < rows->n_rows; i++)
		counts[rows->outcomes[random_below(state, rows->n_rows)]]++;
	return score_counts(counts);
}

static int
compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Percentile p of sorted[0..n-1] by linear interpolation between order
 * statistics: h = (n - 1) p / 100, value = x[floor h] + (h - floor h)
 * (x[floor h + 1] - x[floor h]) (numpy's default, R's type 7).
 */
static double
percentile_of_sorted(const double *sorted, size_t n, double p)
{
	double h = (double)(n - 1) * p / 100, below = floor(h);
	size_t i = (size_t)below;

	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (h - below) * (sorted[i + 1] - sorted[i]);
}

/* The resamples table, written whole beside its name and renamed. */
static struct model_writer *
open_resamples_file(const char *path)
{
	struct model_writer *file = model_writer_open_file(path);

	tsv_writer_put_string(model_writer_output(file),
	    "resample\tf1\tprecision\trecall\n");
	return file;
}

static void
write_resample(struct tsv_writer *out, long index,
    const struct scores *scores, int precision)
{
	tsv_writer_put_count(out, (unsigned long long)index + 1);
	tsv_writer_tab(out);
	tsv_writer_put_double(out, scores->f1, precision);
	tsv_writer_tab(out);
	tsv_writer_put_double(out, scores->precision, precision);
	tsv_writer_tab(out);
	tsv_writer_put_double(out, scores->recall, precision);
	tsv_writer_newline(out);
}

/* Draw every resample; their F1 values into f1 (n_resamples). */
static void
run_resamples(const struct options *opts, const struct labelled_rows *rows,
    double *f1)
{
	struct random_state state;
	struct model_writer *file = NULL;
	struct tsv_writer *out = NULL;
	unsigned long long n_undefined = 0;
	long b;

	random_seed(&state, opts->seed);
	if (opts->resamples_path != NULL) {
		file = open_resamples_file(opts->resamples_path);
		out = model_writer_output(file);
	}
	for (b = 0; b < opts->n_resamples; b++) {
		struct scores scores = draw_resample(rows, &state);

		f1[b] = scores.f1;
		n_undefined += !scores.defined;
		if (out != NULL)
			write_resample(out, b, &scores, opts->precision);
		if ((b & 0xff) == 0)
			diag_progress("resamples", (unsigned long long)b);
	}
	diag_progress_end();
	if (file != NULL)
		model_writer_commit(file);
	if (n_undefined > 0)
		diag_warn("%llu of %ld resamples hold no positive, true or "
		    "predicted; their F1 is counted as 0", n_undefined,
		    opts->n_resamples);
}

static void
write_summary_header(struct tsv_writer *out, const struct options *opts)
{
	size_t i;

	tsv_writer_put_string(out, "n\ttp\tfp\tfn\tf1\tresamples\tmean\tsd");
	for (i = 0; i < opts->n_percentiles; i++) {
		tsv_writer_put_string(out, "\tp");
		tsv_writer_put_string(out, opts->percentile_text[i]);
	}
	tsv_writer_newline(out);
}

/* The summary row: counts, F1 of the input, mean, sd, percentiles. */
static void
write_summary(const struct options *opts, const struct labelled_rows *rows,
    double *f1)
{
	struct tsv_writer *out = tsv_writer_stdout();
	struct scores whole = score_counts(rows->counts);
	double n = (double)opts->n_resamples, sum = 0, squares = 0, mean;
	long b;
	size_t i;

	for (b = 0; b < opts->n_resamples; b++)
		sum += f1[b];
	mean = sum / n;
	for (b = 0; b < opts->n_resamples; b++)
		squares += (f1[b] - mean) * (f1[b] - mean);
	qsort(f1, (size_t)opts->n_resamples, sizeof(double), compare_doubles);
	if (opts->has_header)
		write_summary_header(out, opts);
	tsv_writer_put_count(out, rows->n_rows);
	for (i = TRUE_POSITIVE; i <= FALSE_NEGATIVE; i++) {
		tsv_writer_tab(out);
		tsv_writer_put_count(out, rows->counts[i]);
	}
	tsv_writer_tab(out);
	tsv_writer_put_double(out, whole.f1, opts->precision);
	tsv_writer_tab(out);
	tsv_writer_put_count(out, (unsigned long long)opts->n_resamples);
	tsv_writer_tab(out);
	tsv_writer_put_double(out, mean, opts->precision);
	tsv_writer_tab(out);
	tsv_writer_put_double(out, sqrt(squares / (n - 1)),
	    opts->precision);
	for (i = 0; i < opts->n_percentiles; i++) {
		tsv_writer_tab(out);
		tsv_writer_put_double(out, percentile_of_sorted(f1,
		    (size_t)opts->n_resamples, opts->percentiles[i]),
		    opts->precision);
	}
	tsv_writer_newline(out);
	tsv_writer_close(out);
}

int
main(int argc, char **argv)
{
	struct options opts;
	struct labelled_rows rows;
	struct scores whole;
	double *f1;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	check_option_conflicts(&opts);

	read_labelled_rows(&opts, &rows);
	whole = score_counts(rows.counts);
	if (!whole.defined)
		diag_fatal("%s: no positive row, true or predicted: F1 is "
		    "undefined", cli_display_name(opts.input_path));
	diag_verbose("%zu rows: tp %llu, fp %llu, fn %llu, tn %llu",
	    rows.n_rows, rows.counts[TRUE_POSITIVE],
	    rows.counts[FALSE_POSITIVE], rows.counts[FALSE_NEGATIVE],
	    rows.counts[TRUE_NEGATIVE]);

	f1 = xcalloc((size_t)opts.n_resamples, sizeof(double));
	run_resamples(&opts, &rows, f1);
	write_summary(&opts, &rows, f1);

	free(f1);
	free(rows.outcomes);
	free(opts.percentile_list);
	return 0;
}
