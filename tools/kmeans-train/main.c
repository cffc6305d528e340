/*
 * kmeans-train - fit k-means clusters on TSV columns and write the model
 * that cluster-sample applies, or compare several k in a table.
 *
 * Input: TSV with a header (unless --no-header); -f picks the numeric
 * columns to fit on (every column not in --keep by default).  The rows'
 * selected values are held in memory as doubles, n x d.  Output: the
 * model (common/kmeans_model.h) to -o FILE or standard output; with a
 * range such as -k 2-12, a table of k, inertia and silhouette instead.
 *
 * Method (tools/kmeans-train/kmeans.c): greedy k-means++ seeding, then
 * Lloyd iterations accelerated with Hamerly's bounds, --restarts times
 * from one seeded generator, keeping the lowest final inertia.  Clusters
 * are then numbered by population, largest first (ties by centroid
 * coordinates), so the same data and seed give the same model bytes.
 * Distances are summed in plain C in a fixed order (no BLAS), and the
 * threads of --threads work on fixed chunks of rows whose partial sums
 * are added in order, so no thread count changes a bit of the model.
 *
 * From given centroids (--init MODEL), it runs plain Lloyd steps instead,
 * as a map over rows and a reduce (tools/kmeans-train/lloyd_step.c), so
 * that the same steps run over shards: --partial gathers one shard's
 * statistics against the model's centroids, and --merge adds the
 * partials and writes the next model.  scripts/kmeans-sharded.sh
 * iterates the two under GNU parallel.
 *
 * Limits: memory is 8 n d bytes for the rows plus about 40 n bytes of
 * bounds and labels (more with many clusters: 8 n (2 + ln k) for the
 * seeding distances); the silhouette sample costs 4 s^2 bytes.  --init
 * runs on one thread; --partial holds no rows, only O(k d) sums.
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "field_list.h"
#include "kmeans.h"
#include "kmeans_model.h"
#include "lloyd_step.h"
#include "model_file.h"
#include "numeric_parse.h"
#include "random.h"
#include "tsv_reader.h"
#include "tsv_writer.h"

#define DEFAULT_RESTARTS 10
#define DEFAULT_MAX_ITERATIONS 300
#define DEFAULT_TOLERANCE 1e-4
#define DEFAULT_SEED 1
#define DEFAULT_SILHOUETTE_ROWS 2000
#define MAX_SILHOUETTE_ROWS 20000
#define MAX_CLUSTERS 100000
#define MAX_THREADS 64
/* Mixed into the seed for the silhouette sample's own generator. */
#define SILHOUETTE_STREAM 0x9e3779b97f4a7c15ULL

static const char synopsis[] =
    "kmeans-train -k K|K1-K2 [-v] [-f LIST] [--keep LIST] "
    "[--standardize]\n"
    "                    [--restarts R] [--max-iterations N] "
    "[--tolerance T]\n"
    "                    [-s SEED] [-o FILE] [--silhouette-rows N] "
    "[--skip-invalid]\n"
    "                    [--threads N] [--precision N] [--no-header] "
    "[FILE]\n"
    "       kmeans-train --init MODEL [-v] [--max-iterations N] "
    "[--tolerance T]\n"
    "                    [-o FILE] [--skip-invalid] [--no-header] "
    "[FILE]\n"
    "       kmeans-train --partial --init MODEL [-v] [-o FILE] "
    "[--skip-invalid]\n"
    "                    [--no-header] [FILE]\n"
    "       kmeans-train --merge --init MODEL [-v] [--max-iterations N]\n"
    "                    [--tolerance T] [-o FILE] PARTIAL...";

static const char help_text[] =
    "usage: kmeans-train -k K|K1-K2 [options] [FILE]\n"
    "Fit k-means on TSV columns and write the model (one row per "
    "cluster),\nor, for a range of k, print k, inertia and silhouette.\n"
    "\n"
    "  -k, --clusters K     number of clusters, or a range such as 2-12\n"
    "  -f, --fields LIST    columns to fit on (default: all not kept)\n"
    "      --keep LIST      columns left out of the default -f\n"
    "      --standardize    scale each column to mean 0, sample sd 1\n"
    "      --restarts R     k-means++ runs; the lowest inertia is kept "
    "(10)\n"
    "      --max-iterations N  Lloyd iterations per run at most (300)\n"
    "      --tolerance T    stop when the centroids' squared shift is "
    "below\n"
    "                       T times the mean column variance (1e-4)\n"
    "  -s, --seed N         seed of the random generator (1)\n"
    "  -o, --output FILE    write the model to FILE (default: stdout)\n"
    "      --silhouette-rows N  rows sampled for the silhouette "
    "(2000)\n"
    "      --skip-invalid   skip rows with empty, NaN or non-numeric "
    "values\n"
    "      --precision N    significant digits of the table (6)\n"
    "      --no-header      the input has no header line\n"
    "      --threads N      threads for the fit (default: one per "
    "processor);\n"
    "                       the model is the same for every N\n"
    "      --init MODEL     start from MODEL's centroids and scaling "
    "(no seeding)\n"
    "      --partial        with --init: write this shard's counts, sums "
    "and\n"
    "                       inertia against MODEL's centroids\n"
    "      --merge          with --init: add the PARTIAL files and write "
    "the\n"
    "                       next model (one Lloyd step)\n"
    "  -v, --verbose        print inertia per iteration and per restart\n"
    "  -h, --help           print this help\n"
    "  -V, --version        print the version\n"
    "\n"
    "Example: kmeans-train -k 8 --standardize -f 'cpu_*,mem_*' "
    "-o workload.model month.tsv\n";

enum {
	OPTION_KEEP = CLI_LONG_OPTION_BASE,
	OPTION_STANDARDIZE,
	OPTION_RESTARTS,
	OPTION_MAX_ITERATIONS,
	OPTION_TOLERANCE,
	OPTION_SILHOUETTE_ROWS,
	OPTION_SKIP_INVALID,
	OPTION_PRECISION,
	OPTION_NO_HEADER,
	OPTION_THREADS,
	OPTION_INIT,
	OPTION_PARTIAL,
	OPTION_MERGE
};

struct options {
	long min_clusters;		/* -k K, or the first of K1-K2 */
	long max_clusters;		/* -k K, or the last of K1-K2 */
	bool cluster_range;		/* -k was a range: print a table */
	const char *fields;		/* -f: columns to fit on */
	const char *keep;		/* --keep: columns not fitted */
	bool standardize;		/* --standardize */
	long restarts;			/* --restarts */
	long max_iterations;		/* --max-iterations */
	double tolerance;		/* --tolerance */
	unsigned long long seed;	/* -s */
	const char *output_path;	/* -o; "-" is stdout */
	long silhouette_rows;		/* --silhouette-rows */
	long threads;			/* --threads */
	bool skip_invalid;		/* --skip-invalid */
	int precision;			/* --precision */
	bool has_header;		/* false with --no-header */
	const char *input_path;		/* operand; "-" is stdin */
	const char *init_path;		/* --init: the starting model */
	bool partial;			/* --partial: the map of one step */
	bool merge;			/* --merge: the reduce of one step */
	char **partial_paths;		/* --merge operands */
	int n_partial_paths;
	bool restarts_given;		/* --restarts appeared */
};

/*
 * One end of a -k range, the length bytes at text: a whole number from 2
 * to MAX_CLUSTERS, or -1.
 */
static long
range_end(const char *text, size_t length)
{
	long value = 0;
	size_t i;

	if (length == 0)
		return -1;
	for (i = 0; i < length; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		value = value * 10 + (text[i] - '0');
		if (value > MAX_CLUSTERS)
			return -1;
	}
	return value < 2 ? -1 : value;
}

static void
parse_cluster_count(const char *argument, struct options *opts)
{
	const char *dash = strchr(argument, '-');

	if (dash == NULL || dash == argument) {
		opts->min_clusters = option_parse_long("-k", argument, 1,
		    MAX_CLUSTERS);
		opts->max_clusters = opts->min_clusters;
		opts->cluster_range = false;
		return;
	}
	opts->min_clusters = range_end(argument, (size_t)(dash - argument));
	opts->max_clusters = range_end(dash + 1, strlen(dash + 1));
	if (opts->min_clusters < 0 || opts->max_clusters < 0)
		diag_usage("option -k: '%s' is not a range LOW-HIGH of whole "
		    "numbers from 2 to %d", diag_quote(argument,
		    strlen(argument)), MAX_CLUSTERS);
	if (opts->max_clusters < opts->min_clusters)
		diag_usage("option -k: range '%s' runs backwards",
		    diag_quote(argument, strlen(argument)));
	opts->cluster_range = true;
}

/* One thread per online processor, at most MAX_THREADS. */
static long
default_thread_count(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	if (online < 1)
		return 1;
	return online < MAX_THREADS ? online : MAX_THREADS;
}

static void
set_default_options(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->restarts = DEFAULT_RESTARTS;
	opts->max_iterations = DEFAULT_MAX_ITERATIONS;
	opts->tolerance = DEFAULT_TOLERANCE;
	opts->seed = DEFAULT_SEED;
	opts->output_path = "-";
	opts->silhouette_rows = DEFAULT_SILHOUETTE_ROWS;
	opts->threads = default_thread_count();
	opts->precision = NUMBER_DEFAULT_PRECISION;
	opts->has_header = true;
}

static void
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "clusters", required_argument, NULL, 'k' },
		{ "fields", required_argument, NULL, 'f' },
		{ "keep", required_argument, NULL, OPTION_KEEP },
		{ "standardize", no_argument, NULL, OPTION_STANDARDIZE },
		{ "restarts", required_argument, NULL, OPTION_RESTARTS },
		{ "max-iterations", required_argument, NULL,
		    OPTION_MAX_ITERATIONS },
		{ "tolerance", required_argument, NULL, OPTION_TOLERANCE },
		{ "seed", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "silhouette-rows", required_argument, NULL,
		    OPTION_SILHOUETTE_ROWS },
		{ "skip-invalid", no_argument, NULL, OPTION_SKIP_INVALID },
		{ "precision", required_argument, NULL, OPTION_PRECISION },
		{ "no-header", no_argument, NULL, OPTION_NO_HEADER },
		{ "threads", required_argument, NULL, OPTION_THREADS },
		{ "init", required_argument, NULL, OPTION_INIT },
		{ "partial", no_argument, NULL, OPTION_PARTIAL },
		{ "merge", no_argument, NULL, OPTION_MERGE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	set_default_options(opts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:f:s:o:vhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'k':
			parse_cluster_count(optarg, opts);
			break;
		case 'f':
			opts->fields = optarg;
			break;
		case OPTION_KEEP:
			opts->keep = optarg;
			break;
		case OPTION_STANDARDIZE:
			opts->standardize = true;
			break;
		case OPTION_RESTARTS:
			opts->restarts = option_parse_long("--restarts",
			    optarg, 1, 100000);
			opts->restarts_given = true;
			break;
		case OPTION_MAX_ITERATIONS:
			opts->max_iterations = option_parse_long(
			    "--max-iterations", optarg, 1, 100000000);
			break;
		case OPTION_TOLERANCE:
			opts->tolerance = option_parse_double("--tolerance",
			    optarg, 0, 1e300);
			break;
		case 's':
			opts->seed = option_parse_seed("-s", optarg);
			break;
		case 'o':
			opts->output_path = optarg;
			break;
		case OPTION_SILHOUETTE_ROWS:
			opts->silhouette_rows = option_parse_long(
			    "--silhouette-rows", optarg, 2,
			    MAX_SILHOUETTE_ROWS);
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
		case OPTION_THREADS:
			opts->threads = option_parse_long("--threads", optarg,
			    1, MAX_THREADS);
			break;
		case OPTION_INIT:
			opts->init_path = optarg;
			break;
		case OPTION_PARTIAL:
			opts->partial = true;
			break;
		case OPTION_MERGE:
			opts->merge = true;
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

/* What --init, --partial and --merge leave out. */
static void
check_init_conflicts(const struct options *opts)
{
	if (opts->partial && opts->merge)
		diag_usage("--partial and --merge are separate steps; "
		    "give one");
	if ((opts->partial || opts->merge) && opts->init_path == NULL)
		diag_usage("--%s needs --init MODEL, the centroids of the step",
		    opts->partial ? "partial" : "merge");
	if (opts->init_path == NULL)
		return;
	if (opts->cluster_range)
		diag_usage("--init starts from one model; give one -k or none");
	if (opts->fields != NULL || opts->keep != NULL)
		diag_usage("--init fits on its model's features; -f and --keep "
		    "do not apply");
	if (opts->standardize)
		diag_usage("--init scales rows as its model does; "
		    "--standardize does not apply");
	if (opts->restarts_given && opts->restarts != 1)
		diag_usage("--init makes one run from its model's centroids; "
		    "--restarts must be 1");
	if (opts->merge && (!opts->has_header || opts->skip_invalid))
		diag_usage("--merge reads partial files, not rows; "
		    "--no-header and --skip-invalid do not apply");
}

static void
check_option_conflicts(const struct options *opts)
{
	check_init_conflicts(opts);
	if (opts->min_clusters == 0 && opts->init_path == NULL)
		diag_usage("-k K (the number of clusters) is required");
	if (opts->cluster_range && strcmp(opts->output_path, "-") != 0)
		diag_usage("-o writes one model; give one -k, not a range");
}

/* Select the columns to fit on and remember their names. */
static struct field_list
select_fields(const struct options *opts, const struct tsv_reader *reader,
    struct dataset *data)
{
	const char *const *names = tsv_reader_column_names(reader);
	size_t n_columns = tsv_reader_n_columns(reader), j;
	struct field_list keep = { 0, NULL }, fields;

	if (opts->keep != NULL)
		keep = field_list_parse("--keep", opts->keep, names,
		    n_columns);
	fields = opts->fields != NULL ? field_list_parse("-f", opts->fields,
	    names, n_columns) : field_list_complement(&keep, 1, n_columns);
	field_list_free(&keep);
	if (fields.n_fields == 0)
		diag_usage("no columns to fit on");
	data->n_features = fields.n_fields;
	data->names = xcalloc(fields.n_fields, sizeof(char *));
	for (j = 0; j < fields.n_fields; j++)
		data->names[j] = xstrdup(names[fields.columns[j]]);
	return fields;
}

/* Read every row's selected values into data->values. */
static void
read_dataset(const struct options *opts, struct dataset *data)
{
	struct tsv_reader *reader = tsv_reader_open(opts->input_path,
	    opts->has_header);
	struct field_list fields;
	size_t capacity = 0, d, j;
	unsigned long long skipped = 0;

	memset(data, 0, sizeof(*data));
	if (tsv_reader_n_columns(reader) == 0)
		diag_fatal("%s: empty input, no data rows to fit",
		    tsv_reader_display_name(reader));
	fields = select_fields(opts, reader, data);
	d = data->n_features;
	while (tsv_reader_next_row(reader)) {
		double *row;

		if (data->n_rows == capacity) {
			capacity = capacity * 2 + 4096;
			data->values = xreallocarray(data->values, capacity,
			    d * sizeof(double));
		}
		row = data->values + data->n_rows * d;
		for (j = 0; j < d; j++) {
			if (!opts->skip_invalid)
				row[j] = tsv_reader_field_double(reader,
				    fields.columns[j]);
			else if (!tsv_reader_field_try_double(reader,
			    fields.columns[j], &row[j]))
				break;
		}
		if (j < d) {
			skipped++;
			continue;
		}
		data->n_rows++;
		if ((data->n_rows & 0xffff) == 0)
			diag_progress("rows read", data->n_rows);
	}
	diag_progress_end();
	if (skipped > 0)
		diag_warn("%s: skipped %llu row%s with an empty, non-numeric "
		    "or non-finite value", tsv_reader_display_name(reader),
		    skipped, skipped == 1 ? "" : "s");
	if (data->n_rows == 0)
		diag_fatal("%s: no data rows to fit",
		    tsv_reader_display_name(reader));
	diag_verbose("%s: %zu rows, %zu columns",
	    tsv_reader_display_name(reader), data->n_rows, d);
	field_list_free(&fields);
	tsv_reader_close(reader);
}

/*
 * Refuse columns spread so wide (about 1e154 and more) that their mean,
 * their sum of squared deviations, or the total of those overflows a
 * double: every distance and the inertia would then be inf, and no
 * centroid could be told from another.
 */
static void
check_column_spread(const struct options *opts, const struct dataset *data,
    const double *sum_sq)
{
	const char *source = cli_display_name(opts->input_path);
	double total = 0;
	size_t j;

	for (j = 0; j < data->n_features; j++) {
		if (!isfinite(data->mean[j]))
			diag_fatal("%s: the mean of column '%s' overflows a "
			    "double", source, data->names[j]);
		if (!isfinite(sum_sq[j]))
			diag_fatal("%s: column '%s' varies too widely: its sum "
			    "of squared deviations overflows a double", source,
			    data->names[j]);
		total += sum_sq[j];
	}
	if (!opts->standardize && !isfinite(total))
		diag_fatal("%s: the columns vary too widely together: their "
		    "sum of squared deviations overflows a double", source);
}

/*
 * Mean and sample standard deviation (ddof 1) of each column, two-pass.
 * With --standardize the rows become (x - mean) / sd; a constant column
 * (every value equal, whatever rounding does to its mean) keeps scale 1
 * and is named in a warning.  The
 * mean column variance (ddof 0) of the rows as fitted sets --tolerance's
 * scale.
 */
static void
prepare_columns(const struct options *opts, struct dataset *data)
{
	size_t n = data->n_rows, d = data->n_features, i, j;
	double *sum_sq = xcalloc(d, sizeof(double));
	bool *varies = xcalloc(d, sizeof(bool));
	double variance_total = 0;

	data->mean = xcalloc(d, sizeof(double));
	data->scale = xcalloc(d, sizeof(double));
	for (i = 0; i < n; i++)
		for (j = 0; j < d; j++) {
			data->mean[j] += data->values[i * d + j];
			if (data->values[i * d + j] != data->values[j])
				varies[j] = true;
		}
	for (j = 0; j < d; j++)
		data->mean[j] /= (double)n;
	for (i = 0; i < n; i++)
		for (j = 0; j < d; j++) {
			double t = data->values[i * d + j] - data->mean[j];

			sum_sq[j] += t * t;
		}
	check_column_spread(opts, data, sum_sq);
	for (j = 0; j < d; j++) {
		data->scale[j] = 1;
		if (!opts->standardize)
			continue;
		if (varies[j] && sum_sq[j] > 0)
			data->scale[j] = sqrt(sum_sq[j] / (double)(n - 1));
		else
			diag_warn("column '%s' is constant; left unscaled",
			    data->names[j]);
	}
	for (j = 0; j < d; j++)
		variance_total += sum_sq[j] / (double)n /
		    (data->scale[j] * data->scale[j]);
	data->variance_mean = variance_total / (double)d;
	if (opts->standardize)
		for (i = 0; i < n; i++)
			for (j = 0; j < d; j++)
				data->values[i * d + j] = (data->values[i * d +
				    j] - data->mean[j]) / data->scale[j];
	else
		memset(data->mean, 0, d * sizeof(double));
	free(sum_sq);
	free(varies);
}

/*
 * Fit k clusters --restarts times from a generator seeded with -s (the
 * same for every k, so a k of a range fits as -k K alone would) and keep
 * the run of lowest inertia (the first on a tie).
 */
static void
fit_clusters(const struct options *opts, const struct dataset *data,
    size_t k, struct clustering *best)
{
	struct kmeans_settings settings;
	struct kmeans_workspace *ws;
	struct clustering run;
	struct random_state rng;
	long restart, best_restart = 0;
	size_t n_distinct;

	settings.max_iterations = opts->max_iterations;
	settings.shift_threshold = opts->tolerance * data->variance_mean;
	random_seed(&rng, opts->seed);
	clustering_init(&run, k, data);
	clustering_init(best, k, data);
	ws = kmeans_workspace_new(data, k, (size_t)opts->threads);
	best->inertia = HUGE_VAL;
	for (restart = 1; restart <= opts->restarts; restart++) {
		n_distinct = kmeans_run(&settings, restart, &rng, ws, &run);
		if (n_distinct > 0)
			diag_fatal("only %zu distinct point%s for %zu "
			    "clusters", n_distinct, n_distinct == 1 ? "" : "s",
			    k);
		diag_verbose("k=%zu restart %ld: inertia %.10g after %ld "
		    "iteration%s (%s)", k, restart, run.inertia,
		    run.iterations, run.iterations == 1 ? "" : "s",
		    run.converged ? "converged" : "stopped by "
		    "--max-iterations");
		if (run.inertia < best->inertia) {
			clustering_copy(best, &run, data);
			best_restart = restart;
		}
	}
	diag_verbose("k=%zu: kept restart %ld, inertia %.10g", k,
	    best_restart, best->inertia);
	kmeans_workspace_free(ws);
	clustering_free(&run);
}

/*
 * Number the clusters in the canonical order, so the ids do not depend
 * on which restart or which seed found them: most rows first, ties by
 * the centroid's coordinates compared in feature order.
 */
static void
order_clusters(const struct dataset *data, struct clustering *result)
{
	size_t *new_id = xcalloc(result->n_clusters, sizeof(size_t));
	size_t i;

	cluster_canonical_order(result->n_clusters, data->n_features,
	    result->populations, result->centroids, new_id);
	for (i = 0; i < data->n_rows; i++)
		result->labels[i] = (unsigned)new_id[result->labels[i]];
	free(new_id);
}

static void
write_model(const struct options *opts, const struct dataset *data,
    const struct clustering *result)
{
	struct kmeans_model model;
	size_t k = result->n_clusters, d = data->n_features;

	kmeans_model_init(&model, k, d);
	model.standardized = opts->standardize;
	memcpy(model.mean, data->mean, d * sizeof(double));
	memcpy(model.scale, data->scale, d * sizeof(double));
	memcpy(model.centroids, result->centroids, k * d * sizeof(double));
	memcpy(model.populations, result->populations, k *
	    sizeof(unsigned long long));
	model.n_rows = data->n_rows;
	model.inertia = result->inertia;
	model.seed = opts->seed;
	model.restarts = opts->restarts;
	model.max_iterations = opts->max_iterations;
	model.iterations = result->iterations;
	model.tolerance = opts->tolerance;
	model.state = result->converged ? KMEANS_STATE_CONVERGED :
	    KMEANS_STATE_STOPPED;
	kmeans_model_write(opts->output_path, &model,
	    (const char *const *)data->names);
	kmeans_model_free(&model);
}

/* The rows the silhouette is measured on, and their distances. */
struct silhouette_sample {
	size_t n_rows;
	size_t *rows;			/* ascending row numbers */
	double *distances;		/* strict upper triangle, row-major */
};

/*
 * Draw min(n, --silhouette-rows) rows uniformly without replacement
 * (Knuth's selection sampling, so they come out in row order), from a
 * generator of their own, and measure every pair once.
 */
static void
draw_silhouette_sample(const struct options *opts,
    const struct dataset *data, struct silhouette_sample *sample)
{
	size_t n = data->n_rows, d = data->n_features, wanted, i, a, b, m;
	struct random_state rng;

	random_seed(&rng, opts->seed ^ SILHOUETTE_STREAM);
	wanted = n < (size_t)opts->silhouette_rows ? n :
	    (size_t)opts->silhouette_rows;
	sample->rows = xcalloc(wanted, sizeof(size_t));
	sample->n_rows = 0;
	for (i = 0; i < n && sample->n_rows < wanted; i++)
		if ((double)(n - i) * random_uniform(&rng) <
		    (double)(wanted - sample->n_rows))
			sample->rows[sample->n_rows++] = i;
	sample->distances = xcalloc(wanted * (wanted - 1) / 2 + 1,
	    sizeof(double));
	for (a = 0, m = 0; a < wanted; a++)
		for (b = a + 1; b < wanted; b++)
			sample->distances[m++] = sqrt(kmeans_squared_distance(
			    data->values + sample->rows[a] * d,
			    data->values + sample->rows[b] * d, d));
}

/* Distance between sample rows a < b in the packed upper triangle. */
static double
sample_distance(const struct silhouette_sample *sample, size_t a, size_t b)
{
	size_t s = sample->n_rows;

	if (a > b) {
		size_t t = a;

		a = b;
		b = t;
	}
	return sample->distances[a * (2 * s - a - 1) / 2 + (b - a - 1)];
}

/*
 * Mean silhouette over the sample: for row i, a = mean distance to the
 * other sampled rows of its cluster, b = the least mean distance to the
 * sampled rows of another cluster, s = (b - a) / max(a, b), and s = 0
 * for a row alone in its cluster within the sample.  NAN when the sample
 * holds fewer than two clusters.
 */
static double
silhouette_score(const struct silhouette_sample *sample,
    const struct clustering *result)
{
	size_t k = result->n_clusters, s = sample->n_rows, i, j, c;
	double *sums = xcalloc(k, sizeof(double)), total = 0;
	size_t *counts = xcalloc(k, sizeof(size_t)), present = 0;

	for (i = 0; i < s; i++)
		if (counts[result->labels[sample->rows[i]]]++ == 0)
			present++;
	for (i = 0; i < s && present >= 2; i++) {
		unsigned own = result->labels[sample->rows[i]];
		double a, b = HUGE_VAL;

		memset(sums, 0, k * sizeof(double));
		for (j = 0; j < s; j++)
			if (j != i)
				sums[result->labels[sample->rows[j]]] +=
				    sample_distance(sample, i, j);
		if (counts[own] < 2)
			continue;
		a = sums[own] / (double)(counts[own] - 1);
		for (c = 0; c < k; c++)
			if (c != own && counts[c] > 0 &&
			    sums[c] / (double)counts[c] < b)
				b = sums[c] / (double)counts[c];
		if (a > 0 || b > 0)
			total += (b - a) / (a > b ? a : b);
	}
	free(sums);
	free(counts);
	return present >= 2 ? total / (double)s : NAN;
}

/* -k K1-K2: fit each k and print k, inertia and silhouette. */
static void
print_cluster_count_table(const struct options *opts,
    const struct dataset *data)
{
	struct silhouette_sample sample;
	struct clustering result;
	struct tsv_writer *out;
	double *inertia, *silhouette;
	long n_counts = opts->max_clusters - opts->min_clusters + 1, m;

	draw_silhouette_sample(opts, data, &sample);
	inertia = xcalloc((size_t)n_counts, sizeof(double));
	silhouette = xcalloc((size_t)n_counts, sizeof(double));
	for (m = 0; m < n_counts; m++) {
		fit_clusters(opts, data, (size_t)(opts->min_clusters + m),
		    &result);
		inertia[m] = result.inertia;
		silhouette[m] = silhouette_score(&sample, &result);
		clustering_free(&result);
	}
	out = tsv_writer_stdout();
	if (opts->has_header)
		tsv_writer_put_string(out, "k\tinertia\tsilhouette\n");
	for (m = 0; m < n_counts; m++) {
		tsv_writer_put_count(out, (unsigned long long)(
		    opts->min_clusters + m));
		tsv_writer_tab(out);
		tsv_writer_put_double(out, inertia[m], opts->precision);
		tsv_writer_tab(out);
		if (isnan(silhouette[m]))
			tsv_writer_put_string(out, "NA");
		else
			tsv_writer_put_double(out, silhouette[m],
			    opts->precision);
		tsv_writer_newline(out);
	}
	tsv_writer_close(out);
	free(inertia);
	free(silhouette);
	free(sample.rows);
	free(sample.distances);
}

static void
free_dataset(struct dataset *data)
{
	size_t j;

	for (j = 0; j < data->n_features; j++)
		free(data->names[j]);
	free(data->names);
	free(data->values);
	free(data->mean);
	free(data->scale);
}

/*
 * Read the --init model into *model, and the file as read into *file
 * (the caller's, so that it stays reachable if the checks end the
 * program); -k, when given, must agree with it.  The run records (seed,
 * restarts, limits) become this run's.
 */
static void
read_init_model(const struct options *opts, struct kmeans_model *model,
    struct model **file)
{
	*file = kmeans_model_read(opts->init_path, model);
	if (opts->min_clusters != 0 &&
	    (size_t)opts->min_clusters != model->n_clusters)
		diag_usage("--init %s is a model of %zu clusters, but -k "
		    "is %ld; give -k %zu or leave -k out", opts->init_path,
		    model->n_clusters, opts->min_clusters, model->n_clusters);
	model->seed = opts->seed;
	model->restarts = 1;
	model->max_iterations = opts->max_iterations;
	model->tolerance = opts->tolerance;
}

/* Rows read against a model: its features, found by name. */
struct model_input {
	struct tsv_reader *reader;
	struct field_list columns;
	double *raw;			/* the row's features, unscaled */
	unsigned long long skipped;	/* --skip-invalid */
};

static void
model_input_open(const struct options *opts, const struct model *file,
    struct model_input *input)
{
	input->reader = tsv_reader_open(opts->input_path, opts->has_header);
	input->columns = model_match_columns(file, input->reader);
	input->raw = xcalloc(file->n_features, sizeof(double));
	input->skipped = 0;
}

/*
 * The next row's features, scaled as the model scales, into scaled;
 * false at the end of the input.  Rows with a bad value end the program,
 * or with --skip-invalid are counted and passed over.
 */
static bool
model_input_next(const struct options *opts,
    const struct kmeans_model *model, struct model_input *input,
    double *scaled)
{
	size_t d = model->n_features, j;

	while (tsv_reader_next_row(input->reader)) {
		for (j = 0; j < d; j++) {
			size_t column = input->columns.columns[j];

			if (!opts->skip_invalid)
				input->raw[j] = tsv_reader_field_double(
				    input->reader, column);
			else if (!tsv_reader_field_try_double(input->reader,
			    column, &input->raw[j]))
				break;
		}
		if (j == d) {
			kmeans_model_scale_row(model, input->raw, scaled);
			return true;
		}
		input->skipped++;
	}
	return false;
}

static void
model_input_close(struct model_input *input)
{
	const char *name = tsv_reader_display_name(input->reader);

	if (input->skipped > 0)
		diag_warn("%s: skipped %llu row%s with an empty, non-numeric "
		    "or non-finite value", name, input->skipped,
		    input->skipped == 1 ? "" : "s");
	diag_verbose("%s: %llu rows, %zu columns", name,
	    tsv_reader_row_count(input->reader) - input->skipped,
	    input->columns.n_fields);
	field_list_free(&input->columns);
	free(input->raw);
	tsv_reader_close(input->reader);
}

static void
report_end_of_run(const struct kmeans_model *model)
{
	if (model->state == KMEANS_STATE_ITERATING)
		diag_verbose("iteration %ld done; the next step starts from "
		    "this model", model->iterations);
	else
		diag_verbose("%s after %ld iteration%s: inertia %.10g",
		    model->state == KMEANS_STATE_CONVERGED ? "converged" :
		    "stopped by --max-iterations", model->iterations,
		    model->iterations == 1 ? "" : "s", model->inertia);
}

/*
 * Refuse a step whose statistics overflow, before they become a partial
 * or the next centroids: an --init model whose scale is tiny, or whose
 * centroids lie far from the rows, can scale rows past the largest
 * double, and partials can add up past it.
 */
static void
check_finite_step(const struct options *opts,
    const struct step_statistics *stats)
{
	if (step_statistics_finite(stats))
		return;
	if (opts->merge)
		diag_fatal("the sums of the %d partial file%s overflow a "
		    "double once added", opts->n_partial_paths,
		    opts->n_partial_paths == 1 ? "" : "s");
	diag_fatal("%s: scaled as %s scales them, the rows overflow a "
	    "double in the sums of a step", cli_display_name(opts->input_path),
	    opts->init_path);
}

/*
 * --partial: the map of one Lloyd step over this input, streaming, then
 * the partial file.
 */
static void
run_partial(const struct options *opts)
{
	struct kmeans_model model;
	struct model *file;
	size_t k, d;
	struct model_input input;
	struct step_statistics stats;
	struct kmeans_search search;
	double *row, *distances;

	read_init_model(opts, &model, &file);
	k = model.n_clusters;
	d = model.n_features;
	row = xcalloc(d, sizeof(double));
	model_input_open(opts, file, &input);
	step_statistics_init(&stats, k, d);
	kmeans_search_init(&search, model.centroids, k, d);
	distances = xcalloc(search.n_blocks * KMEANS_LANES, sizeof(double));
	while (model_input_next(opts, &model, &input, row))
		step_statistics_add_row(&stats, &search, row, distances);
	model_input_close(&input);
	check_finite_step(opts, &stats);
	step_statistics_write_partial(opts->output_path, &stats, &model,
	    file);
	free(row);
	free(distances);
	kmeans_search_free(&search);
	step_statistics_free(&stats);
	kmeans_model_free(&model);
	model_free(file);
}

/*
 * --merge: the reduce.  The step count goes on from an iterating model
 * and starts at 0 from a finished one.
 */
static void
run_merge(const struct options *opts)
{
	struct kmeans_model model;
	struct model *file;
	struct step_statistics stats;
	int i;

	read_init_model(opts, &model, &file);
	if (model.state != KMEANS_STATE_ITERATING)
		model.iterations = 0;
	step_statistics_init(&stats, model.n_clusters, model.n_features);
	for (i = 0; i < opts->n_partial_paths; i++)
		step_statistics_merge_partial(&stats, opts->partial_paths[i],
		    &model, file);
	if (stats.n_rows == 0)
		diag_fatal("no data rows in the %d partial file%s",
		    opts->n_partial_paths, opts->n_partial_paths == 1 ? "" :
		    "s");
	check_finite_step(opts, &stats);
	diag_verbose("merged %d partial file%s: %llu rows",
	    opts->n_partial_paths, opts->n_partial_paths == 1 ? "" : "s",
	    stats.n_rows);
	lloyd_step_reduce(&model, &stats, opts->max_iterations,
	    opts->tolerance);
	report_end_of_run(&model);
	kmeans_model_write(opts->output_path, &model,
	    (const char *const *)file->features);
	step_statistics_free(&stats);
	kmeans_model_free(&model);
	model_free(file);
}

/* Every row of the input, scaled, n x d in memory; returns n. */
static size_t
read_rows_for_model(const struct options *opts,
    const struct kmeans_model *model, const struct model *file,
    double **rows)
{
	struct model_input input;
	size_t d = model->n_features, n = 0, capacity = 0;

	*rows = NULL;
	model_input_open(opts, file, &input);
	for (;;) {
		if (n == capacity) {
			capacity = capacity * 2 + 4096;
			*rows = xreallocarray(*rows, capacity,
			    d * sizeof(double));
		}
		if (!model_input_next(opts, model, &input, *rows + n * d))
			break;
		n++;
	}
	if (n == 0)
		diag_fatal("%s: no data rows to fit",
		    tsv_reader_display_name(input.reader));
	model_input_close(&input);
	return n;
}

/*
 * --init without --partial or --merge: the steps of a run over shards,
 * in one process over all the rows taken as a single shard, so one
 * shard gives the same model bit for bit.
 */
static void
run_from_init(const struct options *opts)
{
	struct kmeans_model model;
	struct model *file;
	size_t k, d, n, i;
	struct step_statistics stats;
	struct kmeans_search search;
	double *rows, *distances;

	read_init_model(opts, &model, &file);
	k = model.n_clusters;
	d = model.n_features;
	n = read_rows_for_model(opts, &model, file, &rows);
	kmeans_search_init(&search, model.centroids, k, d);
	distances = xcalloc(search.n_blocks * KMEANS_LANES, sizeof(double));
	model.iterations = 0;
	do {
		step_statistics_init(&stats, k, d);
		for (i = 0; i < n; i++)
			step_statistics_add_row(&stats, &search, rows + i * d,
			    distances);
		check_finite_step(opts, &stats);
		lloyd_step_reduce(&model, &stats, opts->max_iterations,
		    opts->tolerance);
		step_statistics_free(&stats);
		kmeans_search_update(&search, model.centroids);
	} while (model.state == KMEANS_STATE_ITERATING);
	report_end_of_run(&model);
	kmeans_model_write(opts->output_path, &model,
	    (const char *const *)file->features);
	free(rows);
	free(distances);
	kmeans_search_free(&search);
	kmeans_model_free(&model);
	model_free(file);
}

/* The k-means++ fit of -k K, or the table of a range of K. */
static void
run_fit(const struct options *opts)
{
	struct dataset data;
	struct clustering result;

	read_dataset(opts, &data);
	prepare_columns(opts, &data);
	if (opts->cluster_range)
		print_cluster_count_table(opts, &data);
	else {
		fit_clusters(opts, &data, (size_t)opts->min_clusters,
		    &result);
		/* The spread check leaves a factor of k or so of headroom. */
		if (!isfinite(result.inertia))
			diag_fatal("%s: the inertia overflows a double: the "
			    "rows are spread too widely",
			    cli_display_name(opts->input_path));
		order_clusters(&data, &result);
		write_model(opts, &data, &result);
		clustering_free(&result);
	}
	free_dataset(&data);
}

int
main(int argc, char **argv)
{
	struct options opts;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	check_option_conflicts(&opts);

	if (opts.merge)
		run_merge(&opts);
	else if (opts.partial)
		run_partial(&opts);
	else if (opts.init_path != NULL)
		run_from_init(&opts);
	else
		run_fit(&opts);
	return 0;
}
