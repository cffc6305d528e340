/*
 * shard-rows - split a TSV stream into N shard files, each with the
 * header, so that GNU parallel (or any other engine) can run the same
 * filter on every shard.
 *
 * Rows go round robin (row i to shard i mod N, in input order), or with
 * --by to the shard chosen by a hash of a key column (FNV-1a, 64 bits,
 * of the field's bytes, modulo N), so that every row with the same key
 * lands in the same shard: the votes of one item, the rows of one host.
 * Shards are named PREFIX-0001.tsv ... PREFIX-NNNN.tsv; every shard is
 * written, with the header alone if no row falls into it, and each is
 * written to a temporary file and renamed, so a failed run leaves no
 * partial shard under a final name.  Memory is one line, and the open
 * files are N (at most 4096).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "field_list.h"
#include "numeric_parse.h"
#include "tsv_reader.h"
#include "tsv_writer.h"

#define MAX_SHARDS 4096

static const char synopsis[] =
    "shard-rows -n N [--by COLUMN] [-o PREFIX] [--no-header] [-v] [FILE]";

static const char help_text[] =
    "usage: shard-rows -n N [options] [FILE]\n"
    "Split TSV rows into N shard files, each keeping the header.\n"
    "\n"
    "  -n, --shards N       number of shards (1 to 4096)\n"
    "      --by COLUMN      shard by a hash of COLUMN (default: round "
    "robin)\n"
    "  -o, --output PREFIX  write PREFIX-0001.tsv ... (default: shard)\n"
    "      --no-header      the input has no header line\n"
    "  -v, --verbose        print the rows written to each shard\n"
    "  -h, --help           print this help\n"
    "  -V, --version        print the version\n"
    "\n"
    "Example: shard-rows -n 4 --by item -o votes votes.tsv\n";

enum {
	OPTION_BY = CLI_LONG_OPTION_BASE,
	OPTION_NO_HEADER
};

struct options {
	long n_shards;			/* -n */
	const char *key_column;		/* --by; NULL for round robin */
	const char *prefix;		/* -o */
	bool has_header;		/* false with --no-header */
	const char *input_path;		/* operand; "-" is stdin */
};

struct shard {
	char *final_path;
	char *temporary_path;
	struct tsv_writer *writer;
	unsigned long long n_rows;
};

static void
parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "shards", required_argument, NULL, 'n' },
		{ "by", required_argument, NULL, OPTION_BY },
		{ "output", required_argument, NULL, 'o' },
		{ "no-header", no_argument, NULL, OPTION_NO_HEADER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->prefix = "shard";
	opts->has_header = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:o:vhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'n':
			opts->n_shards = option_parse_long("-n", optarg, 1,
			    MAX_SHARDS);
			break;
		case OPTION_BY:
			opts->key_column = optarg;
			break;
		case 'o':
			opts->prefix = optarg;
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
	if (opts->n_shards == 0)
		diag_usage("-n N is required");
	if (opts->prefix[0] == '\0')
		diag_usage("option -o: the prefix is empty; the shards would "
		    "be named -0001.tsv and so on");
	if (opts->prefix[strlen(opts->prefix) - 1] == '/')
		diag_usage("option -o: prefix '%s' ends in '/'; the shards "
		    "would be named %s-0001.tsv and so on",
		    diag_quote(opts->prefix, strlen(opts->prefix)),
		    diag_quote(opts->prefix, strlen(opts->prefix)));
	opts->input_path = cli_input_operand(argc, argv);
}

/*
 * The shards being written; their temporary files are removed if the
 * program ends before every shard is complete.
 */
static struct shard *open_shards;
static long n_open_shards;

static void
remove_temporary_shards(void)
{
	long i;

	for (i = 0; i < n_open_shards; i++)
		if (open_shards[i].temporary_path != NULL)
			unlink(open_shards[i].temporary_path);
}

static void
create_shards(const struct options *opts, struct shard *shards)
{
	long i;
	size_t size = strlen(opts->prefix) + 32;
	int fd;

	open_shards = shards;
	atexit(remove_temporary_shards);
	for (i = 0; i < opts->n_shards; i++) {
		shards[i].final_path = xmalloc(size);
		snprintf(shards[i].final_path, size, "%s-%04ld.tsv",
		    opts->prefix, i + 1);
		shards[i].temporary_path = xmalloc(size + 8);
		snprintf(shards[i].temporary_path, size + 8, "%s.XXXXXX",
		    shards[i].final_path);
		if ((fd = mkstemp(shards[i].temporary_path)) < 0) {
			free(shards[i].temporary_path);
			shards[i].temporary_path = NULL;
			diag_fatal_errno(shards[i].final_path);
		}
		n_open_shards = i + 1;
		shards[i].writer = tsv_writer_fd(fd, shards[i].final_path);
	}
}

/* Append the current row (all fields, tab-joined) to a writer. */
static void
copy_row(struct tsv_writer *writer, const struct tsv_reader *reader)
{
	size_t j, n = tsv_reader_n_columns(reader);

	for (j = 0; j < n; j++) {
		if (j > 0)
			tsv_writer_tab(writer);
		tsv_writer_put(writer, tsv_reader_field(reader, j),
		    tsv_reader_field_length(reader, j));
	}
	tsv_writer_newline(writer);
}

static void
write_header(struct tsv_writer *writer, const struct tsv_reader *reader)
{
	size_t j, n = tsv_reader_n_columns(reader);

	for (j = 0; j < n; j++) {
		if (j > 0)
			tsv_writer_tab(writer);
		tsv_writer_put_string(writer, tsv_reader_column_name(reader,
		    j));
	}
	tsv_writer_newline(writer);
}

/* FNV-1a, 64 bits (Fowler, Noll and Vo). */
static uint64_t
hash_bytes(const char *bytes, size_t length)
{
	uint64_t hash = UINT64_C(14695981039346656037);
	size_t i;

	for (i = 0; i < length; i++) {
		hash ^= (unsigned char)bytes[i];
		hash *= UINT64_C(1099511628211);
	}
	return hash;
}

static void
finish_shards(const struct options *opts, struct shard *shards)
{
	mode_t mask = umask(0);
	long i;

	umask(mask);
	for (i = 0; i < opts->n_shards; i++) {
		if (chmod(shards[i].temporary_path, 0666 & ~mask) != 0)
			diag_fatal_errno(shards[i].final_path);
		tsv_writer_close(shards[i].writer);
		if (rename(shards[i].temporary_path,
		    shards[i].final_path) != 0)
			diag_fatal_errno(shards[i].final_path);
		free(shards[i].temporary_path);
		shards[i].temporary_path = NULL;
		diag_verbose("%s: %llu row%s", shards[i].final_path,
		    shards[i].n_rows, shards[i].n_rows == 1 ? "" : "s");
		free(shards[i].final_path);
	}
}

int
main(int argc, char **argv)
{
	struct options opts;
	struct tsv_reader *reader;
	struct shard *shards;
	struct field_list key = { 0, NULL };
	unsigned long long row = 0;
	long i;

	diag_set_program(argv[0]);
	diag_set_synopsis(synopsis);
	parse_options(argc, argv, &opts);
	reader = tsv_reader_open(opts.input_path, opts.has_header);
	if (opts.key_column != NULL && tsv_reader_n_columns(reader) > 0) {
		key = field_list_parse("--by", opts.key_column,
		    tsv_reader_column_names(reader),
		    tsv_reader_n_columns(reader));
		if (key.n_fields != 1)
			diag_usage("--by takes one column, got %zu",
			    key.n_fields);
	}
	shards = xcalloc((size_t)opts.n_shards, sizeof(*shards));
	create_shards(&opts, shards);
	if (opts.has_header)
		for (i = 0; i < opts.n_shards; i++)
			write_header(shards[i].writer, reader);

	while (tsv_reader_next_row(reader)) {
		if (key.n_fields == 1)
			i = (long)(hash_bytes(tsv_reader_field(reader,
			    key.columns[0]), tsv_reader_field_length(reader,
			    key.columns[0])) % (uint64_t)opts.n_shards);
		else
			i = (long)(row % (unsigned long long)opts.n_shards);
		copy_row(shards[i].writer, reader);
		shards[i].n_rows++;
		row++;
	}
	finish_shards(&opts, shards);

	n_open_shards = 0;
	free(shards);
	field_list_free(&key);
	tsv_reader_close(reader);
	return 0;
}
