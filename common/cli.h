/*
 * cli.h - what every program's command line shares: --help, --version,
 * and the numbers of long-only options.
 *
 * Each program keeps its own getopt_long table, but gives the shared
 * options one meaning everywhere: -f/--fields, --keep, --no-header,
 * -s/--seed, -o/--output, -m/--model, -v/--verbose, -k, --precision,
 * -h/--help, -V/--version.
 */
#ifndef CLI_H
#define CLI_H

#ifndef PIPELINE_VERSION
#define PIPELINE_VERSION "0.0"
#endif

/* Long-only options are numbered from here, above any character. */
#define CLI_LONG_OPTION_BASE 256

/*
 * Print text (the program's help) on standard output and exit 0; a
 * failed write exits 1 with a message.
 */
void cli_print_help(const char *text) __attribute__((noreturn));

/* Print "prog (anomaly-pipeline) VERSION" and exit 0. */
void cli_print_version(void) __attribute__((noreturn));

/*
 * Called for getopt_long's ':' (missing argument) and '?' (unknown
 * option) returns; the option string must begin with ':' and opterr be
 * 0, so that this prints the one message, then the synopsis, and exits 2.
 */
void cli_bad_option(int getopt_result, char *const *argv)
    __attribute__((noreturn));

/*
 * The one input operand after the options (argv[optind]), or "-" for
 * standard input when there is none; more than one is a usage error.
 */
const char *cli_input_operand(int argc, char **argv);

/* How messages name an input operand: "stdin" for "-", else path. */
const char *cli_display_name(const char *path);

#endif
