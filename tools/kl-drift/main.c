/*
 * kl-drift - the Kullback-Leibler divergence D(current || reference)
 * between two TSV samples, by one of three estimators, or between two
 * count columns over categories.
 *
 * Input: two TSV files, REFERENCE and CURRENT (either may be "-"), each
 * with a header unless --no-header; -f picks the numeric columns (all by
 * default), which must carry the same names in both.  With --counts the
 * files instead hold a count (or, with --probabilities, a probability)
 * per category, matched by the --category column or by row position.
 * Output: one header and one row: the method and its parameters, the
 * size of each sample, the dimensions, kl, and kl_reverse, kl_symmetric,
 * js, permutations and p_value when asked for.
 *
 * Estimators (formulas in kl_drift.h and the man page): gauss (normals
 * fitted to each sample, closed form; the default), hist (equal-width
 * bins over the pooled range, optional pseudo-count), knn (Wang,
 * Kulkarni and Verdu's nearest-neighbour estimator, exact k-d tree
 * search).  A column constant in both samples at one value is dropped
 * first: it adds nothing to any divergence.  An infinite divergence is
 * printed "inf" and its reason said on standard error; nothing is
 * replaced by a made-up constant.  --permutations B pools the samples,
 * splits them at random B times keeping their sizes, and reports
 * (1 + b) / (1 + B), b the splits whose kl reaches the observed one.
 *
 * Scale-out: --partial reads one shard of a sample in one pass and
 * writes the statistics gauss and hist need (count, mean and co-moment
 * matrix; counts per cell on edges fixed by --range) as a partial file
 * (partial.c); --merge --partial adds up any number of them, and
 * --merge REFERENCE CURRENT prints from two partials the row a single
 * run over the whole samples prints.  knn cannot be split: a row's
 * nearest neighbours may lie in any shard.
 *
 * Limits: both samples are held in memory as doubles (for --counts with
 * --permutations, one entry per observation); --partial holds only its
 * statistics.
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "field_list.h"
#include "kl_drift.h"
#include "numeric_parse.h"
#include "random.h"
#include "string_index.h"
#include "tsv_reader.h"
#include "tsv_writer.h"

#define DEFAULT_BINS 20
#define DEFAULT_NEIGHBOURS 5
#define DEFAULT_SEED 1
/* Probabilities must sum to 1 within this. */
#define PROBABILITY_SUM_TOLERANCE 1e-9
/* A permuted kl this close (relative) to the observed one reaches it. */
#define PERMUTATION_TIE_TOLERANCE 1e-12
/* Counts below this are whole numbers a double holds exactly. */
#define EXACT_COUNT_LIMIT 9007199254740992.0

static const char synopsis[] =
    "kl-drift [--method gauss|hist|knn] [-f LIST] [--bins B] "
    "[--range LIST]\n"
    "                [--alpha A] [-k K] [--unique] [--symmetric] [--js]\n"
    "                [--permutations B] [-s SEED] [--precision N]\n"
    "                [--no-header] [-v] REFERENCE CURRENT\n"
    "       kl-drift --counts COLUMN [--category COLUMN] [--probabilities]\n"
    "                [--alpha A] [--symmetric] [--js] [--permutations B]\n"
    "                [-s SEED] [--precision N] [--no-header] [-v]\n"
    "                REFERENCE CURRENT\n"
    "       kl-drift --partial [--method gauss|hist] [-f LIST] [--bins B]\n"
    "                [--range LIST] [-o FILE] [--no-header] [-v] [FILE]\n"
    "       kl-drift --merge --partial [-o FILE] [-v] PARTIAL...\n"
    "       kl-drift --merge [--alpha A] [--symmetric] [--js] "
    "[--precision N]\n"
    "                [-v] REFERENCE CURRENT";

static const char help_text[] =
    "usage: kl-drift [options] REFERENCE CURRENT\n"
    "Print the KL divergence D(current || reference) between two TSV "
    "samples\n(either may be -), or between two count columns.\n"
    "\n"
    "      --method M       gauss (default), hist or knn\n"
    "  -f, --fields LIST    numeric columns (default: all)\n"
    "      --bins B         hist: bins per dimension (default 20)\n"
    "      --range LIST     hist: fixed LOW:HIGH edges, one for all "
    "columns or one each\n"
    "      --alpha A        hist, --counts: pseudo-count added to every "
    "cell\n"
    "  -k, --neighbours K   knn: the K-th nearest neighbour (default 5)\n"
    "      --unique         knn: drop repeated rows within each sample\n"
    "      --counts COLUMN  discrete KL between the two files' counts\n"
    "      --category COLUMN  with --counts: match categories by this "
    "column\n"
    "      --probabilities  with --counts: values are probabilities "
    "summing to 1\n"
    "      --symmetric      also print D(reference || current) and the "
    "sum\n"
    "      --js             also print the Jensen-Shannon divergence "
    "(hist, counts)\n"
    "      --permutations B also print a permutation p-value from B "
    "splits\n"
    "  -s, --seed N         seed of the permutations (default 1)\n"
    "      --partial        write the statistics of one shard (gauss, "
    "hist)\n"
    "      --merge          merge partials: REFERENCE CURRENT, or with "
    "--partial\n"
    "                       any number into one\n"
    "  -o, --output FILE    with --partial: write it to FILE "
    "(default stdout)\n"
    "      --precision N    significant digits (default 6)\n"
    "      --no-header      the inputs have no header line\n"
    "  -v, --verbose        print what was read and dropped\n"
    "  -h, --help           print this help\n"
    "  -V, --version        print the version\n"
    "\n"
    "Example: kl-drift --method knn --unique -f PC1,PC2 last.tsv this.tsv\n";

enum method {
	METHOD_GAUSS,
	METHOD_HIST,
	METHOD_KNN,
	METHOD_COUNTS		/* set by --counts */
};

static const char *const method_names[] = { "gauss", "hist", "knn",
    "counts" };

enum {
	OPTION_METHOD = CLI_LONG_OPTION_BASE,
	OPTION_BINS,
	OPTION_RANGE,
	OPTION_ALPHA,
	OPTION_UNIQUE,
	OPTION_COUNTS,
	OPTION_CATEGORY,
	OPTION_PROBABILITIES,
	OPTION_SYMMETRIC,
	OPTION_JS,
	OPTION_PERMUTATIONS,
	OPTION_PARTIAL,
	OPTION_MERGE,
	OPTION_PRECISION,
	OPTION_NO_HEADER
};

struct options {
	enum method method;		/* --method, or counts */
	bool method_given;		/* --method was given */
	const char *fields;		/* -f; NULL selects every column */
	long bins;			/* --bins */
	bool bins_given;
	size_t n_ranges;		/* --range: 0, 1 for all, or one each */
	double *range_low;		/* n_ranges, owned */
	double *range_high;
	double alpha;			/* --alpha, in observations */
	bool alpha_given;
	long neighbours;		/* -k */
	bool neighbours_given;
	bool unique;			/* --unique */
	const char *count_field;	/* --counts */
	const char *category_field;	/* --category; NULL: by position */
	bool probabilities;		/* --probabilities */
	bool symmetric;			/* --symmetric */
	bool js;			/* --js */
	long permutations;		/* --permutations; 0 for none */
	unsigned long long seed;	/* -s */
	bool partial;			/* --partial */
	bool merge;			/* --merge */
	const char *output_path;	/* -o: the partial file */
	int precision;			/* --precision */
	bool precision_given;
	bool has_header;		/* false with --no-header */
	const char *reference_path;	/* first operand */
	const char *current_path;	/* second operand */
	const char *input_path;		/* --partial: the operand, or "-" */
	char **partial_paths;		/* --merge --partial: the operands */
	int n_partial_paths;
};

/*
 * Everything an estimate needs, for the observed samples and for the
 * permuted ones.  Continuous methods use the samples and pooled rows;
 * hist and --counts use cells: histogram cells, or categories.
 */
struct problem {
	const struct options *opts;
	struct sample current, reference;
	char **column_names;		/* the selected columns, in use */
	size_t dimension;		/* columns in use (or categories) */
	double *pooled;			/* current rows, then reference ones */
	size_t n_cells;			/* occupied cells or categories */
	double n_empty_cells;		/* hist: cells empty in both */
	size_t *cell_of_row;		/* cell of each pooled entry */
	size_t n_pooled;		/* entries of pooled / cell_of_row */
	size_t n_pooled_current;	/* the first ones, from current */
	double *current_counts;		/* n_cells */
	double *reference_counts;	/* n_cells */
	char **category_names;		/* --counts: n_cells names */
	double n_current_total;		/* --counts: sum of the column */
	double n_reference_total;
	double *range_low, *range_high;	/* hist --range, per column */
	struct moments *current_moments;	/* gauss from partials */
	struct moments *reference_moments;
};

/* The printed results. */
struct results {
	struct divergence kl, kl_reverse;
	double js;
	double p_value;
};

static enum method
parse_method(const char *argument)
{
	int i;

	for (i = METHOD_GAUSS; i <= METHOD_KNN; i++)
		if (strcmp(argument, method_names[i]) == 0)
			return (enum method)i;
	diag_usage("option --method: '%s' is not one of gauss, hist, knn",
	    argument);
}

/*
 * --range LOW:HIGH[,LOW:HIGH...]: the fixed range of every column, or
 * of each selected column in order; each LOW must be below its HIGH.
 */
static void
parse_ranges(const char *argument, struct options *opts)
{
	char *copy = xstrdup(argument), *item = copy, *comma, *colon;
	double low, high;

	do {
		if ((comma = strchr(item, ',')) != NULL)
			*comma = '\0';
		colon = strchr(item, ':');
		if (colon == NULL || numeric_parse_double(item,
		    (size_t)(colon - item), &low) != NUMERIC_OK ||
		    numeric_parse_double(colon + 1, strlen(colon + 1),
		    &high) != NUMERIC_OK || !(low < high))
			diag_usage("option --range: '%s' is not LOW:HIGH with "
			    "LOW below HIGH", item);
		opts->range_low = xreallocarray(opts->range_low,
		    opts->n_ranges + 1, sizeof(double));
		opts->range_high = xreallocarray(opts->range_high,
		    opts->n_ranges + 1, sizeof(double));
		opts->range_low[opts->n_ranges] = low;
		opts->range_high[opts->n_ranges++] = high;
		item = comma + 1;
	} while (comma != NULL);
	free(copy);
}

static void
set_default_options(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->method = METHOD_GAUSS;
	opts->bins = DEFAULT_BINS;
	opts->neighbours = DEFAULT_NEIGHBOURS;
	opts->seed = DEFAULT_SEED;
	opts->precision = NUMBER_DEFAULT_PRECISION;
	opts->has_header = true;
}

/* The operands: two inputs, one shard, or any number of partials. */
static void
take_operands(int n_operands, char **operands, struct options *opts)
{
	if (opts->merge && opts->partial) {
		if (n_operands == 0)
			diag_usage("--merge needs one or more partial files");
		opts->partial_paths = operands;
		opts->n_partial_paths = n_operands;
		return;
	}
	if (opts->partial) {
		if (n_operands > 1)
			diag_usage("--partial reads one input, got %d",
			    n_operands);
		opts->input_path = n_operands == 1 ? operands[0] : "-";
		return;
	}
	if (n_operands != 2)
		diag_usage("two %s are needed, REFERENCE and CURRENT; got %d",
		    opts->merge ? "partial files" : "inputs", n_operands);
	opts->reference_path = operands[0];
	opts->current_path = operands[1];
}

static void
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "method", required_argument, NULL, OPTION_METHOD },
		{ "fields", required_argument, NULL, 'f' },
		{ "bins", required_argument, NULL, OPTION_BINS },
		{ "range", required_argument, NULL, OPTION_RANGE },
		{ "alpha", required_argument, NULL, OPTION_ALPHA },
		{ "neighbours", required_argument, NULL, 'k' },
		{ "unique", no_argument, NULL, OPTION_UNIQUE },
		{ "counts", required_argument, NULL, OPTION_COUNTS },
		{ "category", required_argument, NULL, OPTION_CATEGORY },
		{ "probabilities", no_argument, NULL, OPTION_PROBABILITIES },
		{ "symmetric", no_argument, NULL, OPTION_SYMMETRIC },
		{ "js", no_argument, NULL, OPTION_JS },
		{ "permutations", required_argument, NULL,
		    OPTION_PERMUTATIONS },
		{ "seed", required_argument, NULL, 's' },
		{ "partial", no_argument, NULL, OPTION_PARTIAL },
		{ "merge", no_argument, NULL, OPTION_MERGE },
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
	while ((c = getopt_long(argc, argv, ":f:k:s:o:vhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case OPTION_METHOD:
			opts->method = parse_method(optarg);
			opts->method_given = true;
			break;
		case 'f':
			opts->fields = optarg;
			break;
		case OPTION_BINS:
			opts->bins = option_parse_long("--bins", optarg, 1,
			    1000000);
			opts->bins_given = true;
			break;
		case OPTION_RANGE:
			parse_ranges(optarg, opts);
			break;
		case OPTION_ALPHA:
			opts->alpha = option_parse_double("--alpha", optarg, 0,
			    1e12);
			opts->alpha_given = true;
			break;
		case 'k':
			opts->neighbours = option_parse_long("-k", optarg, 1,
			    10000);
			opts->neighbours_given = true;
			break;
		case OPTION_UNIQUE:
			opts->unique = true;
			break;
		case OPTION_COUNTS:
			opts->count_field = optarg;
			break;
		case OPTION_CATEGORY:
			opts->category_field = optarg;
			break;
		case OPTION_PROBABILITIES:
			opts->probabilities = true;
			break;
		case OPTION_SYMMETRIC:
			opts->symmetric = true;
			break;
		case OPTION_JS:
			opts->js = true;
			break;
		case OPTION_PERMUTATIONS:
			opts->permutations = option_parse_long(
			    "--permutations", optarg, 1, 100000000);
			break;
		case 's':
			opts->seed = option_parse_seed("-s", optarg);
			break;
		case OPTION_PARTIAL:
			opts->partial = true;
			break;
		case OPTION_MERGE:
			opts->merge = true;
			break;
		case 'o':
			opts->output_path = optarg;
			break;
		case OPTION_PRECISION:
			opts->precision = (int)option_parse_long(
			    "--precision", optarg, 1, 17);
			opts->precision_given = true;
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
	take_operands(argc - optind, argv + optind, opts);
}

static void
check_counts_conflicts(const struct options *opts)
{
	if (opts->count_field == NULL) {
		if (opts->category_field != NULL || opts->probabilities)
			diag_usage("--category and --probabilities go with "
			    "--counts");
		return;
	}
	if (opts->method_given || opts->fields != NULL ||
	    opts->bins_given || opts->neighbours_given || opts->unique)
		diag_usage("--counts compares two count columns; --method, "
		    "-f, --bins, -k and --unique are for samples of rows");
	if (opts->probabilities && opts->alpha_given)
		diag_usage("--alpha is counted in observations; it cannot be "
		    "added to --probabilities");
	if (opts->probabilities && opts->permutations > 0)
		diag_usage("--permutations needs counts of observations, not "
		    "--probabilities");
}

/* Options that shape the divergence printed, not the statistics. */
static void
check_no_result_options(const struct options *opts)
{
	if (opts->alpha_given || opts->symmetric || opts->js ||
	    opts->precision_given || opts->permutations > 0)
		diag_usage("--partial writes statistics, not a divergence; "
		    "--alpha, --symmetric, --js and --precision are for the "
		    "final --merge, and --permutations needs the rows");
}

static void
check_partial_conflicts(const struct options *opts)
{
	if (opts->count_field != NULL)
		diag_usage("--partial splits samples of rows; --counts files "
		    "are counts already");
	if (opts->method == METHOD_KNN)
		diag_usage("--partial: knn cannot be split, since the nearest "
		    "neighbours of a row may lie in any shard; use gauss or "
		    "hist");
	check_no_result_options(opts);
	if (opts->method == METHOD_HIST && opts->n_ranges == 0)
		diag_usage("--partial with --method hist needs --range: the "
		    "bin edges must be fixed before the shards are read");
}

static void
check_merge_conflicts(const struct options *opts)
{
	if (opts->method_given || opts->fields != NULL ||
	    opts->bins_given || opts->n_ranges > 0 ||
	    opts->neighbours_given || opts->unique ||
	    opts->count_field != NULL || opts->category_field != NULL ||
	    opts->probabilities || !opts->has_header)
		diag_usage("--merge takes the columns, method and edges from "
		    "the partials; -f, --method, --bins, --range, -k, "
		    "--unique, --counts and --no-header are for reading rows");
	if (opts->partial)
		check_no_result_options(opts);
	if (opts->permutations > 0)
		diag_usage("--permutations needs the rows themselves; a "
		    "partial holds only their statistics");
}

/* Method-specific options, once the method is known. */
static void
check_method_options(const struct options *opts)
{
	if (opts->bins_given && opts->method != METHOD_HIST)
		diag_usage("--bins is for --method hist");
	if (opts->n_ranges > 0 && opts->method != METHOD_HIST)
		diag_usage("--range is for --method hist");
	if (opts->alpha_given && opts->method != METHOD_HIST)
		diag_usage("--alpha is for --method hist and --counts");
	if ((opts->neighbours_given || opts->unique) &&
	    opts->method != METHOD_KNN)
		diag_usage("-k and --unique are for --method knn");
	if (opts->js && opts->method != METHOD_HIST)
		diag_usage("--js is computed for --method hist and --counts "
		    "only");
}

static void
check_option_conflicts(struct options *opts)
{
	if (opts->output_path != NULL && !opts->partial)
		diag_usage("-o writes a partial file; give --partial too");
	if (opts->merge) {
		check_merge_conflicts(opts);
		return;
	}
	if (opts->partial)
		check_partial_conflicts(opts);
	else if (strcmp(opts->reference_path, "-") == 0 &&
	    strcmp(opts->current_path, "-") == 0)
		diag_usage("only one of REFERENCE and CURRENT can be standard "
		    "input");
	check_counts_conflicts(opts);
	if (opts->count_field != NULL) {
		if (opts->n_ranges > 0)
			diag_usage("--range is for --method hist");
		opts->method = METHOD_COUNTS;
		return;
	}
	check_method_options(opts);
}

/* Append a row of d values to sample, growing it as needed. */
static void
append_row(struct sample *sample, size_t *capacity, const double *row)
{
	size_t d = sample->dimension;

	if (sample->n_rows == *capacity) {
		*capacity = *capacity * 2 + 1024;
		sample->values = xreallocarray(sample->values, *capacity,
		    d * sizeof(double));
	}
	memcpy(sample->values + sample->n_rows * d, row, d * sizeof(double));
	sample->n_rows++;
}

/*
 * The columns -f selects (all by default); with --range, as many ranges
 * as columns, or one for all.
 */
static struct field_list
select_fields(const struct options *opts, const struct tsv_reader *reader)
{
	size_t n_columns = tsv_reader_n_columns(reader);
	struct field_list fields = opts->fields != NULL ? field_list_parse(
	    "-f", opts->fields, tsv_reader_column_names(reader), n_columns) :
	    field_list_all(n_columns);

	size_t n_fields = fields.n_fields;

	if (opts->n_ranges > 1 && opts->n_ranges != n_fields) {
		field_list_free(&fields);
		diag_usage("--range gives %zu ranges for %zu columns; give one "
		    "for all or one per column", opts->n_ranges, n_fields);
	}
	return fields;
}

/* The --range of selected column j (one range may serve them all). */
static size_t
range_index(const struct options *opts, size_t j)
{
	return opts->n_ranges == 1 ? 0 : j;
}

/*
 * Read the selected values of the current row into row; with --range,
 * a value outside its column's range is an error, since no fixed bin
 * holds it.
 */
static void
read_row(const struct options *opts, const struct tsv_reader *reader,
    const struct field_list *fields, double *row)
{
	char low[NUMBER_EXACT_SIZE], high[NUMBER_EXACT_SIZE];
	size_t j, r, column;

	for (j = 0; j < fields->n_fields; j++) {
		column = fields->columns[j];
		row[j] = tsv_reader_field_double(reader, column);
		if (opts->n_ranges == 0)
			continue;
		r = range_index(opts, j);
		if (row[j] >= opts->range_low[r] &&
		    row[j] <= opts->range_high[r])
			continue;
		number_format_exact(opts->range_low[r], low);
		number_format_exact(opts->range_high[r], high);
		diag_fatal_at(tsv_reader_display_name(reader),
		    tsv_reader_line_number(reader), "column '%s' is outside "
		    "--range %s:%s: '%s'", tsv_reader_column_name(reader,
		    column), low, high, tsv_reader_field(reader, column));
	}
}

/* The --range of each of d selected columns, or NULL without one. */
static void
expand_ranges(const struct options *opts, size_t d, double **low,
    double **high)
{
	size_t j;

	*low = *high = NULL;
	if (opts->n_ranges == 0)
		return;
	*low = xcalloc(d + 1, sizeof(double));
	*high = xcalloc(d + 1, sizeof(double));
	for (j = 0; j < d; j++) {
		(*low)[j] = opts->range_low[range_index(opts, j)];
		(*high)[j] = opts->range_high[range_index(opts, j)];
	}
}

/* Read the selected columns of path into sample; names as selected. */
static void
read_sample(const struct options *opts, const char *path,
    struct sample *sample, char ***column_names)
{
	struct tsv_reader *reader = tsv_reader_open(path, opts->has_header);
	size_t n_columns = tsv_reader_n_columns(reader), capacity = 0, j;
	struct field_list fields;
	double *row;

	sample->name = xstrdup(tsv_reader_display_name(reader));
	if (n_columns == 0)
		diag_fatal("%s: no data rows", sample->name);
	fields = select_fields(opts, reader);
	sample->dimension = fields.n_fields;
	*column_names = xcalloc(fields.n_fields, sizeof(char *));
	for (j = 0; j < fields.n_fields; j++)
		(*column_names)[j] = xstrdup(tsv_reader_column_name(reader,
		    fields.columns[j]));
	row = xcalloc(fields.n_fields, sizeof(double));
	while (tsv_reader_next_row(reader)) {
		read_row(opts, reader, &fields, row);
		append_row(sample, &capacity, row);
	}
	if (sample->n_rows == 0)
		diag_fatal("%s: no data rows", sample->name);
	diag_verbose("%s: %zu rows, %zu columns", sample->name,
	    sample->n_rows, sample->dimension);
	free(row);
	field_list_free(&fields);
	tsv_reader_close(reader);
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The two samples must select the same columns, by name and in order. */
static void
check_same_columns(const struct problem *problem, char **current_names)
{
	size_t j, d = problem->reference.dimension;

	if (problem->current.dimension != d)
		diag_fatal("%s: %zu columns selected where %s has %zu",
		    problem->current.name, problem->current.dimension,
		    problem->reference.name, d);
	for (j = 0; j < d; j++)
		if (strcmp(current_names[j], problem->column_names[j]) != 0)
			diag_fatal("%s: selected column %zu is '%s' where %s "
			    "has '%s'", problem->current.name, j + 1,
			    current_names[j], problem->reference.name,
			    problem->column_names[j]);
}

/* Keep only the columns marked in keep, in both samples and the names. */
static void
keep_columns(struct problem *problem, const bool *keep)
{
	struct sample *samples[2] = { &problem->current,
	    &problem->reference };
	size_t d = problem->dimension, kept = 0, s, i, j, out;

	for (s = 0; s < 2; s++)
		for (i = 0, out = 0; i < samples[s]->n_rows; i++)
			for (j = 0; j < d; j++)
				if (keep[j])
					samples[s]->values[out++] =
					    samples[s]->values[i * d + j];
	for (j = 0; j < d; j++) {
		if (keep[j]) {
			if (problem->range_low != NULL) {
				problem->range_low[kept] =
				    problem->range_low[j];
				problem->range_high[kept] =
				    problem->range_high[j];
			}
			problem->column_names[kept++] =
			    problem->column_names[j];
		} else
			free(problem->column_names[j]);
	}
	problem->dimension = kept;
	problem->current.dimension = kept;
	problem->reference.dimension = kept;
}

/*
 * Drop the columns that hold one value in every row of both samples:
 * they add nothing to any divergence, and would make a covariance
 * singular and a knn distance count a dimension that is not there.
 */
static void
drop_constant_columns(struct problem *problem)
{
	size_t d = problem->dimension, i, j;
	bool *keep = xcalloc(d, sizeof(bool));
	const struct sample *samples[2] = { &problem->current,
	    &problem->reference };
	size_t s;

	for (j = 0; j < d; j++) {
		double first = samples[0]->values[j];

		for (s = 0; s < 2 && !keep[j]; s++)
			for (i = 0; i < samples[s]->n_rows; i++)
				if (samples[s]->values[i * d + j] != first) {
					keep[j] = true;
					break;
				}
		if (!keep[j])
			diag_verbose("column '%s' is %.17g in every row of "
			    "both samples: dropped, it adds nothing",
			    problem->column_names[j], first);
	}
	keep_columns(problem, keep);
	free(keep);
}

static void
read_samples(const struct options *opts, struct problem *problem)
{
	char **current_names;
	size_t n_current_names;

	read_sample(opts, opts->reference_path, &problem->reference,
	    &problem->column_names);
	read_sample(opts, opts->current_path, &problem->current,
	    &current_names);
	n_current_names = problem->current.dimension;
	problem->dimension = problem->reference.dimension;
	check_same_columns(problem, current_names);
	free_names(current_names, n_current_names);
	expand_ranges(opts, problem->dimension, &problem->range_low,
	    &problem->range_high);
	drop_constant_columns(problem);
	if (opts->unique && problem->dimension > 0) {
		size_t dropped_current = sample_drop_repeated_rows(
		    &problem->current);
		size_t dropped_reference = sample_drop_repeated_rows(
		    &problem->reference);

		diag_verbose("--unique: dropped %zu repeated rows of %s and "
		    "%zu of %s", dropped_current, problem->current.name,
		    dropped_reference, problem->reference.name);
	}
}

/* Pool the rows (current first) for hist cells and for permutations. */
static void
pool_rows(struct problem *problem)
{
	size_t d = problem->dimension, n = problem->current.n_rows;
	size_t m = problem->reference.n_rows;

	problem->n_pooled = n + m;
	problem->n_pooled_current = n;
	problem->pooled = xcalloc((n + m) * (d > 0 ? d : 1), sizeof(double));
	memcpy(problem->pooled, problem->current.values,
	    n * d * sizeof(double));
	memcpy(problem->pooled + n * d, problem->reference.values,
	    m * d * sizeof(double));
}

/* Counts per cell of the pooled entries listed in rows. */
static void
count_cells(const struct problem *problem, const size_t *rows, size_t n,
    double *counts)
{
	size_t i;

	memset(counts, 0, problem->n_cells * sizeof(double));
	for (i = 0; i < n; i++)
		counts[problem->cell_of_row[rows[i]]] += 1;
}

/* The identity list 0 .. n - 1, for the observed split. */
static size_t *
identity_rows(size_t n)
{
	size_t *rows = xcalloc(n > 0 ? n : 1, sizeof(size_t)), i;

	for (i = 0; i < n; i++)
		rows[i] = i;
	return rows;
}

static void
prepare_histogram(struct problem *problem)
{
	size_t *rows = identity_rows(problem->n_pooled);
	size_t n = problem->n_pooled_current;

	problem->cell_of_row = xcalloc(problem->n_pooled, sizeof(size_t));
	histogram_assign_cells(problem->pooled, problem->n_pooled,
	    problem->dimension, problem->opts->bins, problem->range_low,
	    problem->range_high, problem->cell_of_row, &problem->n_cells,
	    &problem->n_empty_cells);
	problem->n_empty_cells -= (double)problem->n_cells;
	problem->current_counts = xcalloc(problem->n_cells, sizeof(double));
	problem->reference_counts = xcalloc(problem->n_cells,
	    sizeof(double));
	count_cells(problem, rows, n, problem->current_counts);
	count_cells(problem, rows + n, problem->n_pooled - n,
	    problem->reference_counts);
	diag_verbose("hist: %zu of %.17g cells hold rows", problem->n_cells,
	    (double)problem->n_cells + problem->n_empty_cells);
	free(rows);
}

/* The value of a --counts row: a count >= 0 or a probability in [0, 1]. */
static double
read_count_value(const struct options *opts, const struct tsv_reader *reader,
    size_t column)
{
	double value = tsv_reader_field_double(reader, column);

	if (value < 0 || (opts->probabilities && value > 1))
		diag_fatal_at(tsv_reader_display_name(reader),
		    tsv_reader_line_number(reader), "column '%s' is not a %s: "
		    "'%s'", tsv_reader_column_name(reader, column),
		    opts->probabilities ? "probability" : "count",
		    tsv_reader_field(reader, column));
	return value;
}

/* The category number of the current row, adding it if new. */
static size_t
row_category(const struct options *opts, const struct tsv_reader *reader,
    size_t category_column, struct string_index *categories)
{
	char name[32];

	if (opts->category_field == NULL) {
		snprintf(name, sizeof(name), "row %llu",
		    tsv_reader_row_count(reader));
		return string_index_intern(categories, name, NULL);
	}
	if (tsv_reader_field_length(reader, category_column) == 0)
		diag_fatal_at(tsv_reader_display_name(reader),
		    tsv_reader_line_number(reader), "column '%s' is empty",
		    tsv_reader_column_name(reader, category_column));
	return string_index_intern(categories, tsv_reader_field(reader,
	    category_column), NULL);
}

static size_t
resolve_one_column(const char *option, const char *spec,
    const struct tsv_reader *reader)
{
	struct field_list list = field_list_parse(option, spec,
	    tsv_reader_column_names(reader), tsv_reader_n_columns(reader));
	size_t column;

	if (list.n_fields != 1)
		diag_usage("option %s takes one column, got %zu", option,
		    list.n_fields);
	column = list.columns[0];
	field_list_free(&list);
	return column;
}

/*
 * Add the counts of path to *counts (grown to the categories' count),
 * and return their sum; *n_rows receives the number of rows.
 */
static double
read_counts(const struct options *opts, const char *path,
    struct string_index *categories, double **counts, size_t *capacity,
    size_t *n_rows)
{
	struct tsv_reader *reader = tsv_reader_open(path, opts->has_header);
	size_t count_column, category_column = 0, category, old;
	double sum = 0, value;

	if (tsv_reader_n_columns(reader) == 0)
		diag_fatal("%s: no data rows", tsv_reader_display_name(reader));
	count_column = resolve_one_column("--counts", opts->count_field,
	    reader);
	if (opts->category_field != NULL)
		category_column = resolve_one_column("--category",
		    opts->category_field, reader);
	while (tsv_reader_next_row(reader)) {
		category = row_category(opts, reader, category_column,
		    categories);
		if (category >= *capacity) {
			old = *capacity;
			*capacity = *capacity * 2 + 64;
			*counts = xreallocarray(*counts, *capacity,
			    sizeof(double));
			memset(*counts + old, 0, (*capacity - old) *
			    sizeof(double));
		}
		value = read_count_value(opts, reader, count_column);
		(*counts)[category] += value;
		sum += value;
		/* The sum bounds every category's count, so this does too. */
		if (isinf(sum))
			diag_fatal_at(tsv_reader_display_name(reader),
			    tsv_reader_line_number(reader), "the counts of "
			    "column '%s' add up to more than a double holds",
			    tsv_reader_column_name(reader, count_column));
	}
	*n_rows = tsv_reader_row_count(reader);
	if (*n_rows == 0)
		diag_fatal("%s: no data rows", tsv_reader_display_name(reader));
	if (opts->probabilities &&
	    fabs(sum - 1) > PROBABILITY_SUM_TOLERANCE)
		diag_fatal("%s: column '%s' sums to %.10g, not 1, and "
		    "--probabilities are not renormalised",
		    tsv_reader_display_name(reader), tsv_reader_column_name(
		    reader, count_column), sum);
	tsv_reader_close(reader);
	return sum;
}

/* A copy of n values, padded with zeros to length. */
static double *
padded_copy(const double *values, size_t n, size_t length)
{
	double *copy = xcalloc(length > 0 ? length : 1, sizeof(double));

	memcpy(copy, values, (n < length ? n : length) * sizeof(double));
	return copy;
}

static void
prepare_counts(const struct options *opts, struct problem *problem)
{
	struct string_index *categories = string_index_new();
	double *reference = NULL, *current = NULL;
	size_t reference_capacity = 0, current_capacity = 0, i;
	size_t reference_rows, current_rows;

	problem->reference.name = xstrdup(
	    cli_display_name(opts->reference_path));
	problem->current.name = xstrdup(
	    cli_display_name(opts->current_path));
	problem->n_reference_total = read_counts(opts, opts->reference_path,
	    categories, &reference, &reference_capacity, &reference_rows);
	problem->n_current_total = read_counts(opts, opts->current_path,
	    categories, &current, &current_capacity, &current_rows);
	problem->n_cells = string_index_count(categories);
	problem->dimension = problem->n_cells;
	problem->reference_counts = padded_copy(reference, reference_capacity,
	    problem->n_cells);
	problem->current_counts = padded_copy(current, current_capacity,
	    problem->n_cells);
	problem->category_names = xcalloc(problem->n_cells, sizeof(char *));
	for (i = 0; i < problem->n_cells; i++)
		problem->category_names[i] = xstrdup(string_index_key(
		    categories, i));
	if (opts->probabilities) {
		problem->n_reference_total = (double)reference_rows;
		problem->n_current_total = (double)current_rows;
	}
	free(reference);
	free(current);
	string_index_free(categories);

	if (opts->category_field == NULL && reference_rows != current_rows)
		diag_fatal("%s: %zu rows where %s has %zu; without --category "
		    "rows are matched by position", problem->current.name,
		    current_rows, problem->reference.name, reference_rows);
	if (problem->n_reference_total == 0 || problem->n_current_total == 0)
		diag_fatal("%s: all counts are zero: no observations",
		    problem->n_current_total == 0 ? problem->current.name :
		    problem->reference.name);
}

/* One pooled entry per observation, for permuting --counts. */
static void
expand_observations(struct problem *problem)
{
	const double *sides[2] = { problem->current_counts,
	    problem->reference_counts };
	size_t used = 0, s, i;
	double total = problem->n_current_total + problem->n_reference_total;
	long long c;

	for (s = 0; s < 2; s++)
		for (i = 0; i < problem->n_cells; i++)
			if (sides[s][i] != floor(sides[s][i]))
				diag_fatal("--permutations needs whole counts; "
				    "category '%s' has %.17g",
				    problem->category_names[i], sides[s][i]);
	if (total > 1e9)
		diag_fatal("--permutations: %.0f observations are more than "
		    "the 1e9 this program permutes", total);
	problem->n_pooled = (size_t)total;
	problem->n_pooled_current = (size_t)problem->n_current_total;
	problem->cell_of_row = xcalloc(problem->n_pooled > 0 ?
	    problem->n_pooled : 1, sizeof(size_t));
	for (s = 0; s < 2; s++)
		for (i = 0; i < problem->n_cells; i++)
			for (c = 0; c < (long long)sides[s][i]; c++)
				problem->cell_of_row[used++] = i;
}

/* D(current || reference), or the reverse, of the given samples. */
static struct divergence
estimate(const struct problem *problem, const struct sample *current,
    const struct sample *reference, const double *current_counts,
    const double *reference_counts, bool reverse, const char *context)
{
	const struct options *opts = problem->opts;
	const struct sample *p = reverse ? reference : current;
	const struct sample *q = reverse ? current : reference;
	struct divergence result = { 0, "" };

	if (problem->dimension == 0)
		return result;
	switch (opts->method) {
	case METHOD_GAUSS:
		if (problem->current_moments != NULL)
			return gauss_divergence_moments(reverse ?
			    problem->reference_moments :
			    problem->current_moments, p->name, reverse ?
			    problem->current_moments :
			    problem->reference_moments, q->name,
			    (const char *const *)problem->column_names);
		return gauss_divergence(p, q,
		    (const char *const *)problem->column_names, context);
	case METHOD_KNN:
		result.value = knn_divergence(p, q, opts->neighbours,
		    context);
		return result;
	default:
		return discrete_kl(reverse ? reference_counts : current_counts,
		    reverse ? current_counts : reference_counts,
		    problem->n_cells, problem->n_empty_cells, opts->alpha,
		    (const char *const *)problem->category_names,
		    reverse ? "reference" : "current",
		    reverse ? "current" : "reference");
	}
}

/* Put a uniformly random choice of n of the entries first. */
static void
shuffle_prefix(size_t *order, size_t n_total, size_t n,
    struct random_state *rng)
{
	size_t i, j, swap;

	for (i = 0; i < n && i + 1 < n_total; i++) {
		j = i + (size_t)random_below(rng, n_total - i);
		swap = order[i];
		order[i] = order[j];
		order[j] = swap;
	}
}

/* Copy the pooled rows listed in rows into sample. */
static void
gather_rows(const struct problem *problem, const size_t *rows, size_t n,
    struct sample *sample)
{
	size_t d = problem->dimension, i;

	for (i = 0; i < n; i++)
		memcpy(sample->values + i * d, problem->pooled + rows[i] * d,
		    d * sizeof(double));
	sample->n_rows = n;
}

/* Workspace of the permuted samples, shaped like the observed ones. */
struct permuted {
	struct sample current, reference;
	double *current_counts, *reference_counts;
};

static double
permuted_kl(const struct problem *problem, const size_t *order,
    struct permuted *work, const char *context)
{
	size_t n = problem->n_pooled_current, m = problem->n_pooled - n;

	if (problem->cell_of_row != NULL) {
		count_cells(problem, order, n, work->current_counts);
		count_cells(problem, order + n, m, work->reference_counts);
	} else {
		gather_rows(problem, order, n, &work->current);
		gather_rows(problem, order + n, m, &work->reference);
		if (problem->opts->unique) {
			sample_drop_repeated_rows(&work->current);
			sample_drop_repeated_rows(&work->reference);
		}
	}
	return estimate(problem, &work->current, &work->reference,
	    work->current_counts, work->reference_counts, false,
	    context).value;
}

/*
 * (1 + b) / (1 + B): b of B random splits of the pooled entries, sizes
 * kept, whose kl reaches the observed one (within a relative 1e-12, so
 * that rounding does not decide a tie).
 */
static double
permutation_p_value(const struct problem *problem, double observed)
{
	const struct options *opts = problem->opts;
	size_t n = problem->n_pooled_current, d = problem->dimension;
	size_t *order = identity_rows(problem->n_pooled);
	struct permuted work = { problem->current, problem->reference,
	    NULL, NULL };
	struct random_state rng;
	long b = 0, r;
	char context[64];
	double kl;

	work.current.values = xcalloc(n * d + 1, sizeof(double));
	work.reference.values = xcalloc((problem->n_pooled - n) * d + 1,
	    sizeof(double));
	work.current_counts = xcalloc(problem->n_cells + 1, sizeof(double));
	work.reference_counts = xcalloc(problem->n_cells + 1,
	    sizeof(double));
	random_seed(&rng, opts->seed);
	for (r = 0; r < opts->permutations; r++) {
		shuffle_prefix(order, problem->n_pooled, n, &rng);
		snprintf(context, sizeof(context), "permutation %ld: ", r + 1);
		kl = permuted_kl(problem, order, &work, context);
		if (isinf(observed) ? isinf(kl) : kl >= observed -
		    PERMUTATION_TIE_TOLERANCE * observed)
			b++;
		diag_progress("permutations", (unsigned long long)r + 1);
	}
	diag_progress_end();
	diag_verbose("permutations: %ld of %ld reach kl", b,
	    opts->permutations);
	free(work.current.values);
	free(work.reference.values);
	free(work.current_counts);
	free(work.reference_counts);
	free(order);
	return (1.0 + (double)b) / (1.0 + (double)opts->permutations);
}

static void
compute_results(const struct problem *problem, struct results *results)
{
	const struct options *opts = problem->opts;

	memset(results, 0, sizeof(*results));
	results->kl = estimate(problem, &problem->current,
	    &problem->reference, problem->current_counts,
	    problem->reference_counts, false, "");
	if (isinf(results->kl.value))
		diag_warn("kl is infinite: %s", results->kl.reason);
	if (opts->symmetric) {
		results->kl_reverse = estimate(problem, &problem->current,
		    &problem->reference, problem->current_counts,
		    problem->reference_counts, true, "reverse: ");
		if (isinf(results->kl_reverse.value))
			diag_warn("kl_reverse is infinite: %s",
			    results->kl_reverse.reason);
	}
	if (opts->js)
		results->js = discrete_js(problem->current_counts,
		    problem->reference_counts, problem->n_cells,
		    problem->n_empty_cells, opts->alpha);
	if (opts->permutations > 0)
		results->p_value = permutation_p_value(problem,
		    results->kl.value);
}

static void
write_header(struct tsv_writer *out, const struct options *opts)
{
	tsv_writer_put_string(out, "method\t");
	if (opts->method == METHOD_HIST)
		tsv_writer_put_string(out, "bins\talpha\t");
	else if (opts->method == METHOD_KNN)
		tsv_writer_put_string(out, "k\tunique\t");
	else if (opts->method == METHOD_COUNTS)
		tsv_writer_put_string(out, "alpha\t");
	tsv_writer_put_string(out, "n_reference\tn_current\tdimensions\tkl");
	if (opts->symmetric)
		tsv_writer_put_string(out, "\tkl_reverse\tkl_symmetric");
	if (opts->js)
		tsv_writer_put_string(out, "\tjs");
	if (opts->permutations > 0)
		tsv_writer_put_string(out, "\tpermutations\tp_value");
	tsv_writer_newline(out);
}

/* A size as a whole number when it is one, else with --precision. */
static void
write_size(struct tsv_writer *out, double n, int precision)
{
	if (n == floor(n) && n < EXACT_COUNT_LIMIT)
		tsv_writer_put_count(out, (unsigned long long)n);
	else
		tsv_writer_put_double(out, n, precision);
	tsv_writer_tab(out);
}

static void
write_parameters(struct tsv_writer *out, const struct options *opts)
{
	tsv_writer_put_string(out, method_names[opts->method]);
	tsv_writer_tab(out);
	if (opts->method == METHOD_HIST) {
		tsv_writer_put_count(out, (unsigned long long)opts->bins);
		tsv_writer_tab(out);
	}
	if (opts->method == METHOD_KNN) {
		tsv_writer_put_count(out,
		    (unsigned long long)opts->neighbours);
		tsv_writer_tab(out);
		tsv_writer_put_string(out, opts->unique ? "yes\t" : "no\t");
	}
	if (opts->method == METHOD_HIST || opts->method == METHOD_COUNTS) {
		tsv_writer_put_double(out, opts->alpha, opts->precision);
		tsv_writer_tab(out);
	}
}

static void
write_results(const struct problem *problem, const struct results *results)
{
	const struct options *opts = problem->opts;
	struct tsv_writer *out = tsv_writer_stdout();
	bool counts = opts->method == METHOD_COUNTS;
	int precision = opts->precision;

	if (opts->has_header)
		write_header(out, opts);
	write_parameters(out, opts);
	write_size(out, counts ? problem->n_reference_total :
	    (double)problem->reference.n_rows, precision);
	write_size(out, counts ? problem->n_current_total :
	    (double)problem->current.n_rows, precision);
	tsv_writer_put_count(out, problem->dimension);
	tsv_writer_tab(out);
	tsv_writer_put_double(out, results->kl.value, precision);
	if (opts->symmetric) {
		tsv_writer_tab(out);
		tsv_writer_put_double(out, results->kl_reverse.value,
		    precision);
		tsv_writer_tab(out);
		tsv_writer_put_double(out, results->kl.value +
		    results->kl_reverse.value, precision);
	}
	if (opts->js) {
		tsv_writer_tab(out);
		tsv_writer_put_double(out, results->js, precision);
	}
	if (opts->permutations > 0) {
		tsv_writer_tab(out);
		tsv_writer_put_count(out,
		    (unsigned long long)opts->permutations);
		tsv_writer_tab(out);
		tsv_writer_put_double(out, results->p_value, precision);
	}
	tsv_writer_newline(out);
	tsv_writer_close(out);
}

static void
free_problem(struct problem *problem)
{
	free(problem->current.values);
	free(problem->reference.values);
	free((char *)problem->current.name);
	free((char *)problem->reference.name);
	if (problem->opts->method != METHOD_COUNTS)
		free_names(problem->column_names, problem->dimension);
	else
		free_names(problem->category_names, problem->n_cells);
	free(problem->pooled);
	free(problem->cell_of_row);
	free(problem->current_counts);
	free(problem->reference_counts);
	free(problem->range_low);
	free(problem->range_high);
	if (problem->current_moments != NULL) {
		moments_free(problem->current_moments);
		moments_free(problem->reference_moments);
		free(problem->current_moments);
		free(problem->reference_moments);
	}
}

/* --partial: one pass over one shard, its statistics to a partial file. */
static void
run_partial(const struct options *opts)
{
	struct tsv_reader *reader = tsv_reader_open(opts->input_path,
	    opts->has_header);
	const char *name = tsv_reader_display_name(reader);
	struct sample_partial partial;
	struct field_list fields;
	const char **column_names;
	double *row, *low, *high;
	size_t j;

	if (tsv_reader_n_columns(reader) == 0)
		diag_fatal("%s: no data rows, and without a header no columns "
		    "to name in a partial", name);
	fields = select_fields(opts, reader);
	column_names = xcalloc(fields.n_fields, sizeof(char *));
	for (j = 0; j < fields.n_fields; j++)
		column_names[j] = tsv_reader_column_name(reader,
		    fields.columns[j]);
	expand_ranges(opts, fields.n_fields, &low, &high);
	partial_init(&partial, name, opts->method == METHOD_HIST,
	    fields.n_fields, column_names, opts->bins, low, high);
	row = xcalloc(fields.n_fields, sizeof(double));
	while (tsv_reader_next_row(reader)) {
		read_row(opts, reader, &fields, row);
		partial_add_row(&partial, row);
		if ((tsv_reader_row_count(reader) & 0xffff) == 0)
			diag_progress("rows read",
			    tsv_reader_row_count(reader));
	}
	diag_progress_end();
	diag_verbose("%s: %.0f rows, %zu columns", name, partial.n_rows,
	    partial.dimension);
	partial_write(&partial, opts->output_path != NULL ?
	    opts->output_path : "-");
	partial_free(&partial);
	free(row);
	free(low);
	free(high);
	free(column_names);
	field_list_free(&fields);
	tsv_reader_close(reader);
}

/* --merge --partial: any number of partials added up into one. */
static void
run_combine(const struct options *opts)
{
	struct sample_partial combined, next;
	int i;

	partial_read(&combined, opts->partial_paths[0], NULL);
	for (i = 1; i < opts->n_partial_paths; i++) {
		partial_read(&next, opts->partial_paths[i], &combined);
		partial_merge(&combined, &next);
		partial_free(&next);
	}
	diag_verbose("merged %d partial%s: %.0f rows, %zu columns",
	    opts->n_partial_paths, opts->n_partial_paths == 1 ? "" : "s",
	    combined.n_rows, combined.dimension);
	partial_write(&combined, opts->output_path != NULL ?
	    opts->output_path : "-");
	partial_free(&combined);
}

/*
 * The columns a single run would keep: those not at one value in every
 * row of both samples, told by each side's minimum and maximum.
 */
static bool *
kept_columns(const struct sample_partial *current,
    const struct sample_partial *reference)
{
	size_t d = current->dimension, j;
	bool *keep = xcalloc(d + 1, sizeof(bool));

	for (j = 0; j < d; j++) {
		keep[j] = current->minimum[j] != current->maximum[j] ||
		    reference->minimum[j] != reference->maximum[j] ||
		    current->minimum[j] != reference->minimum[j];
		if (!keep[j])
			diag_verbose("column '%s' is %.17g in every row of "
			    "both samples: dropped, it adds nothing",
			    current->column_names[j], current->minimum[j]);
	}
	return keep;
}

/* Set up problem, as read_samples would, from the partials of two sides. */
static void
problem_from_partials(struct problem *problem,
    const struct sample_partial *current,
    const struct sample_partial *reference)
{
	bool *keep = kept_columns(current, reference);
	size_t j;

	problem->current.name = xstrdup(current->source);
	problem->reference.name = xstrdup(reference->source);
	problem->current.n_rows = (size_t)current->n_rows;
	problem->reference.n_rows = (size_t)reference->n_rows;
	problem->column_names = xcalloc(current->dimension + 1,
	    sizeof(char *));
	for (j = 0; j < current->dimension; j++)
		if (keep[j])
			problem->column_names[problem->dimension++] =
			    xstrdup(current->column_names[j]);
	problem->current.dimension = problem->dimension;
	problem->reference.dimension = problem->dimension;
	if (current->histogram) {
		partial_histogram_counts(current, reference, keep,
		    &problem->current_counts, &problem->reference_counts,
		    &problem->n_cells, &problem->n_empty_cells);
		diag_verbose("hist: %zu of %.17g cells hold rows",
		    problem->n_cells, (double)problem->n_cells +
		    problem->n_empty_cells);
	} else {
		problem->current_moments = xcalloc(1, sizeof(struct moments));
		problem->reference_moments = xcalloc(1,
		    sizeof(struct moments));
		partial_kept_moments(current, keep, problem->current_moments);
		partial_kept_moments(reference, keep,
		    problem->reference_moments);
	}
	free(keep);
}

/* --merge REFERENCE CURRENT: the single run's row, from two partials. */
static void
run_merge(struct options *opts)
{
	struct sample_partial reference, current;
	struct problem problem;
	struct results results;

	partial_read(&reference, opts->reference_path, NULL);
	partial_read(&current, opts->current_path, &reference);
	opts->method = reference.histogram ? METHOD_HIST : METHOD_GAUSS;
	opts->bins = reference.bins;
	check_method_options(opts);
	if (reference.n_rows == 0 || current.n_rows == 0)
		diag_fatal("%s: no data rows", reference.n_rows == 0 ?
		    reference.source : current.source);
	diag_verbose("%s: %.0f rows, %zu columns", reference.source,
	    reference.n_rows, reference.dimension);
	diag_verbose("%s: %.0f rows, %zu columns", current.source,
	    current.n_rows, current.dimension);
	memset(&problem, 0, sizeof(problem));
	problem.opts = opts;
	problem_from_partials(&problem, &current, &reference);
	compute_results(&problem, &results);
	write_results(&problem, &results);
	free_problem(&problem);
	partial_free(&reference);
	partial_free(&current);
}

/* Both samples read whole: the estimators of a single run. */
static void
run_single(struct options *opts)
{
	struct problem problem;
	struct results results;

	memset(&problem, 0, sizeof(problem));
	problem.opts = opts;
	if (opts->method == METHOD_COUNTS) {
		prepare_counts(opts, &problem);
		if (opts->permutations > 0)
			expand_observations(&problem);
	} else {
		read_samples(opts, &problem);
		pool_rows(&problem);
		if (opts->method == METHOD_HIST)
			prepare_histogram(&problem);
	}
	compute_results(&problem, &results);
	write_results(&problem, &results);
	free_problem(&problem);
}

int
main(int argc, char **argv)
{
	struct options opts;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	check_option_conflicts(&opts);
	if (opts.merge && opts.partial)
		run_combine(&opts);
	else if (opts.merge)
		run_merge(&opts);
	else if (opts.partial)
		run_partial(&opts);
	else
		run_single(&opts);
	free(opts.range_low);
	free(opts.range_high);
	return 0;
}
