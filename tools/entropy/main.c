/*
 * entropy - Shannon entropy of a categorical TSV column, overall or per
 * group, in one pass over unsorted input, or from the merged counts of
 * shards read by separate runs.
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
 * for the downward bias of small samples (Miller, 1955).  The sum runs
 * over the categories in byte order, whatever order they were read in,
 * so that the same counts always give the same bits.
 *
 * Scale-out: --partial writes the counts per (group, category) of one
 * shard as a model file of kind "entropy-partial" instead of the
 * entropy; --merge adds up the counts of any number of partials (group
 * columns matched by name, cells by value) and prints the entropy of
 * the whole, or with --partial again one combined partial.  Whole
 * counts add exactly, so the merged result is that of one pass; groups
 * then come out in byte order, since partials keep no row order.
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
#include "model_file.h"
#include "numeric_parse.h"
#include "string_index.h"
#include "tsv_reader.h"
#include "tsv_writer.h"

/* Counts below this are whole numbers a double holds exactly. */
#define EXACT_COUNT_LIMIT 9007199254740992.0
#define PARTIAL_KIND "entropy-partial"
#define PARTIAL_VERSION 1

static const char synopsis[] =
    "entropy -f COLUMN [--counts COLUMN] [-g LIST] [--base e|2|10]\n"
    "               [--normalized] [--categories K] [--miller-madow]\n"
    "               [--precision N] [--no-header] [-v] [FILE]\n"
    "       entropy --partial -f COLUMN [--counts COLUMN] [-g LIST] "
    "[-o FILE]\n"
    "               [--no-header] [-v] [FILE]\n"
    "       entropy --merge [--base e|2|10] [--normalized] "
    "[--categories K]\n"
    "               [--miller-madow] [--precision N] [-v] PARTIAL...\n"
    "       entropy --merge --partial [-o FILE] [-v] PARTIAL...";

static const char help_text[] =
    "usage: entropy -f COLUMN [options] [FILE]\n"
    "       entropy --merge [options] PARTIAL...\n"
    "Print the Shannon entropy of the categories in a TSV column, per "
    "group\nif asked, from unsorted input or from the counts of shards.\n"
    "\n"
    "  -f, --fields COLUMN  the category column\n"
    "      --counts COLUMN  add this column's count per row (default 1)\n"
    "  -g, --group LIST     one result per distinct value of these "
    "columns\n"
    "      --base B         e (nats, default), 2 (bits) or 10\n"
    "      --normalized     also print H / ln K, K the categories seen\n"
    "      --categories K   with --normalized: divide by ln K instead\n"
    "      --miller-madow   also print H + (K - 1) / (2n)\n"
    "      --partial        write the counts of this shard, not the "
    "entropy\n"
    "      --merge          add up the counts of partial files\n"
    "  -o, --output FILE    with --partial: write it to FILE "
    "(default stdout)\n"
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
	OPTION_PARTIAL,
	OPTION_MERGE,
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
	bool partial;			/* --partial: write counts */
	bool merge;			/* --merge: read partials */
	const char *output_path;	/* -o: the partial file */
	int precision;			/* --precision */
	bool print_options_given;	/* --precision or --base was given */
	bool has_header;		/* false with --no-header */
	const char *input_path;		/* operand; "-" is stdin */
	char **partial_paths;		/* --merge operands */
	int n_partial_paths;
};

/* The resolved columns of the input. */
struct columns {
	size_t category;
	bool has_counts;
	size_t counts;
	struct field_list groups;
};

/* The names of the group columns and of the category column. */
struct column_names {
	size_t n_groups;
	char **groups;			/* n_groups, owned */
	char *category;			/* owned */
	char *source;			/* where they were read, for messages */
};

/* What is printed for one group. */
struct group_result {
	double n;			/* sum of counts */
	size_t n_seen;			/* categories with a positive count */
	double entropy_nats;
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
	double *group_total;		/* running sum of each group */
	size_t group_capacity;
	char *key;			/* scratch for building keys */
	size_t key_capacity;
	unsigned long long n_rows;	/* data rows behind the counts */
	struct group_result *results;	/* per group, once computed */
	struct cell_view *sorted;	/* every cell, once sorted */
};

/* A cell as sorted for summing and writing: by group key, category. */
struct cell_view {
	const char *group_key;
	const char *category;
	size_t group;
	double count;
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

	memset(opts, 0, sizeof(*opts));
	opts->log_base = 1;
	opts->precision = NUMBER_DEFAULT_PRECISION;
	opts->has_header = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:g:o:vhV", long_options,
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
			opts->print_options_given = true;
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
			opts->print_options_given = true;
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
	if (opts->merge) {
		if (optind == argc)
			diag_usage("--merge needs one or more partial files");
		opts->partial_paths = argv + optind;
		opts->n_partial_paths = argc - optind;
		return;
	}
	if (argc - optind > 1)
		diag_usage("at most one input file, got %d", argc - optind);
	opts->input_path = optind < argc ? argv[optind] : "-";
}

static void
check_option_conflicts(const struct options *opts)
{
	if (opts->merge && (opts->category_field != NULL ||
	    opts->count_field != NULL || opts->group_fields != NULL ||
	    !opts->has_header))
		diag_usage("--merge takes its columns from the partials; -f, "
		    "--counts, -g and --no-header are for reading rows");
	if (opts->partial && (opts->normalized || opts->n_categories > 0 ||
	    opts->miller_madow || opts->print_options_given))
		diag_usage("--partial writes counts, not entropies; --base, "
		    "--normalized, --categories, --miller-madow and "
		    "--precision are for the merge");
	if (opts->output_path != NULL && !opts->partial)
		diag_usage("-o writes a partial file; give --partial too");
	if (!opts->merge && opts->category_field == NULL)
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

/* Copy the names of the selected columns, for the header and partials. */
static void
names_from_reader(const struct tsv_reader *reader,
    const struct columns *columns, struct column_names *names)
{
	size_t j;

	names->n_groups = columns->groups.n_fields;
	names->groups = xcalloc(names->n_groups + 1, sizeof(char *));
	for (j = 0; j < names->n_groups; j++)
		names->groups[j] = xstrdup(tsv_reader_column_name(reader,
		    columns->groups.columns[j]));
	names->category = xstrdup(tsv_reader_column_name(reader,
	    columns->category));
	names->source = xstrdup(tsv_reader_display_name(reader));
}

static void
free_names(struct column_names *names)
{
	size_t j;

	for (j = 0; j < names->n_groups; j++)
		free(names->groups[j]);
	free(names->groups);
	free(names->category);
	free(names->source);
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

/*
 * Add count to the cell whose key is in tally->key (its group key the
 * first group_length bytes), making the cell and group if new.  Returns
 * false when the group's total overflows a double (which bounds its
 * cells' counts too), for the caller to refuse, naming where.
 */
static bool
tally_add(struct tally *tally, size_t group_length, double count)
{
	size_t cell, group, old;
	bool added;

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
	group = tally->cell_group[cell];
	if (group >= tally->group_capacity) {
		old = tally->group_capacity;
		tally->group_capacity = tally->group_capacity * 2 + 64;
		tally->group_total = xreallocarray(tally->group_total,
		    tally->group_capacity, sizeof(double));
		memset(tally->group_total + old, 0,
		    (tally->group_capacity - old) * sizeof(double));
	}
	tally->cell_count[cell] += count;
	tally->group_total[group] += count;
	return !isinf(tally->group_total[group]);
}

/* " in group 'KEY'", KEY the start of tally->key, when grouped. */
static const char *
group_phrase(const struct tally *tally, bool grouped, size_t group_length,
    char *buffer, size_t size)
{
	if (!grouped)
		return "";
	snprintf(buffer, size, " in group '%s'", diag_quote(tally->key,
	    group_length));
	return buffer;
}

/* Add the current row to its cell. */
static void
tally_row(struct tally *tally, const struct tsv_reader *reader,
    const struct columns *columns)
{
	size_t group_length;
	char phrase[64];

	if (tsv_reader_field_length(reader, columns->category) == 0)
		diag_fatal_at(tsv_reader_display_name(reader),
		    tsv_reader_line_number(reader), "column '%s' is empty",
		    tsv_reader_column_name(reader, columns->category));
	group_length = build_cell_key(tally, reader, columns);
	if (!tally_add(tally, group_length, row_count(reader, columns)))
		diag_fatal_at(tsv_reader_display_name(reader),
		    tsv_reader_line_number(reader), "the counts of column "
		    "'%s'%s add up to more than a double holds",
		    tsv_reader_column_name(reader, columns->counts),
		    group_phrase(tally, columns->groups.n_fields > 0,
		    group_length, phrase, sizeof(phrase)));
}

static int
compare_cells(const void *a, const void *b)
{
	const struct cell_view *x = a, *y = b;
	int order = strcmp(x->group_key, y->group_key);

	return order != 0 ? order : strcmp(x->category, y->category);
}

/* Every cell, sorted by group key and then category, bytewise. */
static struct cell_view *
sorted_cells(const struct tally *tally, bool grouped)
{
	size_t n_cells = string_index_count(tally->cells), i;
	struct cell_view *cells = xcalloc(n_cells + 1, sizeof(*cells));

	for (i = 0; i < n_cells; i++) {
		cells[i].group = tally->cell_group[i];
		cells[i].group_key = string_index_key(tally->groups,
		    cells[i].group);
		cells[i].category = string_index_key(tally->cells, i);
		if (grouped)
			cells[i].category += strlen(cells[i].group_key) + 1;
		cells[i].count = tally->cell_count[i];
	}
	qsort(cells, n_cells, sizeof(*cells), compare_cells);
	return cells;
}

/*
 * n, categories seen and entropy (nats) of every group, summed over the
 * sorted cells, so that the same counts give the same bits however they
 * were gathered.
 */
static void
compute_entropies(struct tally *tally, const struct cell_view *cells)
{
	size_t n_groups = string_index_count(tally->groups);
	size_t n_cells = string_index_count(tally->cells), i;
	struct group_result *results = xcalloc(n_groups + 1,
	    sizeof(*results));

	tally->results = results;
	for (i = 0; i < n_cells; i++) {
		struct group_result *group = &results[cells[i].group];

		group->n += cells[i].count;
		if (cells[i].count > 0)
			group->n_seen++;
	}
	/*
	 * H = -sum p ln p over positive counts; p = 1 gives exactly 0.  A
	 * count so small beside n that p underflows to 0 adds 0 (its term
	 * is below 1e-320), not 0 ln 0 = NaN.
	 */
	for (i = 0; i < n_cells; i++) {
		struct group_result *group = &results[cells[i].group];
		double p;

		if (cells[i].count > 0) {
			p = cells[i].count / group->n;
			if (p > 0)
				group->entropy_nats -= p * log(p);
		}
	}
}

/* Refuse groups without observations and a --categories K too small. */
static void
check_results(const struct options *opts, const char *source, bool grouped,
    const struct tally *tally)
{
	size_t n_groups = string_index_count(tally->groups), g;
	const struct group_result *results = tally->results;

	if (n_groups == 0)
		diag_fatal("%s: no data rows", source);
	for (g = 0; g < n_groups; g++) {
		const char *key = string_index_key(tally->groups, g);

		/* Refused as they were added; summed here in byte order. */
		if (isinf(results[g].n))
			diag_fatal("%s: %s%s%sthe counts add up to more than "
			    "a double holds", source, grouped ? "group '" : "",
			    grouped ? diag_quote(key, strlen(key)) : "",
			    grouped ? "': " : "");
		if (results[g].n_seen == 0)
			diag_fatal("%s: %s%s%sall counts are zero: no "
			    "observations", source, grouped ? "group '" : "",
			    grouped ? diag_quote(key, strlen(key)) : "",
			    grouped ? "': " : "");
		if (opts->n_categories > 0 &&
		    results[g].n_seen > (size_t)opts->n_categories)
			diag_fatal("%s: %s%s%s%zu categories seen, more than "
			    "--categories %ld", source, grouped ? "group '" :
			    "", grouped ? diag_quote(key, strlen(key)) : "",
			    grouped ? "': " : "", results[g].n_seen,
			    opts->n_categories);
	}
}

static void
write_header(struct tsv_writer *out, const struct options *opts,
    const struct column_names *names)
{
	size_t j;

	for (j = 0; j < names->n_groups; j++) {
		tsv_writer_put_string(out, names->groups[j]);
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
    const struct column_names *names, const char *group_key,
    const struct group_result *result)
{
	double k, normalized, corrected;

	if (names->n_groups > 0) {
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

/*
 * Print every group: in first-seen order after reading rows, in byte
 * order of the group key after a merge (the cells are sorted by it).
 */
static void
write_results(const struct options *opts, const struct column_names *names,
    const struct tally *tally, const struct cell_view *cells)
{
	const struct group_result *results = tally->results;
	struct tsv_writer *out = tsv_writer_stdout();
	size_t n_cells = string_index_count(tally->cells), g, i;

	if (opts->has_header)
		write_header(out, opts, names);
	if (!opts->merge)
		for (g = 0; g < string_index_count(tally->groups); g++)
			write_group(out, opts, names, string_index_key(
			    tally->groups, g), &results[g]);
	else
		for (i = 0; i < n_cells; i++)
			if (i == 0 || cells[i].group != cells[i - 1].group)
				write_group(out, opts, names,
				    cells[i].group_key,
				    &results[cells[i].group]);
	tsv_writer_close(out);
}

/*
 * The partial file: the features record names the group columns and
 * then the category column; "rows" counts the data rows read; one
 * "cell" record per (group, category) pair, zero counts included, in
 * byte order, holds the group values, the category and the count.
 */
static void
write_partial(const char *path, const struct column_names *names,
    const struct tally *tally, const struct cell_view *cells)
{
	size_t n_cells = string_index_count(tally->cells), i;
	const char **features = xcalloc(names->n_groups + 1, sizeof(char *));
	struct model_writer *writer;

	for (i = 0; i < names->n_groups; i++)
		features[i] = names->groups[i];
	features[names->n_groups] = names->category;
	writer = model_writer_open(path, PARTIAL_KIND, PARTIAL_VERSION,
	    features, names->n_groups + 1);
	free(features);
	model_writer_begin(writer, "rows");
	model_writer_put_count(writer, tally->n_rows);
	model_writer_end(writer);
	for (i = 0; i < n_cells; i++) {
		model_writer_begin(writer, "cell");
		if (names->n_groups > 0)
			model_writer_put_string(writer, cells[i].group_key);
		model_writer_put_string(writer, cells[i].category);
		model_writer_put_exact(writer, cells[i].count);
		model_writer_end(writer);
	}
	model_writer_commit(writer);
}

/*
 * For a partial after the first: where each group column of the first
 * lies among this one's features.  The category column must be the
 * same; group columns may come in another order.
 */
static size_t *
match_partial_columns(const struct column_names *names,
    const struct model *file)
{
	size_t n_groups = file->n_features - 1, *order, i, j;
	const char *category = file->features[n_groups];

	if (strcmp(category, names->category) != 0)
		diag_fatal_at(file->path, 2, "category column '%s', but %s "
		    "has '%s'", category, names->source, names->category);
	if (n_groups != names->n_groups)
		diag_fatal_at(file->path, 2, "%zu group column%s, but %s has "
		    "%zu", n_groups, n_groups == 1 ? "" : "s", names->source,
		    names->n_groups);
	order = xcalloc(n_groups + 1, sizeof(size_t));
	for (i = 0; i < n_groups; i++) {
		for (j = 0; j < n_groups; j++)
			if (strcmp(file->features[j], names->groups[i]) == 0)
				break;
		if (j == n_groups)
			diag_fatal_at(file->path, 2, "no group column '%s', "
			    "which %s has", names->groups[i], names->source);
		order[i] = j;
	}
	return order;
}

/* The first partial sets the names every later one must match. */
static void
names_from_partial(const struct model *file, struct column_names *names)
{
	size_t j;

	names->n_groups = file->n_features - 1;
	names->groups = xcalloc(names->n_groups + 1, sizeof(char *));
	for (j = 0; j < names->n_groups; j++)
		names->groups[j] = xstrdup(file->features[j]);
	names->category = xstrdup(file->features[names->n_groups]);
	names->source = xstrdup(file->path);
}

/* Add one "cell" record's count to the tally. */
static void
merge_cell(struct tally *tally, const struct model *file,
    const struct model_record *record, const size_t *order)
{
	size_t n_groups = file->n_features - 1, used = 0, group_length, j;
	const char *category;
	double count;
	char phrase[64];

	/* Count the values first: a short record has no category to read. */
	if (record->n_values != n_groups + 2)
		diag_fatal_at(file->path, record->line_number, "record 'cell' "
		    "has %zu values, expected %zu", record->n_values,
		    n_groups + 2);
	category = record->values[n_groups];
	if (category[0] == '\0')
		diag_fatal_at(file->path, record->line_number, "cell has an "
		    "empty category");
	count = model_value_double(file, record, n_groups + 1);
	if (count < 0)
		diag_fatal_at(file->path, record->line_number, "cell has a "
		    "negative count: '%s'", record->values[n_groups + 1]);
	for (j = 0; j < n_groups; j++) {
		const char *value = record->values[order[j]];

		append_to_key(tally, &used, value, strlen(value));
		append_to_key(tally, &used, "\t", 1);
	}
	group_length = used > 0 ? used - 1 : 0;
	append_to_key(tally, &used, category, strlen(category));
	tally->key[used] = '\0';
	if (!tally_add(tally, group_length, count))
		diag_fatal_at(file->path, record->line_number, "the counts "
		    "of the cells%s add up to more than a double holds",
		    group_phrase(tally, n_groups > 0, group_length, phrase,
		    sizeof(phrase)));
}

/* Add the counts of the partial at path; the first sets the names. */
static void
merge_partial(struct tally *tally, struct column_names *names,
    const char *path)
{
	struct model *file = model_read(path, PARTIAL_KIND, PARTIAL_VERSION);
	const struct model_record *record;
	size_t *order, i;

	if (names->category == NULL)
		names_from_partial(file, names);
	order = match_partial_columns(names, file);
	tally->n_rows += (unsigned long long)model_value_long(file,
	    model_require(file, "rows", 1), 0, 0, 9007199254740992L);
	for (i = 0; i < file->n_records; i++) {
		record = &file->records[i];
		if (strcmp(record->key, "cell") == 0)
			merge_cell(tally, file, record, order);
		else if (strcmp(record->key, "rows") != 0)
			diag_fatal_at(file->path, record->line_number,
			    "unexpected record '%s' in a partial",
			    diag_quote(record->key, strlen(record->key)));
	}
	free(order);
	model_free(file);
}

/* Count the rows of the input; names receives the selected columns. */
static void
count_rows(const struct options *opts, struct tally *tally,
    struct column_names *names)
{
	struct tsv_reader *reader = tsv_reader_open(opts->input_path,
	    opts->has_header);
	struct columns columns;

	if (tsv_reader_n_columns(reader) == 0)
		diag_fatal("%s: no data rows%s", tsv_reader_display_name(
		    reader), opts->partial ? ", and without a header no "
		    "columns to name in a partial" : "");
	resolve_columns(opts, reader, &columns);
	names_from_reader(reader, &columns, names);
	while (tsv_reader_next_row(reader)) {
		tally_row(tally, reader, &columns);
		if ((tsv_reader_row_count(reader) & 0xffff) == 0)
			diag_progress("rows read",
			    tsv_reader_row_count(reader));
	}
	diag_progress_end();
	tally->n_rows = tsv_reader_row_count(reader);
	field_list_free(&columns.groups);
	tsv_reader_close(reader);
}

static void
free_tally(struct tally *tally)
{
	string_index_free(tally->groups);
	string_index_free(tally->cells);
	free(tally->cell_group);
	free(tally->cell_count);
	free(tally->group_total);
	free(tally->key);
	free(tally->results);
	free(tally->sorted);
}

int
main(int argc, char **argv)
{
	struct options opts;
	struct column_names names;
	struct tally tally;
	struct cell_view *cells;
	int i;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	check_option_conflicts(&opts);
	memset(&names, 0, sizeof(names));
	memset(&tally, 0, sizeof(tally));
	tally.groups = string_index_new();
	tally.cells = string_index_new();

	if (opts.merge)
		for (i = 0; i < opts.n_partial_paths; i++)
			merge_partial(&tally, &names, opts.partial_paths[i]);
	else
		count_rows(&opts, &tally, &names);
	diag_verbose("%s: %llu rows, %zu groups, %zu (group, category) "
	    "pairs", opts.merge ? "partials" : names.source, tally.n_rows,
	    string_index_count(tally.groups), string_index_count(tally.cells));
	/*
	 * Owned by the tally: freed with it, and reachable from it should a
	 * check below end the run, so the leak checker sees no leak.
	 */
	cells = tally.sorted = sorted_cells(&tally, names.n_groups > 0);

	if (opts.partial)
		write_partial(opts.output_path != NULL ? opts.output_path :
		    "-", &names, &tally, cells);
	else {
		compute_entropies(&tally, cells);
		check_results(&opts, opts.merge ? "partials" : names.source,
		    names.n_groups > 0, &tally);
		write_results(&opts, &names, &tally, cells);
	}

	free_tally(&tally);
	free_names(&names);
	return 0;
}
