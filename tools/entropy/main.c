/*
 * entropy - Shannon entropy of a categorical TSV column, overall or per
 * group, in one pass over unsorted input.
 *
 * Input: TSV with a header (unless --no-header).  -f names the category
 * column; each row counts once, or --counts names a column whose
 * non-negative number is added to the row's category instead.  -g names
 * group columns: one result per distinct combination of their values.
 * Output: a header, then one row per group in the order the groups are
 * first seen: the group columns, n (observations), categories (those
 * with a positive count), entropy, and normalized and miller_madow when
 * asked for.
 *
 * With c_i the count of category i and n their sum,
 *	H = -sum_i (c_i / n) ln(c_i / n),	0 ln 0 = 0,
 * divided by ln b for --base b.  --normalized prints H / ln K for the K
 * categories seen (or --categories K), defined as 0 when K is 1, and
 * --miller-madow prints H + (K_seen - 1) / (2n), the estimate corrected
 * for the downward bias of small samples (Miller, 1955).
 *
 * Memory is one entry per distinct (group, category) pair; the counting
 * is done with common/string_index (a hash table), so the input need not
 * be sorted.
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
#include "numeric_parse.h"
#include "string_index.h"
#include "tsv_reader.h"
#include "tsv_writer.h"

/* Counts below this are whole numbers a double holds exactly. */
#define EXACT_COUNT_LIMIT 9007199254740992.0

static const char synopsis[] =
    "entropy -f COLUMN [--counts COLUMN] [-g LIST] [--base e|2|10]\n"
    "               [--normalized] [--categories K] [--miller-madow]\n"
    "               [--precision N] [--no-header] [-v] [FILE]";

static const char help_text[] =
    "usage: entropy -f COLUMN [options] [FILE]\n"
    "Print the Shannon entropy of the categories in a TSV column, per "
    "group\nif asked, from unsorted input.\n"
    "\n"
    "  -f, --fields COLUMN  the category column\n"
    "      --counts COLUMN  add this column's count per row (default 1)\n"
    "  -g, --group LIST     one result per distinct value of these "
    "columns\n"
    "      --base B         e (nats, default), 2 (bits) or 10\n"
    "      --normalized     also print H / ln K, K the categories seen\n"
    "      --categories K   with --normalized: divide by ln K instead\n"
    "      --miller-madow   also print H + (K - 1) / (2n)\n"
    "      --precision N    significant digits (default 6)\n"
    "      --no-header      the input has no header line\n"
    "  -v, --verbose        print rows, groups and categories read\n"
    "  -h, --help           print this help\n"
    "  -V, --version        print the version\n"
    "\n"
    "Output: the group columns, n, categories, entropy[, normalized]"
    "[, miller_madow].\n"
    "Example: entropy -f cluster -g month --base 2 labelled.tsv\n";

enum {
	OPTION_COUNTS = CLI_LONG_OPTION_BASE,
	OPTION_BASE,
	OPTION_NORMALIZED,
	OPTION_CATEGORIES,
	OPTION_MILLER_MADOW,
	OPTION_PRECISION,
	OPTION_NO_HEADER
};

struct options {
	const char *category_field;	/* -f: the category column */
	const char *count_field;	/* --counts; NULL counts rows */
	const char *group_fields;	/* -g: group columns, or NULL */
	double log_base;		/* --base: ln of the base (1 for e) */
	bool normalized;		/* --normalized */
	long n_categories;		/* --categories; 0 when not given */
	bool miller_madow;		/* --miller-madow */
	int precision;			/* --precision */
	bool has_header;		/* false with --no-header */
	const char *input_path;		/* operand; "-" is stdin */
};

/* The resolved columns of the input. */
struct columns {
	size_t category;
	bool has_counts;
	size_t counts;
	struct field_list groups;
};

/*
 * Counts per (group, category) cell.  A cell's key is the group's
 * values and the category joined by tabs, which no field can hold, so
 * the group key is the cell key up to its last tab.
 */
struct tally {
	struct string_index *groups;	/* group key -> group number */
	struct string_index *cells;	/* cell key -> cell number */
	size_t *cell_group;		/* group number of each cell */
	double *cell_count;		/* count of each cell */
	size_t cell_capacity;
	char *key;			/* scratch for building keys */
	size_t key_capacity;
};

/* What is printed for one group. */
struct group_result {
	double n;			/* sum of counts */
	size_t n_seen;			/* categories with a positive count */
	double entropy_nats;
};

static double
parse_base(const char *argument)
{
	if (strcmp(argument, "e") == 0)
		return 1;
	if (strcmp(argument, "2") == 0)
		return log(2);
	if (strcmp(argument, "10") == 0)
		return log(10);
	diag_usage("option --base: '%s' is not one of e, 2, 10", argument);
}

static void
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "fields", required_argument, NULL, 'f' },
		{ "counts", required_argument, NULL, OPTION_COUNTS },
		{ "group", required_argument, NULL, 'g' },
		{ "base", required_argument, NULL, OPTION_BASE },
		{ "normalized", no_argument, NULL, OPTION_NORMALIZED },
		{ "categories", required_argument, NULL, OPTION_CATEGORIES },
		{ "miller-madow", no_argument, NULL, OPTION_MILLER_MADOW },
		{ "precision", required_argument, NULL, OPTION_PRECISION },
		{ "no-header", no_argument, NULL, OPTION_NO_HEADER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->log_base = 1;
	opts->precision = NUMBER_DEFAULT_PRECISION;
	opts->has_header = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:g:vhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'f':
			opts->category_field = optarg;
			break;
		case OPTION_COUNTS:
			opts->count_field = optarg;
			break;
		case 'g':
			opts->group_fields = optarg;
			break;
		case OPTION_BASE:
			opts->log_base = parse_base(optarg);
			break;
		case OPTION_NORMALIZED:
			opts->normalized = true;
			break;
		case OPTION_CATEGORIES:
			opts->n_categories = option_parse_long("--categories",
			    optarg, 1, 1000000000);
			break;
		case OPTION_MILLER_MADOW:
			opts->miller_madow = true;
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
	if (argc - optind > 1)
		diag_usage("at most one input file, got %d", argc - optind);
	opts->input_path = optind < argc ? argv[optind] : "-";
}

static void
check_option_conflicts(const struct options *opts)
{
	if (opts->category_field == NULL)
		diag_usage("-f COLUMN naming the category column is required");
	if (opts->n_categories > 0 && !opts->normalized)
		diag_usage("--categories sets the K of --normalized; give "
		    "--normalized too");
}

/* Resolve a list that must name exactly one column. */
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

static void
resolve_columns(const struct options *opts, const struct tsv_reader *reader,
    struct columns *columns)
{
	columns->category = resolve_one_column("-f", opts->category_field,
	    reader);
	columns->has_counts = opts->count_field != NULL;
	if (columns->has_counts) {
		columns->counts = resolve_one_column("--counts",
		    opts->count_field, reader);
		if (columns->counts == columns->category)
			diag_usage("--counts and -f name the same column");
	}
	columns->groups = opts->group_fields != NULL ? field_list_parse("-g",
	    opts->group_fields, tsv_reader_column_names(reader),
	    tsv_reader_n_columns(reader)) : (struct field_list){ 0, NULL };
}

/* Append length bytes to the scratch key at *used. */
static void
append_to_key(struct tally *tally, size_t *used, const char *text,
    size_t length)
{
	if (*used + length + 2 > tally->key_capacity) {
		tally->key_capacity = (*used + length + 2) * 2;
		tally->key = xreallocarray(tally->key, tally->key_capacity, 1);
	}
	memcpy(tally->key + *used, text, length);
	*used += length;
}

/* Build the current row's cell key; returns the group key's length. */
static size_t
build_cell_key(struct tally *tally, const struct tsv_reader *reader,
    const struct columns *columns)
{
	size_t used = 0, group_length, j;

	for (j = 0; j < columns->groups.n_fields; j++) {
		size_t column = columns->groups.columns[j];

		append_to_key(tally, &used, tsv_reader_field(reader, column),
		    tsv_reader_field_length(reader, column));
		append_to_key(tally, &used, "\t", 1);
	}
	group_length = used > 0 ? used - 1 : 0;
	append_to_key(tally, &used, tsv_reader_field(reader,
	    columns->category), tsv_reader_field_length(reader,
	    columns->category));
	tally->key[used] = '\0';
	return group_length;
}

/* The count a row adds: 1, or its --counts value (finite, >= 0). */
static double
row_count(const struct tsv_reader *reader, const struct columns *columns)
{
	double count;

	if (!columns->has_counts)
		return 1;
	count = tsv_reader_field_double(reader, columns->counts);
	if (count < 0)
		diag_fatal_at(tsv_reader_display_name(reader),
		    tsv_reader_line_number(reader),
		    "column '%s' is a negative count: '%s'",
		    tsv_reader_column_name(reader, columns->counts),
		    tsv_reader_field(reader, columns->counts));
	return count;
}

/* Add the current row to its cell, making the cell and group if new. */
static void
tally_row(struct tally *tally, const struct tsv_reader *reader,
    const struct columns *columns)
{
	size_t group_length, cell;
	bool added;

	if (tsv_reader_field_length(reader, columns->category) == 0)
		diag_fatal_at(tsv_reader_display_name(reader),
		    tsv_reader_line_number(reader), "column '%s' is empty",
		    tsv_reader_column_name(reader, columns->category));
	group_length = build_cell_key(tally, reader, columns);
	cell = string_index_intern(tally->cells, tally->key, &added);
	if (added) {
		if (cell == tally->cell_capacity) {
			tally->cell_capacity = tally->cell_capacity * 2 + 256;
			tally->cell_group = xreallocarray(tally->cell_group,
			    tally->cell_capacity, sizeof(size_t));
			tally->cell_count = xreallocarray(tally->cell_count,
			    tally->cell_capacity, sizeof(double));
		}
		tally->key[group_length] = '\0';
		tally->cell_group[cell] = string_index_intern(tally->groups,
		    tally->key, NULL);
		tally->cell_count[cell] = 0;
	}
	tally->cell_count[cell] += row_count(reader, columns);
}

/* n, categories seen and entropy (nats) of every group. */
static struct group_result *
compute_entropies(const struct tally *tally)
{
	size_t n_groups = string_index_count(tally->groups);
	size_t n_cells = string_index_count(tally->cells), i;
	struct group_result *results = xcalloc(n_groups,
	    sizeof(*results));

	for (i = 0; i < n_cells; i++) {
		struct group_result *group = &results[tally->cell_group[i]];

		group->n += tally->cell_count[i];
		if (tally->cell_count[i] > 0)
			group->n_seen++;
	}
	/* H = -sum p ln p over positive counts; p = 1 gives exactly 0. */
	for (i = 0; i < n_cells; i++) {
		struct group_result *group = &results[tally->cell_group[i]];
		double p;

		if (tally->cell_count[i] > 0) {
			p = tally->cell_count[i] / group->n;
			group->entropy_nats -= p * log(p);
		}
	}
	return results;
}

/* Refuse groups without observations and a --categories K too small. */
static void
check_results(const struct options *opts, const struct tsv_reader *reader,
    const struct tally *tally, const struct group_result *results)
{
	size_t n_groups = string_index_count(tally->groups), g;
	bool grouped = opts->group_fields != NULL;

	if (n_groups == 0)
		diag_fatal("%s: no data rows", tsv_reader_display_name(reader));
	for (g = 0; g < n_groups; g++) {
		const char *key = string_index_key(tally->groups, g);

		if (results[g].n_seen == 0)
			diag_fatal("%s: %s%s%sall counts are zero: no "
			    "observations", tsv_reader_display_name(reader),
			    grouped ? "group '" : "", grouped ? diag_quote(key,
			    strlen(key)) : "", grouped ? "': " : "");
		if (opts->n_categories > 0 &&
		    results[g].n_seen > (size_t)opts->n_categories)
			diag_fatal("%s: %s%s%s%zu categories seen, more than "
			    "--categories %ld", tsv_reader_display_name(reader),
			    grouped ? "group '" : "", grouped ? diag_quote(key,
			    strlen(key)) : "", grouped ? "': " : "",
			    results[g].n_seen, opts->n_categories);
	}
}

static void
write_header(struct tsv_writer *out, const struct options *opts,
    const struct tsv_reader *reader, const struct columns *columns)
{
	size_t j;

	if (!tsv_reader_has_header(reader))
		return;
	for (j = 0; j < columns->groups.n_fields; j++) {
		tsv_writer_put_string(out, tsv_reader_column_name(reader,
		    columns->groups.columns[j]));
		tsv_writer_tab(out);
	}
	tsv_writer_put_string(out, "n\tcategories\tentropy");
	if (opts->normalized)
		tsv_writer_put_string(out, "\tnormalized");
	if (opts->miller_madow)
		tsv_writer_put_string(out, "\tmiller_madow");
	tsv_writer_newline(out);
}

/* n as a whole number when it is one, else with --precision digits. */
static void
write_observations(struct tsv_writer *out, double n, int precision)
{
	if (n == floor(n) && n < EXACT_COUNT_LIMIT)
		tsv_writer_put_count(out, (unsigned long long)n);
	else
		tsv_writer_put_double(out, n, precision);
}

static void
write_group(struct tsv_writer *out, const struct options *opts,
    const char *group_key, const struct group_result *result)
{
	double k, normalized, corrected;

	if (opts->group_fields != NULL) {
		tsv_writer_put_string(out, group_key);
		tsv_writer_tab(out);
	}
	write_observations(out, result->n, opts->precision);
	tsv_writer_tab(out);
	tsv_writer_put_count(out, result->n_seen);
	tsv_writer_tab(out);
	tsv_writer_put_double(out, result->entropy_nats / opts->log_base,
	    opts->precision);
	if (opts->normalized) {
		k = opts->n_categories > 0 ? (double)opts->n_categories :
		    (double)result->n_seen;
		normalized = k > 1 ? result->entropy_nats / log(k) : 0;
		tsv_writer_tab(out);
		tsv_writer_put_double(out, normalized, opts->precision);
	}
	if (opts->miller_madow) {
		corrected = result->entropy_nats +
		    ((double)result->n_seen - 1) / (2 * result->n);
		tsv_writer_tab(out);
		tsv_writer_put_double(out, corrected / opts->log_base,
		    opts->precision);
	}
	tsv_writer_newline(out);
}

static void
write_results(const struct options *opts, const struct tsv_reader *reader,
    const struct columns *columns, const struct tally *tally,
    const struct group_result *results)
{
	struct tsv_writer *out = tsv_writer_stdout();
	size_t g;

	write_header(out, opts, reader, columns);
	for (g = 0; g < string_index_count(tally->groups); g++)
		write_group(out, opts, string_index_key(tally->groups, g),
		    &results[g]);
	tsv_writer_close(out);
}

static void
free_tally(struct tally *tally)
{
	string_index_free(tally->groups);
	string_index_free(tally->cells);
	free(tally->cell_group);
	free(tally->cell_count);
	free(tally->key);
}

int
main(int argc, char **argv)
{
	struct options opts;
	struct tsv_reader *reader;
	struct columns columns;
	struct tally tally;
	struct group_result *results;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	check_option_conflicts(&opts);

	reader = tsv_reader_open(opts.input_path, opts.has_header);
	if (tsv_reader_n_columns(reader) == 0)
		diag_fatal("%s: no data rows", tsv_reader_display_name(reader));
	resolve_columns(&opts, reader, &columns);
	memset(&tally, 0, sizeof(tally));
	tally.groups = string_index_new();
	tally.cells = string_index_new();

	while (tsv_reader_next_row(reader)) {
		tally_row(&tally, reader, &columns);
		if ((tsv_reader_row_count(reader) & 0xffff) == 0)
			diag_progress("rows read",
			    tsv_reader_row_count(reader));
	}
	diag_progress_end();
	diag_verbose("%s: %llu rows, %zu groups, %zu (group, category) "
	    "pairs", tsv_reader_display_name(reader),
	    tsv_reader_row_count(reader), string_index_count(tally.groups),
	    string_index_count(tally.cells));

	results = compute_entropies(&tally);
	check_results(&opts, reader, &tally, results);
	write_results(&opts, reader, &columns, &tally, results);

	free(results);
	free_tally(&tally);
	field_list_free(&columns.groups);
	tsv_reader_close(reader);
	return 0;
}
