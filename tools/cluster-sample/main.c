/*
 * cluster-sample - assign TSV rows to the clusters of a k-means model
 * and keep a sample that covers every cluster about equally.
 *
 * Input: TSV with a header (unless --no-header) holding at least the
 * model's feature columns, found by name.  Output: every input column of
 * each row kept, in input order, then `cluster` (the model's id, 1..K)
 * and, in the random modes, `inclusion_probability` p and `weight` 1/p,
 * so that a sum over the sample weighted by 1/p estimates the sum over
 * the input without bias (Horvitz-Thompson).
 *
 * Modes:
 *  --assign	every row, nothing dropped;
 *  --per-cluster N	row of cluster c kept with p_c = min(1, N / n_c),
 *		n_c the expected rows of c: the model's share of c times
 *		--expected-rows M (the model's rows by default), or with
 *		--adaptive the rows of c seen so far, this one included;
 *  --exact N	min(N, rows of c) rows of every cluster, uniformly
 *		without replacement (reservoir sampling, Algorithm R), p_c =
 *		min(1, N / rows of c).
 * The first two stream: one pass, memory independent of the input.
 * --exact holds K x N rows as text and prints them, in input order,
 * after the input ends.  Rows are assigned with kmeans_search_nearest,
 * exactly as kmeans-train assigned its own rows.
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
#include "kmeans_model.h"
#include "model_file.h"
#include "numeric_parse.h"
#include "random.h"
#include "tsv_reader.h"
#include "tsv_writer.h"

#define DEFAULT_SEED 1

static const char synopsis[] =
    "cluster-sample -m MODEL --assign [-v] [--skip-invalid] "
    "[--no-header] [FILE]\n"
    "       cluster-sample -m MODEL --per-cluster N "
    "[--expected-rows M | --adaptive]\n"
    "                      [-s SEED] [-v] [--skip-invalid] "
    "[--precision N] [--no-header]\n"
    "                      [FILE]\n"
    "       cluster-sample -m MODEL --exact N [-s SEED] [-v] "
    "[--skip-invalid]\n"
    "                      [--precision N] [--no-header] [FILE]";

static const char help_text[] =
    "usage: cluster-sample -m MODEL (--assign | --per-cluster N | "
    "--exact N)\n"
    "                      [options] [FILE]\n"
    "Assign rows to the clusters of a kmeans-train model and keep a "
    "sample that\ncovers every cluster about equally, in input order.\n"
    "\n"
    "  -m, --model FILE     the k-means model (from kmeans-train)\n"
    "      --assign         keep every row, with its cluster\n"
    "      --per-cluster N  keep a row of cluster c with probability\n"
    "                       min(1, N / n_c), n_c its expected rows\n"
    "      --expected-rows M  rows expected in the input (default: the\n"
    "                       model's rows); n_c = M * share of c\n"
    "      --adaptive       n_c = rows of c seen so far, this one "
    "included\n"
    "      --exact N        exactly min(N, rows of c) rows of each "
    "cluster\n"
    "  -s, --seed N         seed of the random generator (1)\n"
    "      --skip-invalid   skip rows with empty, NaN or non-numeric "
    "values\n"
    "      --precision N    significant digits of p and weight (6)\n"
    "      --no-header      the input has no header line\n"
    "  -v, --verbose        print rows seen, kept and p per cluster\n"
    "  -h, --help           print this help\n"
    "  -V, --version        print the version\n"
    "\n"
    "Example: cluster-sample -m workload.model --per-cluster 20 -s 7 "
    "month.tsv\n";

enum {
	OPTION_ASSIGN = CLI_LONG_OPTION_BASE,
	OPTION_PER_CLUSTER,
	OPTION_EXPECTED_ROWS,
	OPTION_ADAPTIVE,
	OPTION_EXACT,
	OPTION_SKIP_INVALID,
	OPTION_PRECISION,
	OPTION_NO_HEADER
};

enum sample_mode {
	MODE_NONE,
	MODE_ASSIGN,		/* --assign */
	MODE_PER_CLUSTER,	/* --per-cluster N */
	MODE_EXACT		/* --exact N */
};

struct options {
	const char *model_path;		/* -m */
	enum sample_mode mode;		/* which of the three modes */
	const char *mode_option;	/* the option that set mode */
	const char *other_mode;		/* a later option of another mode */
	long target;			/* N of --per-cluster or --exact */
	double expected_rows;		/* --expected-rows, or 0 */
	bool adaptive;			/* --adaptive */
	unsigned long long seed;	/* -s */
	bool skip_invalid;		/* --skip-invalid */
	int precision;			/* --precision */
	bool has_header;		/* false with --no-header */
	const char *input_path;		/* operand; "-" is stdin */
};

/* What happened to each cluster, for -v and the --exact shortfall. */
struct cluster_tally {
	unsigned long long *seen;	/* rows assigned to each cluster */
	unsigned long long *kept;	/* rows written for each cluster */
	double *expected;		/* n_c of --per-cluster */
};

/* One row held by --exact: its text, its place in the input. */
struct held_row {
	char *text;			/* fields joined by tabs */
	size_t length, capacity;
	unsigned long long row_number;	/* 0-based data row */
	size_t cluster;
};

/* --exact: N slots per cluster, filled by reservoir sampling. */
struct reservoirs {
	size_t n_clusters, slots_per_cluster;
	struct held_row *rows;	/* n_clusters x slots_per_cluster */
};

static void
set_mode(struct options *opts, enum sample_mode mode, const char *option,
    const char *argument)
{
	/* The last of a repeated mode option wins, as elsewhere. */
	if (opts->mode != MODE_NONE && opts->mode != mode &&
	    opts->other_mode == NULL)
		opts->other_mode = option;
	if (opts->other_mode == NULL) {
		opts->mode = mode;
		opts->mode_option = option;
	}
	if (argument != NULL)
		opts->target = option_parse_long(option, argument, 1,
		    100000000);
}

static void
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "assign", no_argument, NULL, OPTION_ASSIGN },
		{ "per-cluster", required_argument, NULL, OPTION_PER_CLUSTER },
		{ "expected-rows", required_argument, NULL,
		    OPTION_EXPECTED_ROWS },
		{ "adaptive", no_argument, NULL, OPTION_ADAPTIVE },
		{ "exact", required_argument, NULL, OPTION_EXACT },
		{ "seed", required_argument, NULL, 's' },
		{ "skip-invalid", no_argument, NULL, OPTION_SKIP_INVALID },
		{ "precision", required_argument, NULL, OPTION_PRECISION },
		{ "no-header", no_argument, NULL, OPTION_NO_HEADER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->seed = DEFAULT_SEED;
	opts->precision = NUMBER_DEFAULT_PRECISION;
	opts->has_header = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:s:vhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'm':
			opts->model_path = optarg;
			break;
		case OPTION_ASSIGN:
			set_mode(opts, MODE_ASSIGN, "--assign", NULL);
			break;
		case OPTION_PER_CLUSTER:
			set_mode(opts, MODE_PER_CLUSTER, "--per-cluster",
			    optarg);
			break;
		case OPTION_EXACT:
			set_mode(opts, MODE_EXACT, "--exact", optarg);
			break;
		case OPTION_EXPECTED_ROWS:
			opts->expected_rows = option_parse_double(
			    "--expected-rows", optarg, 1, 1e18);
			break;
		case OPTION_ADAPTIVE:
			opts->adaptive = true;
			break;
		case 's':
			opts->seed = option_parse_seed("-s", optarg);
			break;
		case OPTION_SKIP_INVALID:
			opts->skip_invalid = true;
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
	if (opts->model_path == NULL)
		diag_usage("-m MODEL is required");
	if (opts->other_mode != NULL)
		diag_usage("%s and %s are different modes; give one of "
		    "--assign, --per-cluster N and --exact N",
		    opts->mode_option, opts->other_mode);
	if (opts->mode == MODE_NONE)
		diag_usage("give exactly one of --assign, --per-cluster N and "
		    "--exact N");
	if ((opts->expected_rows > 0 || opts->adaptive) &&
	    opts->mode != MODE_PER_CLUSTER)
		diag_usage("--expected-rows and --adaptive go with "
		    "--per-cluster");
	if (opts->expected_rows > 0 && opts->adaptive)
		diag_usage("--expected-rows and --adaptive cannot be used "
		    "together");
}

/*
 * n_c for --per-cluster without --adaptive: the model's share of
 * cluster c times the expected input rows M (the model's own rows by
 * default).
 */
static void
set_expected_rows(const struct options *opts,
    const struct kmeans_model *model, struct cluster_tally *tally)
{
	unsigned long long total = 0;
	double rows;
	size_t c;

	for (c = 0; c < model->n_clusters; c++)
		total += model->populations[c];
	rows = opts->expected_rows > 0 ? opts->expected_rows : (double)total;
	for (c = 0; c < model->n_clusters; c++)
		tally->expected[c] = total > 0 ? rows *
		    (double)model->populations[c] / (double)total : 0;
}

/* p_c = min(1, N / n_c); 1 when n_c is 0. */
static double
inclusion_probability(double target, double expected)
{
	return expected > target ? target / expected : 1;
}

static void
write_header(const struct options *opts, struct tsv_writer *out,
    const struct tsv_reader *reader)
{
	size_t j;

	if (!opts->has_header)
		return;
	for (j = 0; j < tsv_reader_n_columns(reader); j++) {
		tsv_writer_put_string(out, tsv_reader_column_name(reader, j));
		tsv_writer_tab(out);
	}
	tsv_writer_put_string(out, "cluster");
	if (opts->mode != MODE_ASSIGN)
		tsv_writer_put_string(out,
		    "\tinclusion_probability\tweight");
	tsv_writer_newline(out);
}

/* The cluster id, and with a probability p, p and 1/p; then a newline. */
static void
write_row_end(const struct options *opts, struct tsv_writer *out,
    size_t cluster, double probability)
{
	tsv_writer_put_count(out, cluster + 1);
	if (opts->mode != MODE_ASSIGN) {
		tsv_writer_tab(out);
		tsv_writer_put_double(out, probability, opts->precision);
		tsv_writer_tab(out);
		tsv_writer_put_double(out, 1 / probability, opts->precision);
	}
	tsv_writer_newline(out);
}

static void
write_current_row(const struct options *opts, struct tsv_writer *out,
    const struct tsv_reader *reader, size_t cluster, double probability)
{
	size_t j;

	for (j = 0; j < tsv_reader_n_columns(reader); j++) {
		tsv_writer_put(out, tsv_reader_field(reader, j),
		    tsv_reader_field_length(reader, j));
		tsv_writer_tab(out);
	}
	write_row_end(opts, out, cluster, probability);
}

/* Copy the current row's fields, tab-joined, into a held row. */
static void
hold_current_row(const struct tsv_reader *reader, struct held_row *held,
    unsigned long long row_number, size_t cluster)
{
	size_t j, needed = 0, used = 0;

	for (j = 0; j < tsv_reader_n_columns(reader); j++)
		needed += tsv_reader_field_length(reader, j) + 1;
	if (needed > held->capacity) {
		held->capacity = needed * 2;
		held->text = xreallocarray(held->text, held->capacity, 1);
	}
	for (j = 0; j < tsv_reader_n_columns(reader); j++) {
		size_t length = tsv_reader_field_length(reader, j);

		memcpy(held->text + used, tsv_reader_field(reader, j), length);
		used += length;
		held->text[used++] = '\t';
	}
	held->length = used;
	held->row_number = row_number;
	held->cluster = cluster;
}

/*
 * Algorithm R for the t-th row (1-based) of a cluster: the first N fill
 * the slots; afterwards the row replaces slot j, j uniform on [0, t),
 * when j < N.  Every row of the cluster ends up held with probability
 * N / t, the sample uniform without replacement.
 */
static void
offer_to_reservoir(struct reservoirs *reservoirs, struct random_state *rng,
    const struct tsv_reader *reader, size_t cluster, unsigned long long t)
{
	struct held_row *slots = reservoirs->rows + cluster *
	    reservoirs->slots_per_cluster;
	unsigned long long slot;

	if (t <= reservoirs->slots_per_cluster)
		slot = t - 1;
	else if ((slot = random_below(rng, t)) >=
	    reservoirs->slots_per_cluster)
		return;
	hold_current_row(reader, &slots[slot], tsv_reader_row_count(reader) -
	    1, cluster);
}

static int
compare_held_rows(const void *left, const void *right)
{
	const struct held_row *a = *(const struct held_row *const *)left;
	const struct held_row *b = *(const struct held_row *const *)right;

	return a->row_number < b->row_number ? -1 :
	    a->row_number > b->row_number;
}

/* Print the held rows in input order; p_c = min(1, N / rows of c). */
static void
write_reservoirs(const struct options *opts, struct tsv_writer *out,
    const struct reservoirs *reservoirs, struct cluster_tally *tally)
{
	size_t k = reservoirs->n_clusters, per = reservoirs->slots_per_cluster;
	size_t c, s, n_held = 0;
	struct held_row **held = xcalloc(k * per, sizeof(*held));

	for (c = 0; c < k; c++) {
		tally->kept[c] = tally->seen[c] < per ? tally->seen[c] : per;
		for (s = 0; s < tally->kept[c]; s++)
			held[n_held++] = &reservoirs->rows[c * per + s];
	}
	qsort(held, n_held, sizeof(*held), compare_held_rows);
	for (s = 0; s < n_held; s++) {
		tsv_writer_put(out, held[s]->text, held[s]->length);
		write_row_end(opts, out, held[s]->cluster,
		    inclusion_probability((double)per,
		    (double)tally->seen[held[s]->cluster]));
	}
	free(held);
}

/* Clusters of --exact with fewer rows than N, one line each. */
static void
report_shortfall(const struct options *opts,
    const struct cluster_tally *tally, size_t n_clusters)
{
	size_t c;

	for (c = 0; c < n_clusters; c++)
		if (tally->seen[c] < (unsigned long long)opts->target)
			diag_warn("cluster %zu: %llu row%s, fewer than the %ld "
			    "asked", c + 1, tally->seen[c], tally->seen[c] ==
			    1 ? "" : "s", opts->target);
}

static void
report_tally(const struct options *opts, const struct cluster_tally *tally,
    size_t n_clusters)
{
	size_t c;
	double p;

	if (!diag_is_verbose())
		return;
	for (c = 0; c < n_clusters; c++) {
		if (opts->mode == MODE_ASSIGN)
			p = 1;
		else if (opts->mode == MODE_PER_CLUSTER && !opts->adaptive)
			p = inclusion_probability((double)opts->target,
			    tally->expected[c]);
		else
			p = inclusion_probability((double)opts->target,
			    (double)tally->seen[c]);
		diag_verbose("cluster %zu: %llu rows seen, %llu kept, p_c "
		    "%.6g", c + 1, tally->seen[c], tally->kept[c], p);
	}
}

/*
 * Decide for a row of cluster c in the streaming modes: returns the
 * inclusion probability if the row is kept, 0 if it is dropped.  The
 * generator is drawn only when 0 < p < 1.
 */
static double
decide_row(const struct options *opts, const struct cluster_tally *tally,
    size_t cluster, struct random_state *rng)
{
	double p;

	if (opts->mode == MODE_ASSIGN)
		return 1;
	p = inclusion_probability((double)opts->target, opts->adaptive ?
	    (double)tally->seen[cluster] : tally->expected[cluster]);
	if (p >= 1 || random_uniform(rng) < p)
		return p;
	return 0;
}

/* Everything one pass over the input needs. */
struct sampler {
	struct kmeans_model model;
	struct model *file;		/* the model file as read */
	struct tsv_reader *reader;
	struct tsv_writer *out;
	struct field_list fields;	/* the model's features in the input */
	struct kmeans_search search;	/* the model's centroids */
	struct cluster_tally tally;
	struct reservoirs reservoirs;	/* --exact only */
	struct random_state rng;
	double *raw, *scaled, *lanes;	/* one row's values, distances */
	unsigned long long skipped;	/* rows --skip-invalid skipped */
};

static void
open_sampler(const struct options *opts, struct sampler *s)
{
	size_t k, d;

	memset(s, 0, sizeof(*s));
	s->file = kmeans_model_read(opts->model_path, &s->model);
	s->reader = tsv_reader_open(opts->input_path, opts->has_header);
	if (tsv_reader_n_columns(s->reader) == 0)
		diag_fatal("%s: empty input",
		    tsv_reader_display_name(s->reader));
	s->out = tsv_writer_stdout();
	/* Rows stream out in these modes; --exact writes only at the end. */
	if (opts->mode != MODE_EXACT)
		tsv_writer_keep_rows_on_error(s->out);
	s->fields = model_match_columns(s->file, s->reader);
	k = s->model.n_clusters;
	d = s->model.n_features;
	kmeans_search_init(&s->search, s->model.centroids, k, d);
	s->tally.seen = xcalloc(k, sizeof(unsigned long long));
	s->tally.kept = xcalloc(k, sizeof(unsigned long long));
	s->tally.expected = xcalloc(k, sizeof(double));
	set_expected_rows(opts, &s->model, &s->tally);
	random_seed(&s->rng, opts->seed);
	if (opts->mode == MODE_EXACT) {
		s->reservoirs.n_clusters = k;
		s->reservoirs.slots_per_cluster = (size_t)opts->target;
		s->reservoirs.rows = xcalloc(k * (size_t)opts->target,
		    sizeof(struct held_row));
	}
	s->raw = xcalloc(d, sizeof(double));
	s->scaled = xcalloc(d, sizeof(double));
	s->lanes = xcalloc(k + KMEANS_LANES, sizeof(double));
}

/* Read every row, assign it, and keep, hold or drop it. */
static void
sample_rows(const struct options *opts, struct sampler *s)
{
	size_t cluster;
	double p, distance;

	while (tsv_reader_next_row(s->reader)) {
		if (!tsv_reader_fields_double(s->reader, &s->fields,
		    opts->skip_invalid, s->raw)) {
			s->skipped++;
			continue;
		}
		kmeans_model_scale_row(&s->model, s->raw, s->scaled);
		cluster = kmeans_search_nearest(&s->search, s->scaled,
		    s->lanes, &distance, NULL);
		/* Every distance inf would put the row in cluster 1. */
		if (!isfinite(distance))
			diag_fatal_at(tsv_reader_display_name(s->reader),
			    tsv_reader_line_number(s->reader), "the row is so "
			    "far from every centroid that its squared "
			    "distance overflows a double");
		s->tally.seen[cluster]++;
		if (opts->mode == MODE_EXACT)
			offer_to_reservoir(&s->reservoirs, &s->rng, s->reader,
			    cluster, s->tally.seen[cluster]);
		else if ((p = decide_row(opts, &s->tally, cluster,
		    &s->rng)) > 0) {
			write_current_row(opts, s->out, s->reader, cluster, p);
			s->tally.kept[cluster]++;
		}
		if ((tsv_reader_row_count(s->reader) & 0xffff) == 0)
			diag_progress("rows read",
			    tsv_reader_row_count(s->reader));
	}
	diag_progress_end();
	tsv_reader_report_skipped(s->reader, s->skipped);
}

static void
close_sampler(struct sampler *s)
{
	size_t slot, n_slots = s->reservoirs.n_clusters *
	    s->reservoirs.slots_per_cluster;

	tsv_writer_close(s->out);
	for (slot = 0; slot < n_slots; slot++)
		free(s->reservoirs.rows[slot].text);
	free(s->reservoirs.rows);
	free(s->tally.seen);
	free(s->tally.kept);
	free(s->tally.expected);
	free(s->raw);
	free(s->scaled);
	free(s->lanes);
	kmeans_search_free(&s->search);
	field_list_free(&s->fields);
	tsv_reader_close(s->reader);
	kmeans_model_free(&s->model);
	model_free(s->file);
}

int
main(int argc, char **argv)
{
	struct options opts;
	struct sampler sampler;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	check_option_conflicts(&opts);
	open_sampler(&opts, &sampler);

	/* Streaming modes write as they go; --exact once the input ends. */
	if (opts.mode != MODE_EXACT)
		write_header(&opts, sampler.out, sampler.reader);
	sample_rows(&opts, &sampler);
	if (opts.mode == MODE_EXACT) {
		write_header(&opts, sampler.out, sampler.reader);
		write_reservoirs(&opts, sampler.out, &sampler.reservoirs,
		    &sampler.tally);
		report_shortfall(&opts, &sampler.tally,
		    sampler.model.n_clusters);
	}
	report_tally(&opts, &sampler.tally, sampler.model.n_clusters);

	close_sampler(&sampler);
	return 0;
}
