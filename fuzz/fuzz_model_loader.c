/*
 * fuzz_model_loader.c - libFuzzer harness for a program's own model
 * loader, run through the program's main().
 *
 * One binary is built per program listed in FUZZ_LOADERS in
 * fuzz/fuzz.mk: the program's sources are compiled with main renamed to
 * fuzzed_program_main, and this file with three macros:
 *  - FUZZ_PROGRAM: the program's name ("pca-reduce");
 *  - FUZZ_ARGUMENTS: its arguments, words split on blanks, where MODEL
 *    stands for the fuzzed model file and INPUT for FUZZ_INPUT
 *    ("-m MODEL INPUT");
 *  - FUZZ_INPUT: a small data file whose columns the seed models were
 *    fitted on (fuzz/inputs/PROGRAM.tsv).
 * The input is the model file.  The program either runs to the end and
 * returns 0, or ends through diag with status 1 (bad data); a usage
 * error means the arguments above are wrong.  A completed run must print
 * no "nan" field: a damaged model may be refused, but it must never
 * turn into NaN results.
 *
 * Limits: the program must not keep state between calls of main beyond
 * what getopt's reset (optind = 0) clears, and must leave through diag
 * or by returning, never by calling exit itself.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_support.h"

#define MAX_ARGUMENTS 32

int fuzzed_program_main(int argc, char **argv);

struct loader_case {
	int argc;
	char *argv[MAX_ARGUMENTS + 2];
	int returned;
};

/* Build argv from FUZZ_ARGUMENTS once; the words live for the process. */
static void
build_arguments(struct loader_case *loader_case, const char *model_path)
{
	static char words[] = FUZZ_ARGUMENTS;
	static char input_path[] = FUZZ_INPUT;
	char *word, *rest = words;

	loader_case->argc = 0;
	loader_case->argv[loader_case->argc++] = (char *)FUZZ_PROGRAM;
	while ((word = strtok_r(rest, " \t", &rest)) != NULL) {
		if (loader_case->argc > MAX_ARGUMENTS)
			fuzz_fail("too many words in FUZZ_ARGUMENTS");
		if (strcmp(word, "MODEL") == 0)
			word = (char *)model_path;
		else if (strcmp(word, "INPUT") == 0)
			word = input_path;
		loader_case->argv[loader_case->argc++] = word;
	}
	loader_case->argv[loader_case->argc] = NULL;
}

static void
run_program(void *context)
{
	struct loader_case *loader_case = context;
	char *argv[MAX_ARGUMENTS + 2];

	/* getopt may permute argv: give it a fresh copy each time. */
	memcpy(argv, loader_case->argv, sizeof(argv));
	optind = 0;
	loader_case->returned = fuzzed_program_main(loader_case->argc, argv);
}

/* Whether a field of the output is "nan" (any case, any sign). */
static bool
prints_nan(const char *output)
{
	const char *field = output;

	while (*field != '\0') {
		size_t length = strcspn(field, "\t\n");
		const char *text = field;

		if (length > 0 && (text[0] == '-' || text[0] == '+'))
			text++;
		if (field + length - text == 3 && strncasecmp(text, "nan",
		    3) == 0)
			return true;
		field += length;
		if (*field != '\0')
			field++;
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file model, output;
	static struct loader_case loader_case;
	size_t output_size;
	char *printed;
	int status;

	fuzz_setup(FUZZ_PROGRAM);
	if (loader_case.argc == 0) {
		fuzz_file_open(&model);
		fuzz_file_open(&output);
		build_arguments(&loader_case, model.path);
	}
	fuzz_file_fill(&model, data, size);
	fuzz_capture_stdout(&output);
	loader_case.returned = -1;
	status = fuzz_run(run_program, &loader_case);
	fuzz_capture_stdout(NULL);
	if (status == 2)
		fuzz_fail("usage error: check FUZZ_ARGUMENTS in fuzz/fuzz.mk");
	if (status != 0 && status != 1)
		fuzz_fail("the program ended with a status other than 1");
	if (status == 0 && loader_case.returned != 0)
		fuzz_fail("main returned nonzero without a message");
	printed = fuzz_file_contents(&output, &output_size);
	if (status == 0 && prints_nan(printed))
		fuzz_fail("the program printed nan");
	free(printed);
	return 0;
}
