/*
 * fleet-simulate - generate the built-in fleet the monthly batch runs on
 * in the demo and the tests: a data folder of months, deterministic from
 * a seed.
 *
 * Output: DIR/YYYY-MM/ for each month, holding
 *	metrics.tsv	item, entity, window, six workload metrics, five
 *			performance metrics (one row per entity and window)
 *	votes.tsv	item, annotator, vote (+1 normal, -1 abnormal), time
 *	predictions.tsv	item, truth, predicted (normal or abnormal)
 *
 * The fleet: every entity runs one workload type (web, batch, database,
 * cache), with its own level of each workload metric around the type's;
 * each window varies around the entity's level.  Performance metrics
 * follow the workload by fixed formulas, with noise.  Planted events:
 * from --drift-month on, a share of the entities switches to a new
 * workload type (ml-training); for --regression-length months from
 * --regression-month, latencies and CPU ready time worsen month by
 * month, then recover; a share of rows (--anomaly-rate) are anomalies,
 * with spiked tail latency, errors and ready time.  Votes come from eight
 * honest annotators, one who over-reports abnormal and one who
 * under-reports; predictions from a detector that misses some anomalies
 * and raises false alarms, more of them on a workload it has not seen.
 *
 * Randomness: three generators from common/random, for metrics, votes
 * and predictions, each seeded from --seed, so changing the vote options
 * leaves the metrics as they were.  Limits: the workload types, metric
 * formulas and annotator behaviours are built in (see the man page).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "numeric_parse.h"
#include "random.h"
#include "tsv_writer.h"

#define N_WORKLOAD_METRICS 6
#define N_PERFORMANCE_METRICS 5
#define N_BASE_TYPES 4
#define NEW_TYPE N_BASE_TYPES	/* index of the type planted later */
#define N_HONEST_ANNOTATORS 8
#define N_ANNOTATORS (N_HONEST_ANNOTATORS + 2)
#define OVER_REPORTER N_HONEST_ANNOTATORS
#define UNDER_REPORTER (N_HONEST_ANNOTATORS + 1)
#define SECONDS_PER_WINDOW 3600

static const char synopsis[] =
    "fleet-simulate [-v] [-s SEED] [-o DIR] [--entities N] [--months N]\n"
    "                      [--start YYYY-MM] [--windows N] "
    "[--drift-month I]\n"
    "                      [--regression-month I] "
    "[--regression-length N]\n"
    "                      [--anomaly-rate F] [--vote-share F] "
    "[--votes-per-item N]\n"
    "                      [--precision N]";

static const char help_text[] =
    "usage: fleet-simulate [options]\n"
    "Write a simulated fleet, one folder per month with metrics.tsv,\n"
    "votes.tsv and predictions.tsv, deterministic from the seed.\n"
    "\n"
    "  -o, --output DIR          data folder to write (default fleet)\n"
    "  -s, --seed N              seed of the generators (default 1)\n"
    "      --entities N          entities in the fleet (default 300)\n"
    "      --months N            months to write (default 10)\n"
    "      --start YYYY-MM       first month (default 2026-02)\n"
    "      --windows N           time windows per entity and month "
    "(default 8)\n"
    "      --drift-month I       month (1-based) the new workload "
    "appears;\n"
    "                            0 for none (default 6)\n"
    "      --regression-month I  first month of the performance "
    "regression;\n"
    "                            0 for none (default 8)\n"
    "      --regression-length N months the regression lasts "
    "(default 3)\n"
    "      --anomaly-rate F      share of rows that are anomalies "
    "(default 0.15)\n"
    "      --vote-share F        share of rows that get votes "
    "(default 1)\n"
    "      --votes-per-item N    annotators voting on a row (default 4)\n"
    "      --precision N         significant digits of metrics "
    "(default 6)\n"
    "  -v, --verbose             print what each month holds\n"
    "  -h, --help                print this help\n"
    "  -V, --version             print the version\n"
    "\n"
    "Example: fleet-simulate -s 7 -o demo-output/fleet\n";

enum {
	OPTION_ENTITIES = CLI_LONG_OPTION_BASE,
	OPTION_MONTHS,
	OPTION_START,
	OPTION_WINDOWS,
	OPTION_DRIFT_MONTH,
	OPTION_REGRESSION_MONTH,
	OPTION_REGRESSION_LENGTH,
	OPTION_ANOMALY_RATE,
	OPTION_VOTE_SHARE,
	OPTION_VOTES_PER_ITEM,
	OPTION_PRECISION
};

struct options {
	const char *output_dir;		/* -o: the data folder */
	unsigned long long seed;	/* -s */
	long n_entities;		/* --entities */
	long n_months;			/* --months */
	int start_year, start_month;	/* --start */
	long n_windows;			/* --windows */
	long drift_month;		/* --drift-month; 0 for none */
	long regression_month;		/* --regression-month; 0: none */
	long regression_length;		/* --regression-length */
	double anomaly_rate;		/* --anomaly-rate */
	double vote_share;		/* --vote-share */
	long votes_per_item;		/* --votes-per-item */
	int precision;			/* --precision */
};

static const char *const workload_names[N_WORKLOAD_METRICS] = {
	"cpu_util", "mem_util", "net_in", "net_out", "disk_iops", "disk_mbps"
};

static const char *const performance_names[N_PERFORMANCE_METRICS] = {
	"latency_p50", "latency_p99", "cpu_ready", "io_wait", "error_rate"
};

/* Typical workload of each type, in the order of workload_names. */
static const struct workload_type {
	const char *name;
	double share;			/* of the fleet at the start */
	double level[N_WORKLOAD_METRICS];
} workload_types[N_BASE_TYPES + 1] = {
	{ "web", 0.40, { 35, 40, 40, 60, 300, 10 } },
	{ "batch", 0.20, { 75, 55, 10, 5, 1500, 120 } },
	{ "database", 0.25, { 45, 80, 20, 25, 3000, 60 } },
	{ "cache", 0.15, { 20, 85, 80, 90, 100, 5 } },
	{ "ml-training", 0.30, { 95, 92, 400, 5, 50, 400 } }
};

/* What the fleet is made of, fixed before the first month. */
struct entity {
	int base_type;			/* index into workload_types */
	bool switches;			/* new type from --drift-month */
	double factor[N_WORKLOAD_METRICS]; /* entity's level / type's */
};

struct generators {
	struct random_state metrics, votes, predictions;
};

/* One row of a month, before it is written. */
struct row {
	char item[128];
	int type;
	bool abnormal;
	double workload[N_WORKLOAD_METRICS];
	double performance[N_PERFORMANCE_METRICS];
};

struct month_files {
	struct tsv_writer *metrics, *votes, *predictions;
};

static void
parse_start_month(const char *argument, struct options *opts)
{
	int year, month, i;
	char extra;

	for (i = 0; i < 7; i++)
		if (i == 4 ? argument[i] != '-' :
		    !isdigit((unsigned char)argument[i]))
			break;
	if (i < 7 || sscanf(argument, "%4d-%2d%c", &year, &month,
	    &extra) != 2 || year < 1000 || month < 1 || month > 12)
		diag_usage("--start: '%s' is not a month of the form YYYY-MM",
		    argument);
	opts->start_year = year;
	opts->start_month = month;
}

static void
set_default_options(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->output_dir = "fleet";
	opts->seed = 1;
	opts->n_entities = 300;
	opts->n_months = 10;
	opts->start_year = 2026;
	opts->start_month = 2;
	opts->n_windows = 8;
	opts->drift_month = 6;
	opts->regression_month = 8;
	opts->regression_length = 3;
	opts->anomaly_rate = 0.15;
	opts->vote_share = 1;
	opts->votes_per_item = 4;
	opts->precision = NUMBER_DEFAULT_PRECISION;
}

static void
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "entities", required_argument, NULL, OPTION_ENTITIES },
		{ "months", required_argument, NULL, OPTION_MONTHS },
		{ "start", required_argument, NULL, OPTION_START },
		{ "windows", required_argument, NULL, OPTION_WINDOWS },
		{ "drift-month", required_argument, NULL,
		    OPTION_DRIFT_MONTH },
		{ "regression-month", required_argument, NULL,
		    OPTION_REGRESSION_MONTH },
		{ "regression-length", required_argument, NULL,
		    OPTION_REGRESSION_LENGTH },
		{ "anomaly-rate", required_argument, NULL,
		    OPTION_ANOMALY_RATE },
		{ "vote-share", required_argument, NULL, OPTION_VOTE_SHARE },
		{ "votes-per-item", required_argument, NULL,
		    OPTION_VOTES_PER_ITEM },
		{ "precision", required_argument, NULL, OPTION_PRECISION },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	set_default_options(opts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:s:vhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'o':
			opts->output_dir = optarg;
			break;
		case 's':
			opts->seed = option_parse_seed("-s", optarg);
			break;
		case OPTION_ENTITIES:
			opts->n_entities = option_parse_long("--entities",
			    optarg, 1, 10000000);
			break;
		case OPTION_MONTHS:
			opts->n_months = option_parse_long("--months", optarg,
			    1, 1200);
			break;
		case OPTION_START:
			parse_start_month(optarg, opts);
			break;
		case OPTION_WINDOWS:
			opts->n_windows = option_parse_long("--windows",
			    optarg, 1, 100000);
			break;
		case OPTION_DRIFT_MONTH:
			opts->drift_month = option_parse_long("--drift-month",
			    optarg, 0, 1200);
			break;
		case OPTION_REGRESSION_MONTH:
			opts->regression_month = option_parse_long(
			    "--regression-month", optarg, 0, 1200);
			break;
		case OPTION_REGRESSION_LENGTH:
			opts->regression_length = option_parse_long(
			    "--regression-length", optarg, 1, 1200);
			break;
		case OPTION_ANOMALY_RATE:
			opts->anomaly_rate = option_parse_double(
			    "--anomaly-rate", optarg, 0, 1);
			break;
		case OPTION_VOTE_SHARE:
			opts->vote_share = option_parse_double("--vote-share",
			    optarg, 0, 1);
			break;
		case OPTION_VOTES_PER_ITEM:
			opts->votes_per_item = option_parse_long(
			    "--votes-per-item", optarg, 1, N_ANNOTATORS);
			break;
		case OPTION_PRECISION:
			opts->precision = (int)option_parse_long(
			    "--precision", optarg, 1, 17);
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
	if (optind < argc)
		diag_usage("no operands expected, got '%s'", argv[optind]);
}

static void
check_option_conflicts(const struct options *opts)
{
	long last;

	if (opts->drift_month == 1)
		diag_usage("--drift-month must be 2 or later: the first "
		    "month is the baseline");
	if (opts->regression_month == 1)
		diag_usage("--regression-month must be 2 or later: the "
		    "first month is the baseline");
	/* Month folders are named YYYY-MM, so that they sort in time. */
	last = 9999L * 12 + 11 - ((long)opts->start_year * 12 +
	    opts->start_month - 1) + 1;
	if (opts->n_months > last)
		diag_usage("--start %04d-%02d with --months %ld runs past "
		    "9999-12, and month folders are named YYYY-MM: "
		    "--months can be at most %ld here", opts->start_year,
		    opts->start_month, opts->n_months, last);
}

/* A log-normal factor with median 1 and log-scale spread sigma. */
static double
random_factor(struct random_state *state, double sigma)
{
	return exp(sigma * random_normal(state));
}

/* Pick the base workload type of an entity by the types' shares. */
static int
draw_base_type(struct random_state *state)
{
	double u = random_uniform(state), cumulative = 0;
	int type;

	for (type = 0; type < N_BASE_TYPES - 1; type++) {
		cumulative += workload_types[type].share;
		if (u < cumulative)
			return type;
	}
	return N_BASE_TYPES - 1;
}

static struct entity *
make_fleet(const struct options *opts, struct random_state *state)
{
	struct entity *fleet = xcalloc((size_t)opts->n_entities,
	    sizeof(*fleet));
	long e;
	int j;

	for (e = 0; e < opts->n_entities; e++) {
		fleet[e].base_type = draw_base_type(state);
		fleet[e].switches = random_uniform(state) <
		    workload_types[NEW_TYPE].share;
		for (j = 0; j < N_WORKLOAD_METRICS; j++)
			fleet[e].factor[j] = random_factor(state, 0.15);
	}
	return fleet;
}

/* The month's name, YYYY-MM, for month index (0-based). */
static void
format_month_name(const struct options *opts, long index, char *name,
    size_t size)
{
	long months = (long)opts->start_year * 12 + opts->start_month - 1 +
	    index;

	snprintf(name, size, "%04ld-%02ld", months / 12, months % 12 + 1);
}

/*
 * How much slower the fleet is in month (1-based): 1 outside the
 * regression, then 1.5, 2.25, 3.375, ... in its successive months, so
 * that every month of it is worse than the one before by the same ratio.
 */
static double
regression_slowdown(const struct options *opts, long month)
{
	long step = month - opts->regression_month;

	if (opts->regression_month == 0 || step < 0 ||
	    step >= opts->regression_length)
		return 1;
	return pow(1.5, (double)(step + 1));
}

static void
draw_workload(const struct entity *entity, int type,
    struct random_state *state, double *workload)
{
	int j;

	for (j = 0; j < N_WORKLOAD_METRICS; j++)
		workload[j] = workload_types[type].level[j] *
		    entity->factor[j] * random_factor(state, 0.10);
	for (j = 0; j < 2; j++)	/* utilisations are percentages */
		if (workload[j] > 100)
			workload[j] = 100;
}

/*
 * Performance from workload (w: cpu, mem, net_in, net_out, iops, mbps):
 *	latency_p50 = (1.5 + 0.04 cpu + 0.0008 iops + 0.01 net_in) e1
 *	latency_p99 = latency_p50 (3 + 0.03 cpu) e2
 *	cpu_ready   = (0.3 + 0.04 cpu) e3
 *	io_wait     = (0.2 + 0.002 iops + 0.01 mbps) e4
 *	error_rate  = (0.05 + 0.002 net_in) e5
 * with e_i log-normal noise; a regression of slowdown s multiplies
 * latency_p50 and cpu_ready by s and latency_p99 by s^1.3; an
 * anomaly multiplies latency_p99 by 3 to 6 and cpu_ready by 2, and adds
 * 2 to 5 points of error rate.
 */
static void
draw_performance(const double *w, double slowdown, bool abnormal,
    struct random_state *state, double *p)
{
	p[0] = (1.5 + 0.04 * w[0] + 0.0008 * w[4] + 0.01 * w[2]) *
	    random_factor(state, 0.08);
	p[1] = p[0] * (3 + 0.03 * w[0]) * random_factor(state, 0.10);
	p[2] = (0.3 + 0.04 * w[0]) * random_factor(state, 0.10);
	p[3] = (0.2 + 0.002 * w[4] + 0.01 * w[5]) *
	    random_factor(state, 0.10);
	p[4] = (0.05 + 0.002 * w[2]) * random_factor(state, 0.20);
	p[0] *= slowdown;
	p[1] *= pow(slowdown, 1.3);
	p[2] *= slowdown;
	if (abnormal) {
		p[1] *= 3 + 3 * random_uniform(state);
		p[2] *= 2;
		p[4] += 2 + 3 * random_uniform(state);
	}
}

/* mkdir -p: make path and any missing parent folders. */
static void
make_directory(const char *path)
{
	char *partial = xstrdup(path), *slash;
	struct stat status;

	for (slash = partial + 1; (slash = strchr(slash, '/')) != NULL;
	    slash++) {
		*slash = '\0';
		if (mkdir(partial, 0777) != 0 && errno != EEXIST)
			diag_fatal_errno(partial);
		*slash = '/';
	}
	if (mkdir(partial, 0777) != 0 && errno != EEXIST)
		diag_fatal_errno(partial);
	if (stat(partial, &status) != 0 || !S_ISDIR(status.st_mode))
		diag_fatal("%s: not a folder", partial);
	free(partial);
}

static struct tsv_writer *
open_output(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		diag_fatal("%s: path too long", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0)
		diag_fatal_errno(path);
	return tsv_writer_fd(fd, path);
}

static void
write_headers(struct month_files *files)
{
	int j;

	tsv_writer_put_string(files->metrics, "item\tentity\twindow");
	for (j = 0; j < N_WORKLOAD_METRICS; j++) {
		tsv_writer_tab(files->metrics);
		tsv_writer_put_string(files->metrics, workload_names[j]);
	}
	for (j = 0; j < N_PERFORMANCE_METRICS; j++) {
		tsv_writer_tab(files->metrics);
		tsv_writer_put_string(files->metrics, performance_names[j]);
	}
	tsv_writer_newline(files->metrics);
	tsv_writer_put_string(files->votes, "item\tannotator\tvote\ttime\n");
	tsv_writer_put_string(files->predictions,
	    "item\ttruth\tpredicted\n");
}

static void
write_metrics_row(struct tsv_writer *out, const struct row *row,
    long entity, long window, int precision)
{
	char keys[192];
	int j;

	snprintf(keys, sizeof(keys), "%s\tvm%04ld\t%ld", row->item,
	    entity + 1, window + 1);
	tsv_writer_put_string(out, keys);
	for (j = 0; j < N_WORKLOAD_METRICS; j++) {
		tsv_writer_tab(out);
		tsv_writer_put_double(out, row->workload[j], precision);
	}
	for (j = 0; j < N_PERFORMANCE_METRICS; j++) {
		tsv_writer_tab(out);
		tsv_writer_put_double(out, row->performance[j], precision);
	}
	tsv_writer_newline(out);
}

static void
annotator_name(int annotator, char *name, size_t size)
{
	if (annotator == OVER_REPORTER)
		snprintf(name, size, "over-reporter");
	else if (annotator == UNDER_REPORTER)
		snprintf(name, size, "under-reporter");
	else
		snprintf(name, size, "honest-%d", annotator + 1);
}

/*
 * Whether an annotator says "abnormal": honest ones are right 97% of
 * the time; the over-reporter calls 30% of normal rows abnormal (and 97%
 * of abnormal ones); the under-reporter calls 15% of abnormal rows
 * abnormal (and 1% of normal ones).
 */
static bool
draw_vote(int annotator, bool abnormal, struct random_state *state)
{
	double u = random_uniform(state);

	if (annotator == OVER_REPORTER)
		return u < (abnormal ? 0.97 : 0.30);
	if (annotator == UNDER_REPORTER)
		return u < (abnormal ? 0.15 : 0.01);
	return abnormal ? u < 0.97 : u < 0.03;
}

static void
put_vote(struct tsv_writer *out, const char *item, const char *annotator,
    bool says_abnormal, long long time)
{
	char line[320];

	snprintf(line, sizeof(line), "%s\t%s\t%s\t%lld\n", item, annotator,
	    says_abnormal ? "-1" : "+1", time);
	tsv_writer_put_string(out, line);
}

/*
 * Votes on one row from --votes-per-item distinct annotators drawn at
 * random; 2% of voters first give the other answer and change it a
 * minute later, so only the later vote counts.
 */
static void
write_votes(const struct options *opts, const struct row *row,
    long long window_start, struct random_state *state,
    struct tsv_writer *out)
{
	int order[N_ANNOTATORS], i, k, swap;
	char name[32];

	if (random_uniform(state) >= opts->vote_share)
		return;
	for (i = 0; i < N_ANNOTATORS; i++)
		order[i] = i;
	for (i = 0; i < opts->votes_per_item; i++) {
		k = i + (int)random_below(state, N_ANNOTATORS - i);
		swap = order[i];
		order[i] = order[k];
		order[k] = swap;
	}
	for (i = 0; i < opts->votes_per_item; i++) {
		bool says = draw_vote(order[i], row->abnormal, state);
		long long time = window_start + 60 +
		    (long long)random_below(state, SECONDS_PER_WINDOW / 2);

		annotator_name(order[i], name, sizeof(name));
		if (random_uniform(state) < 0.02)
			put_vote(out, row->item, name, !says, time - 60);
		put_vote(out, row->item, name, says, time);
	}
}

/*
 * The detector finds 88% of anomalies and raises a false alarm on 2% of
 * normal rows: 6% during a regression, and 25% on rows of the new
 * workload in the month it appears.
 */
static void
write_prediction(const struct row *row, bool regression, bool unseen_type,
    struct random_state *state, struct tsv_writer *out)
{
	double u = random_uniform(state), false_alarm_rate = 0.02;
	bool predicted;
	char line[192];

	if (regression)
		false_alarm_rate = 0.06;
	if (unseen_type)
		false_alarm_rate = 0.25;
	predicted = row->abnormal ? u < 0.88 : u < false_alarm_rate;
	snprintf(line, sizeof(line), "%s\t%s\t%s\n", row->item,
	    row->abnormal ? "abnormal" : "normal",
	    predicted ? "abnormal" : "normal");
	tsv_writer_put_string(out, line);
}

/* Write month (1-based) of the fleet into its folder. */
static void
write_month(const struct options *opts, const struct entity *fleet,
    long month, struct generators *generators)
{
	char name[32], dir[4096];
	struct month_files files;
	struct row row;
	double slowdown = regression_slowdown(opts, month);
	long e, w;
	unsigned long long n_abnormal = 0;
	long long month_start = (long long)(month - 1) * opts->n_windows *
	    SECONDS_PER_WINDOW;

	format_month_name(opts, month - 1, name, sizeof(name));
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", opts->output_dir,
	    name) >= sizeof(dir))
		diag_fatal("%s: path too long", opts->output_dir);
	make_directory(dir);
	files.metrics = open_output(dir, "metrics.tsv");
	files.votes = open_output(dir, "votes.tsv");
	files.predictions = open_output(dir, "predictions.tsv");
	write_headers(&files);
	for (e = 0; e < opts->n_entities; e++) {
		bool switched = fleet[e].switches && opts->drift_month > 0 &&
		    month >= opts->drift_month;

		row.type = switched ? NEW_TYPE : fleet[e].base_type;
		for (w = 0; w < opts->n_windows; w++) {
			snprintf(row.item, sizeof(row.item), "%s-vm%04ld-w%ld",
			    name, e + 1, w + 1);
			row.abnormal = random_uniform(&generators->metrics) <
			    opts->anomaly_rate;
			n_abnormal += row.abnormal;
			draw_workload(&fleet[e], row.type, &generators->metrics,
			    row.workload);
			draw_performance(row.workload, slowdown, row.abnormal,
			    &generators->metrics, row.performance);
			write_metrics_row(files.metrics, &row, e, w,
			    opts->precision);
			write_votes(opts, &row, month_start +
			    w * SECONDS_PER_WINDOW, &generators->votes,
			    files.votes);
			write_prediction(&row, slowdown > 1, switched &&
			    month == opts->drift_month,
			    &generators->predictions, files.predictions);
		}
	}
	tsv_writer_close(files.metrics);
	tsv_writer_close(files.votes);
	tsv_writer_close(files.predictions);
	diag_verbose("%s: %ld rows, %llu anomalies%s%s", name,
	    opts->n_entities * opts->n_windows, n_abnormal,
	    month == opts->drift_month ? ", new workload appears" : "",
	    slowdown > 1 ? ", performance regression" : "");
}

int
main(int argc, char **argv)
{
	struct options opts;
	struct generators generators;
	struct random_state fleet_state;
	struct entity *fleet;
	long month;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	check_option_conflicts(&opts);

	random_seed(&fleet_state, opts.seed);
	random_seed(&generators.metrics, opts.seed ^ 0x6d657472696373ULL);
	random_seed(&generators.votes, opts.seed ^ 0x766f746573ULL);
	random_seed(&generators.predictions, opts.seed ^ 0x70726564ULL);
	fleet = make_fleet(&opts, &fleet_state);
	make_directory(opts.output_dir);

	for (month = 1; month <= opts.n_months; month++)
		write_month(&opts, fleet, month, &generators);

	free(fleet);
	return 0;
}
