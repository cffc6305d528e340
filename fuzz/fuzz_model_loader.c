/*
 * fuzz_model_loader.c - libFuzzer harness for a program's own model
 * loader, run through the program's main().
 *
 * One binary is built per entry of FUZZ_LOADERS in fuzz/fuzz.mk (a
 * program, or program.VARIANT for another of its loaders, such as the
 * partial files of --merge): the program's sources are compiled with
 * main renamed to fuzzed_program_main, and this file with four macros:
 *  - FUZZ_PROGRAM: the program's name ("pca-reduce");
 *  - FUZZ_ARGUMENTS: its arguments, words split on blanks, where MODEL
 *    stands for the fuzzed model file, INPUT for FUZZ_INPUT, and a word
 *    inputs/FILE for the file FILE of FUZZ_INPUTS, such as a good
 *    partial to merge the fuzzed one with ("-m MODEL INPUT");
 *  - FUZZ_INPUTS: the folder of the fixed files (fuzz/inputs);
 *  - FUZZ_INPUT: a small data file whose columns the seed models were
 *    fitted on (fuzz/inputs/PROGRAM.tsv);
 *  - FUZZ_TEXT_COLUMNS: how many leading columns of each output line
 *    echo text from the input (entropy's group columns), which may be
 *    "nan" as a name; 0 for most harnesses (FUZZ_TEXT_COLUMNS_program
 *    in fuzz.mk).
 * The input is the model file.  The program either runs to the end and
 * returns 0, or ends through diag with status 1 (bad data); a usage
 * error means the arguments above are wrong.  A completed run must print
 * no "nan" field: a damaged model may be refused, but it must never
 * turn into NaN results.  Nor may a model or partial it writes hold
 * "inf", since every reader refuses a number that is not finite.  So
 * whatever the run makes goes to standard output, where the harness
 * reads it.
 *
 * Limits: the program must not keep state between calls of main beyond
 * what getopt's reset (optind = 0) clears, and must leave through diag
 * or by returning, never by calling exit itself.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_support.h"

#define MAX_ARGUMENTS 32
#define INPUTS_PREFIX "inputs/"

int fuzzed_program_main(int argc, char **argv);

struct loader_case {
	int argc;
	char *argv[MAX_ARGUMENTS + 2];
	int returned;
};

/* The path of inputs/FILE in FUZZ_INPUTS, into path (size bytes). */
static char *
inputs_path(const char *word, char *path, size_t size)
{
	int length = snprintf(path, size, "%s/%s", FUZZ_INPUTS,
	    word + strlen(INPUTS_PREFIX));

	if (length < 0 || (size_t)length >= size)
		fuzz_fail("a path of FUZZ_ARGUMENTS is too long");
	return path;
}

/* Build argv from FUZZ_ARGUMENTS once; the words live for the process. */
static void
build_arguments(struct loader_case *loader_case, const char *model_path)
{
	static char words[] = FUZZ_ARGUMENTS;
	static char input_path[] = FUZZ_INPUT;
	static char paths[MAX_ARGUMENTS + 1][1024];
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
		else if (strncmp(word, INPUTS_PREFIX,
		    strlen(INPUTS_PREFIX)) == 0)
			word = inputs_path(word, paths[loader_case->argc],
			    sizeof(paths[0]));
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

/*
 * Whether a field of the output is word (any case, any sign), leaving
 * out the first text_columns fields of each line.
 */
static bool
prints_word(const char *output, const char *word, size_t text_columns)
{
	const char *field = output;
	size_t word_length = strlen(word), column = 0;

	while (*field != '\0') {
		size_t length = strcspn(field, "\t\n");
		const char *text = field;

		if (length > 0 && (text[0] == '-' || text[0] == '+'))
			text++;
		if (column >= text_columns &&
		    (size_t)(field + length - text) == word_length &&
		    strncasecmp(text, word, word_length) == 0)
			return true;
		field += length;
		column = *field == '\n' ? 0 : column + 1;
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
	if (status == 0 && prints_word(printed, "nan", FUZZ_TEXT_COLUMNS))
		fuzz_fail("the program printed nan");
	/* An infinite divergence is a result; in a model, damage. */
	if (status == 0 && strncmp(printed, "model\t", 6) == 0 &&
	    prints_word(printed, "inf", 0))
		fuzz_fail("the program wrote a model or partial holding inf");
	free(printed);
	return 0;
}
