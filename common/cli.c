/*
 * cli.c - the shared parts of every command line (see cli.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "tsv_writer.h"

void
cli_print_help(const char *text)
{
	struct tsv_writer *out = tsv_writer_stdout();

	tsv_writer_put_string(out, text);
	tsv_writer_close(out);
	exit(0);
}

void
cli_print_version(void)
{
	struct tsv_writer *out = tsv_writer_stdout();

	tsv_writer_put_string(out, diag_program());
	tsv_writer_put_string(out, " (anomaly-pipeline) " PIPELINE_VERSION
	    "\n");
	tsv_writer_close(out);
	exit(0);
}

const char *
cli_input_operand(int argc, char **argv)
{
	if (argc - optind > 1)
		diag_usage("at most one input file, got %d", argc - optind);
	return optind < argc ? argv[optind] : "-";
}

const char *
cli_display_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "stdin" : path;
}

void
cli_bad_option(int getopt_result, char *const *argv)
{
	const char *word = argv[optind - 1];

	if (getopt_result == ':' && optopt != 0 && word[1] != '-')
		diag_usage("option -%c needs a value", optopt);
	if (getopt_result == ':')
		diag_usage("option %s needs a value", word);
	if (optopt != 0 && word[1] != '-')
		diag_usage("unknown option -%c", optopt);
	diag_usage("unknown option %s", word);
}
