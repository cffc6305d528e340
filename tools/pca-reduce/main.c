/*
 * pca-reduce - principal component analysis of TSV columns: fit, save,
 * load and project.
 *
 * Input: TSV with a header (unless --no-header); -f picks the numeric
 * columns to fit on (every column not in --keep by default), --keep the
 * columns copied to the output unchanged.  Output: the kept columns, then
 * PC1..PCk for every input row, in input order.
 *
 * Fitting reads the data once, accumulating the mean and co-moment matrix
 * in blocks (common/moments.c), then takes the eigen-decomposition of the
 * covariance (or, with --standardize, the correlation) with LAPACKE.
 * Each component's entry of largest magnitude is made positive.  With
 * -m, rows are projected one at a time with a saved model, in constant
 * memory.  Limits: the rows to be printed after a fit are held in memory
 * (their selected values as doubles and their kept fields as text);
 * --fit-only with -o holds none.
 */
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "field_list.h"
#include "linalg.h"
#include "model_file.h"
#include "moments.h"
#include "numeric_parse.h"
#include "statistics.h"
#include "tsv_reader.h"
#include "tsv_writer.h"

#define MODEL_KIND "pca"
#define MODEL_VERSION 1
#define DEFAULT_COMPONENTS 2
#define SIGN_RULE "largest-magnitude-positive"

static const char synopsis[] =
    "pca-reduce [-v] [-f LIST] [--keep LIST] [-n K | --variance F]\n"
    "                  [--standardize] [-o FILE [--fit-only]] "
    "[--skip-invalid]\n"
    "                  [--precision N] [--no-header] [FILE]\n"
    "       pca-reduce -m MODEL [-n K] [--keep LIST] [--skip-invalid]\n"
    "                  [--precision N] [--no-header] [FILE]\n"
    "       pca-reduce --partial [-f LIST] [--keep LIST] [-o FILE] "
    "[--skip-invalid]\n"
    "                  [--no-header] [FILE]\n"
    "       pca-reduce --merge [-v] [-n K | --variance F] [--standardize] "
    "-o FILE\n"
    "                  PARTIAL...";

static const char help_text[] =
    "usage: pca-reduce [options] [FILE]\n"
    "Fit principal components on TSV columns, or project with a saved "
    "model,\nand print the kept columns followed by PC1..PCk per row.\n"
    "\n"
    "  -f, --fields LIST    columns to fit on (default: all not kept)\n"
    "      --keep LIST      columns copied to the output unchanged\n"
    "  -n, --components K   number of components (default 2)\n"
    "      --variance F     fewest components explaining share F of "
    "variance\n"
    "      --standardize    divide centred columns by their standard "
    "deviation\n"
    "  -o, --save-model FILE  write the fitted model to FILE\n"
    "      --fit-only       with -o: write the model, print no scores\n"
    "  -m, --model FILE     project with a saved model (streaming)\n"
    "      --partial        write count, mean and co-moments of this shard "
    "(-o or stdout)\n"
    "      --merge          fit from partial files given as operands\n"
    "      --skip-invalid   skip rows with empty, NaN or non-numeric "
    "values\n"
    "      --precision N    significant digits of scores (default 6)\n"
    "      --no-header      the input has no header line\n"
    "  -v, --verbose        print eigenvalues and explained variance\n"
    "  -h, --help           print this help\n"
    "  -V, --version        print the version\n"
    "\n"
    "LIST: names, 1-based numbers, ranges (3-5) and globs (mem_*), "
    "comma-separated.\n"
    "Example: pca-reduce --standardize -n 2 --keep host -o pca.model "
    "month.tsv\n";

enum {
	OPTION_KEEP = CLI_LONG_OPTION_BASE,
	OPTION_VARIANCE,
	OPTION_STANDARDIZE,
	OPTION_FIT_ONLY,
	OPTION_PARTIAL,
	OPTION_MERGE,
	OPTION_SKIP_INVALID,
	OPTION_PRECISION,
	OPTION_NO_HEADER
};

struct options {
	const char *fields;		/* -f: columns to fit on */
	const char *keep;		/* --keep: columns copied through */
	long n_components;		/* -n; 0 when not given */
	double variance_share;		/* --variance; 0 when not given */
	bool standardize;		/* --standardize */
	const char *save_model_path;	/* -o */
	bool fit_only;			/* --fit-only */
	const char *model_path;		/* -m */
	bool partial;			/* --partial */
	bool merge;			/* --merge */
	char **partial_paths;		/* --merge operands */
	int n_partial_paths;
	bool skip_invalid;		/* --skip-invalid */
	int precision;			/* --precision */
	bool has_header;		/* false with --no-header */
	const char *input_path;		/* operand; "-" is stdin */
};

/* A fitted or loaded model: scores = ((x - mean) / scale) . component */
struct pca_model {
	size_t n_features;
	size_t n_components;
	double n_rows;
	bool standardized;
	double *mean;			/* n_features */
	double *scale;			/* n_features; 1 when unscaled */
	double *eigenvalues;		/* n_features, descending */
	double *ratios;			/* n_features */
	double *components;		/* n_components x n_features */
};

/* The rows a fit must print after it, held until the model is known. */
struct stored_rows {
	size_t n_rows, capacity, dimension;
	double *values;			/* n_rows x dimension */
	char *kept_text;		/* kept fields, tab-joined, NUL-ended */
	size_t kept_used, kept_capacity;
	size_t *kept_offsets;		/* n_rows */
};

static void
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "fields", required_argument, NULL, 'f' },
		{ "keep", required_argument, NULL, OPTION_KEEP },
		{ "components", required_argument, NULL, 'n' },
		{ "variance", required_argument, NULL, OPTION_VARIANCE },
		{ "standardize", no_argument, NULL, OPTION_STANDARDIZE },
		{ "save-model", required_argument, NULL, 'o' },
		{ "fit-only", no_argument, NULL, OPTION_FIT_ONLY },
		{ "model", required_argument, NULL, 'm' },
		{ "partial", no_argument, NULL, OPTION_PARTIAL },
		{ "merge", no_argument, NULL, OPTION_MERGE },
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
	opts->precision = NUMBER_DEFAULT_PRECISION;
	opts->has_header = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:n:o:m:vhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'f':
			opts->fields = optarg;
			break;
		case OPTION_KEEP:
			opts->keep = optarg;
			break;
		case 'n':
			opts->n_components = option_parse_long("-n", optarg,
			    1, 1000000);
			break;
		case OPTION_VARIANCE:
			opts->variance_share = option_parse_double(
			    "--variance", optarg, 1e-12, 1);
			break;
		case OPTION_STANDARDIZE:
			opts->standardize = true;
			break;
		case 'o':
			opts->save_model_path = optarg;
			break;
		case OPTION_FIT_ONLY:
			opts->fit_only = true;
			break;
		case 'm':
			opts->model_path = optarg;
			break;
		case OPTION_PARTIAL:
			opts->partial = true;
			break;
		case OPTION_MERGE:
			opts->merge = true;
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
	if (opts->merge) {
		if (optind == argc)
			diag_usage("--merge needs one or more partial files");
		opts->partial_paths = argv + optind;
		opts->n_partial_paths = argc - optind;
		return;
	}
	opts->input_path = cli_input_operand(argc, argv);
}

static void
check_option_conflicts(const struct options *opts)
{
	if (opts->n_components > 0 && opts->variance_share > 0)
		diag_usage("-n and --variance cannot be used together");
	if (opts->fit_only && opts->save_model_path == NULL)
		diag_usage("--fit-only needs -o FILE");
	if (opts->partial && (opts->merge || opts->model_path != NULL ||
	    opts->standardize || opts->n_components > 0 ||
	    opts->variance_share > 0 || opts->fit_only))
		diag_usage("--partial only gathers statistics: it takes -f, "
		    "--keep, -o, --skip-invalid and --no-header");
	if (opts->merge && (opts->model_path != NULL ||
	    opts->fields != NULL || opts->keep != NULL ||
	    opts->save_model_path == NULL))
		diag_usage("--merge fits from partial files: it needs -o FILE "
		    "and takes no -m, -f or --keep");
	if (opts->model_path == NULL)
		return;
	if (opts->save_model_path != NULL || opts->fit_only)
		diag_usage("-m projects with a saved model; -o and "
		    "--fit-only are for fitting");
	if (opts->fields != NULL || opts->standardize ||
	    opts->variance_share > 0)
		diag_usage("-m takes its columns and scaling from the model; "
		    "-f, --standardize and --variance are for fitting");
}

static void
store_row(struct stored_rows *rows, const struct tsv_reader *reader,
    const struct field_list *keep, const double *values)
{
	size_t j, needed = 1;

	if (rows->n_rows == rows->capacity) {
		rows->capacity = rows->capacity * 2 + 1024;
		rows->values = xreallocarray(rows->values, rows->capacity,
		    rows->dimension * sizeof(double));
		rows->kept_offsets = xreallocarray(rows->kept_offsets,
		    rows->capacity, sizeof(size_t));
	}
	memcpy(rows->values + rows->n_rows * rows->dimension, values,
	    rows->dimension * sizeof(double));
	for (j = 0; j < keep->n_fields; j++)
		needed += tsv_reader_field_length(reader, keep->columns[j]) + 1;
	if (rows->kept_used + needed > rows->kept_capacity) {
		rows->kept_capacity = (rows->kept_used + needed) * 2;
		rows->kept_text = xreallocarray(rows->kept_text,
		    rows->kept_capacity, 1);
	}
	rows->kept_offsets[rows->n_rows++] = rows->kept_used;
	for (j = 0; j < keep->n_fields; j++) {
		size_t length = tsv_reader_field_length(reader,
		    keep->columns[j]);

		memcpy(rows->kept_text + rows->kept_used, tsv_reader_field(
		    reader, keep->columns[j]), length);
		rows->kept_used += length;
		rows->kept_text[rows->kept_used++] = '\t';
	}
	rows->kept_text[rows->kept_used++] = '\0';
}

/*
 * Scale of each column: its sample standard deviation with
 * --standardize, else 1.  A constant column (minimum equal to maximum)
 * keeps scale 1 and is named in a warning: it is all zero once centred.
 * A column that varies, but whose variance underflows to a subnormal
 * number or 0, has no standard deviation to divide by: refused.
 */
static void
choose_scales(const char *source, const struct moments *moments,
    const double *minimum, const double *maximum, const char *const *names,
    bool standardize, double *scale)
{
	size_t d = moments->dimension, j;
	double variance;

	for (j = 0; j < d; j++) {
		scale[j] = 1;
		if (minimum[j] == maximum[j]) {
			diag_warn("column '%s' is constant; it adds nothing "
			    "to the components%s", names[j], standardize ?
			    " and is left unscaled" : "");
			continue;
		}
		if (!standardize)
			continue;
		variance = moments->comoment[j * d + j] /
		    (moments->count - 1);
		if (!(variance >= DBL_MIN))
			diag_fatal("%s: --standardize: column '%s' varies too "
			    "little: its variance underflows a double, so "
			    "dividing by its standard deviation is not "
			    "finite", source, names[j]);
		scale[j] = sqrt(variance);
	}
}

/*
 * Make the entry of largest magnitude of each component positive.  Ties
 * (within a relative 1e-9, so rounding cannot decide) go to the first
 * column.
 */
static void
fix_component_signs(size_t n_components, size_t d, double *components)
{
	size_t i, j, chosen;
	double largest;

	for (i = 0; i < n_components; i++) {
		double *v = components + i * d;

		largest = 0;
		for (j = 0; j < d; j++)
			if (fabs(v[j]) > largest)
				largest = fabs(v[j]);
		for (chosen = 0; chosen < d; chosen++)
			if (fabs(v[chosen]) >= largest * (1 - 1e-9))
				break;
		if (v[chosen] < 0)
			for (j = 0; j < d; j++)
				v[j] = -v[j];
	}
}

/*
 * The number of components to keep: -n, or the fewest whose ratios add
 * up to --variance, or the default; refused past min(rows - 1, columns)
 * and past the numerical rank (eigenvalues above d * eps * largest).
 */
static size_t
choose_component_count(const struct options *opts,
    const struct pca_model *model)
{
	size_t d = model->n_features, defined, rank = 0, k, i;
	double cumulative = 0;

	defined = (size_t)model->n_rows - 1 < d ? (size_t)model->n_rows - 1 :
	    d;
	for (i = 0; i < d; i++)
		if (model->eigenvalues[i] > model->eigenvalues[0] *
		    (double)(d > 16 ? d : 16) * 2.220446049250313e-16)
			rank++;
	if (opts->variance_share > 0) {
		for (k = 0; k < rank; k++) {
			cumulative += model->ratios[k];
			if (cumulative >= opts->variance_share - 1e-12)
				break;
		}
		return k < rank ? k + 1 : rank;
	}
	k = opts->n_components > 0 ? (size_t)opts->n_components :
	    DEFAULT_COMPONENTS;
	if (k > defined)
		diag_fatal("%zu components asked, but at most min(rows - 1, "
		    "columns) = %zu %s defined", k, defined,
		    defined == 1 ? "is" : "are");
	if (k > rank)
		diag_fatal("%zu components asked, but the data have rank %zu: "
		    "component %zu has no variance", k, rank, rank + 1);
	return k;
}

static void
report_variance_table(const struct pca_model *model)
{
	size_t i;
	double cumulative = 0;

	diag_verbose("%.0f rows, %zu columns", model->n_rows,
	    model->n_features);
	diag_verbose("component\teigenvalue\tratio\tcumulative");
	for (i = 0; i < model->n_features; i++) {
		cumulative += model->ratios[i];
		diag_verbose("PC%zu\t%.6g\t%.6f\t%.6f%s", i + 1,
		    model->eigenvalues[i], model->ratios[i], cumulative,
		    i < model->n_components ? "\tkept" : "");
	}
}

/*
 * Refuse statistics whose co-moments overflow (values spread wider than
 * about 1e154), naming the source and the column, before LAPACK is
 * handed a matrix that is not finite.
 */
static void
check_finite_statistics(const char *source,
    const struct column_statistics *stats)
{
	char problem[256];

	if (!moments_finite(&stats->moments,
	    (const char *const *)stats->names, problem, sizeof(problem)))
		diag_fatal("%s: %s", source, problem);
}

/*
 * The message when every eigenvalue is zero: true of constant columns,
 * and of columns that vary by less than a double's variance can hold.
 */
static void
report_zero_variance(const struct column_statistics *stats)
{
	size_t j;

	for (j = 0; j < stats->dimension; j++)
		if (stats->minimum[j] != stats->maximum[j])
			diag_fatal("total variance is zero in double "
			    "precision: every selected column is constant or "
			    "its variance underflows (column '%s' is not "
			    "constant)", stats->names[j]);
	diag_fatal("total variance is zero: every selected column is "
	    "constant");
}

/* Eigen-decomposition of the (scaled) covariance into model. */
static void
fit_model(const struct options *opts, const char *source,
    const struct column_statistics *stats, struct pca_model *model)
{
	const struct moments *moments = &stats->moments;
	size_t d = moments->dimension, i, j;
	double *covariance, *vectors;
	double total = 0;

	check_finite_statistics(source, stats);
	covariance = xcalloc(d * d, sizeof(double));
	vectors = xcalloc(d * d, sizeof(double));

	model->n_features = d;
	model->n_rows = moments->count;
	model->standardized = opts->standardize;
	model->mean = xcalloc(d, sizeof(double));
	memcpy(model->mean, moments->mean, d * sizeof(double));
	model->scale = xcalloc(d, sizeof(double));
	choose_scales(source, moments, stats->minimum, stats->maximum,
	    (const char *const *)stats->names, opts->standardize,
	    model->scale);
	moments_covariance(moments, 1, covariance);
	for (i = 0; i < d; i++)
		for (j = 0; j < d; j++)
			covariance[i * d + j] /= model->scale[i] *
			    model->scale[j];
	model->eigenvalues = xcalloc(d, sizeof(double));
	model->ratios = xcalloc(d, sizeof(double));
	symmetric_eigen_descending(d, covariance, model->eigenvalues,
	    vectors);
	for (i = 0; i < d; i++) {
		if (model->eigenvalues[i] < 0)
			model->eigenvalues[i] = 0;
		total += model->eigenvalues[i];
	}
	if (!isfinite(total))
		diag_fatal("%s: the total variance of the selected columns "
		    "overflows a double", source);
	if (!(total > 0))
		report_zero_variance(stats);
	for (i = 0; i < d; i++)
		model->ratios[i] = model->eigenvalues[i] / total;
	model->n_components = choose_component_count(opts, model);
	fix_component_signs(model->n_components, d, vectors);
	model->components = vectors;
	free(covariance);
	report_variance_table(model);
}

static void
save_model(const char *path, const struct pca_model *model,
    const char *const *feature_names)
{
	struct model_writer *writer = model_writer_open(path, MODEL_KIND,
	    MODEL_VERSION, feature_names, model->n_features);
	size_t d = model->n_features, i;
	char key[32];

	model_writer_put_count_record(writer, "rows",
	    (unsigned long long)model->n_rows);
	model_writer_put_count_record(writer, "standardized",
	    model->standardized);
	model_writer_begin(writer, "sign_rule");
	model_writer_put_string(writer, SIGN_RULE);
	model_writer_end(writer);
	model_writer_put_record(writer, "mean", model->mean, d);
	model_writer_put_record(writer, "scale", model->scale, d);
	model_writer_put_record(writer, "eigenvalue", model->eigenvalues, d);
	model_writer_put_record(writer, "ratio", model->ratios, d);
	for (i = 0; i < model->n_components; i++) {
		snprintf(key, sizeof(key), "PC%zu", i + 1);
		model_writer_put_record(writer, key,
		    model->components + i * d, d);
	}
	model_writer_commit(writer);
}

static void
load_model(const struct model *file, long n_components_wanted,
    struct pca_model *model)
{
	size_t d = file->n_features, i, j;
	char key[32];

	memset(model, 0, sizeof(*model));
	model->n_features = d;
	model->mean = xcalloc(d, sizeof(double));
	model->scale = xcalloc(d, sizeof(double));
	model->eigenvalues = xcalloc(d, sizeof(double));
	model->ratios = xcalloc(d, sizeof(double));
	model_read_record(file, "mean", 0, d, model->mean);
	model_read_record(file, "scale", 0, d, model->scale);
	model_read_record(file, "eigenvalue", 0, d, model->eigenvalues);
	model_read_record(file, "ratio", 0, d, model->ratios);
	for (j = 0; j < d; j++)
		if (!(model->scale[j] > 0))
			diag_fatal_at(file->path, model_require(file, "scale",
			    d)->line_number, "scale %zu is not positive",
			    j + 1);
	for (i = 0; i < d; i++) {
		snprintf(key, sizeof(key), "PC%zu", i + 1);
		if (model_find(file, key, 0, 0) == NULL)
			break;
	}
	if (i == 0)
		diag_fatal_at(file->path, 0, "model has no components "
		    "(truncated or damaged file?)");
	if (n_components_wanted > (long)i)
		diag_fatal("%ld components asked, but the model %s has %zu",
		    n_components_wanted, file->path, i);
	model->n_components = n_components_wanted > 0 ?
	    (size_t)n_components_wanted : i;
	model->components = xcalloc(model->n_components * d, sizeof(double));
	for (i = 0; i < model->n_components; i++) {
		snprintf(key, sizeof(key), "PC%zu", i + 1);
		model_read_record(file, key, 0, d, model->components + i * d);
	}
}

/* scores[i] = sum_j (x_j - mean_j) / scale_j * component_i[j] */
static void
project_row(const struct pca_model *model, const double *values,
    double *centred, double *scores)
{
	size_t d = model->n_features, i, j;

	for (j = 0; j < d; j++)
		centred[j] = (values[j] - model->mean[j]) / model->scale[j];
	for (i = 0; i < model->n_components; i++) {
		double sum = 0;

		for (j = 0; j < d; j++)
			sum += centred[j] * model->components[i * d + j];
		scores[i] = sum;
	}
}

static void
write_header(struct tsv_writer *out, const struct tsv_reader *reader,
    const struct field_list *keep, size_t n_components)
{
	size_t j;

	if (!tsv_reader_has_header(reader))
		return;
	for (j = 0; j < keep->n_fields; j++) {
		tsv_writer_put_string(out, tsv_reader_column_name(reader,
		    keep->columns[j]));
		tsv_writer_tab(out);
	}
	for (j = 0; j < n_components; j++) {
		char name[32];

		snprintf(name, sizeof(name), "%sPC%zu", j > 0 ? "\t" : "",
		    j + 1);
		tsv_writer_put_string(out, name);
	}
	tsv_writer_newline(out);
}

static void
write_scores(struct tsv_writer *out, const double *scores, size_t n,
    int precision)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			tsv_writer_tab(out);
		tsv_writer_put_double(out, scores[i], precision);
	}
	tsv_writer_newline(out);
}

/* Select the feature and kept columns of a fit from the options. */
static void
select_columns(const struct options *opts, const struct tsv_reader *reader,
    struct field_list *fields, struct field_list *keep)
{
	const char *const *names = tsv_reader_column_names(reader);
	size_t n_columns = tsv_reader_n_columns(reader);

	*keep = opts->keep != NULL ? field_list_parse("--keep", opts->keep,
	    names, n_columns) : (struct field_list){ 0, NULL };
	*fields = opts->fields != NULL ? field_list_parse("-f", opts->fields,
	    names, n_columns) : field_list_complement(keep, 1, n_columns);
	if (fields->n_fields == 0)
		diag_usage("no columns to fit on");
}

static void
free_model(struct pca_model *model)
{
	free(model->mean);
	free(model->scale);
	free(model->eigenvalues);
	free(model->ratios);
	free(model->components);
}

/*
 * A row far enough from the model's mean (past about 1e308, which the
 * rows of the fit cannot be) has scores that overflow: refused rather
 * than printed as inf or NaN.
 */
static void
check_finite_scores(const struct tsv_reader *reader, const double *scores,
    size_t n_components)
{
	size_t i;

	for (i = 0; i < n_components; i++)
		if (!isfinite(scores[i]))
			diag_fatal_at(tsv_reader_display_name(reader),
			    tsv_reader_line_number(reader), "the score on "
			    "PC%zu overflows a double: the row is too far "
			    "from the model's mean", i + 1);
}

static void
run_projection(const struct options *opts)
{
	struct model *file = model_read(opts->model_path, MODEL_KIND,
	    MODEL_VERSION);
	struct tsv_reader *reader = tsv_reader_open(opts->input_path,
	    opts->has_header);
	struct tsv_writer *out = tsv_writer_stdout();
	struct field_list fields, keep = { 0, NULL };
	struct pca_model model;
	double *values, *centred, *scores;
	unsigned long long skipped = 0;
	size_t j;

	tsv_writer_keep_rows_on_error(out);
	load_model(file, opts->n_components, &model);
	if (tsv_reader_n_columns(reader) == 0)
		diag_fatal("%s: empty input", tsv_reader_display_name(reader));
	fields = model_match_columns(file, reader);
	if (opts->keep != NULL)
		keep = field_list_parse("--keep", opts->keep,
		    tsv_reader_column_names(reader),
		    tsv_reader_n_columns(reader));
	values = xcalloc(model.n_features, sizeof(double));
	centred = xcalloc(model.n_features, sizeof(double));
	scores = xcalloc(model.n_components, sizeof(double));
	write_header(out, reader, &keep, model.n_components);
	while (tsv_reader_next_row(reader)) {
		if (!tsv_reader_fields_double(reader, &fields,
		    opts->skip_invalid, values)) {
			skipped++;
			continue;
		}
		project_row(&model, values, centred, scores);
		check_finite_scores(reader, scores, model.n_components);
		for (j = 0; j < keep.n_fields; j++) {
			tsv_writer_put(out, tsv_reader_field(reader,
			    keep.columns[j]), tsv_reader_field_length(reader,
			    keep.columns[j]));
			tsv_writer_tab(out);
		}
		write_scores(out, scores, model.n_components, opts->precision);
	}
	tsv_reader_report_skipped(reader, skipped);
	tsv_writer_close(out);
	free(values);
	free(centred);
	free(scores);
	free_model(&model);
	field_list_free(&fields);
	field_list_free(&keep);
	tsv_reader_close(reader);
	model_free(file);
}

/* Print the stored rows' kept fields and scores under the fitted model. */
static void
print_stored_rows(const struct options *opts, const struct tsv_reader *reader,
    const struct field_list *keep, const struct stored_rows *rows,
    const struct pca_model *model)
{
	struct tsv_writer *out = tsv_writer_stdout();
	double *centred = xcalloc(model->n_features, sizeof(double));
	double *scores = xcalloc(model->n_components, sizeof(double));
	size_t i;

	write_header(out, reader, keep, model->n_components);
	for (i = 0; i < rows->n_rows; i++) {
		tsv_writer_put_string(out, rows->kept_text +
		    rows->kept_offsets[i]);
		project_row(model, rows->values + i * rows->dimension, centred,
		    scores);
		write_scores(out, scores, model->n_components,
		    opts->precision);
	}
	tsv_writer_close(out);
	free(centred);
	free(scores);
}

/* Refuse statistics that define no covariance. */
static void
check_enough_rows(const char *source, const struct column_statistics *stats)
{
	double count = stats->moments.count;

	if (count < 2)
		diag_fatal("%s: %.0f data row%s: a fit needs at least 2",
		    source, count, count == 1 ? "" : "s");
}

static void
run_fit(const struct options *opts)
{
	struct tsv_reader *reader = tsv_reader_open(opts->input_path,
	    opts->has_header);
	bool keep_rows = !opts->fit_only && !opts->partial;
	struct column_statistics stats;
	struct field_list fields, keep;
	struct stored_rows rows;
	struct pca_model model;
	const char **names;
	double *values;
	unsigned long long skipped = 0;
	size_t d, j;

	if (tsv_reader_n_columns(reader) == 0)
		diag_fatal("%s: empty input, no data rows to fit",
		    tsv_reader_display_name(reader));
	select_columns(opts, reader, &fields, &keep);
	d = fields.n_fields;
	names = xcalloc(d, sizeof(char *));
	for (j = 0; j < d; j++)
		names[j] = tsv_reader_column_name(reader, fields.columns[j]);
	values = xcalloc(d, sizeof(double));
	memset(&rows, 0, sizeof(rows));
	rows.dimension = d;
	statistics_init(&stats, d, names);

	while (tsv_reader_next_row(reader)) {
		if (!tsv_reader_fields_double(reader, &fields,
		    opts->skip_invalid, values)) {
			skipped++;
			continue;
		}
		statistics_add(&stats, values);
		if (keep_rows)
			store_row(&rows, reader, &keep, values);
		if ((tsv_reader_row_count(reader) & 0xffff) == 0)
			diag_progress("rows read",
			    tsv_reader_row_count(reader));
	}
	diag_progress_end();
	statistics_flush(&stats);
	tsv_reader_report_skipped(reader, skipped);

	if (opts->partial) {
		check_finite_statistics(tsv_reader_display_name(reader),
		    &stats);
		statistics_write_partial(opts->save_model_path != NULL ?
		    opts->save_model_path : "-", &stats);
	} else {
		check_enough_rows(tsv_reader_display_name(reader), &stats);
		fit_model(opts, tsv_reader_display_name(reader), &stats,
		    &model);
		if (opts->save_model_path != NULL)
			save_model(opts->save_model_path, &model, names);
		if (keep_rows)
			print_stored_rows(opts, reader, &keep, &rows, &model);
		free_model(&model);
	}

	statistics_free(&stats);
	free(rows.values);
	free(rows.kept_text);
	free(rows.kept_offsets);
	free(values);
	free(names);
	field_list_free(&fields);
	field_list_free(&keep);
	tsv_reader_close(reader);
}

/* Fit from the merged statistics of partial files and save the model. */
static void
run_merge(const struct options *opts)
{
	struct column_statistics stats;
	struct pca_model model;
	int i;

	memset(&stats, 0, sizeof(stats));
	for (i = 0; i < opts->n_partial_paths; i++)
		statistics_merge_partial(&stats, opts->partial_paths[i]);
	check_enough_rows("partials", &stats);
	diag_verbose("merged %d partial%s", opts->n_partial_paths,
	    opts->n_partial_paths == 1 ? "" : "s");
	fit_model(opts, "partials", &stats, &model);
	save_model(opts->save_model_path, &model,
	    (const char *const *)stats.names);
	free_model(&model);
	statistics_free(&stats);
}

int
main(int argc, char **argv)
{
	struct options opts;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	check_option_conflicts(&opts);
	if (opts.model_path != NULL)
		run_projection(&opts);
	else if (opts.merge)
		run_merge(&opts);
	else
		run_fit(&opts);
	return 0;
}
