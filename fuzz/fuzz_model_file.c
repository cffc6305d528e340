/*
 * fuzz_model_file.c - libFuzzer harness for the model reading of
 * common/model_file.c, the part every program's loader stands on.
 *
 * The input is a model file of kind "fuzz" (format versions 1 to 3).
 * After model_read, every record is looked up by key, every value read
 * as a number and as a whole number (model_value_double and
 * model_value_long on values that convert; the first that does not is
 * then read with model_value_double, which must end the run), and the
 * model's features are matched against a header made of the same
 * names.  A run either completes or ends through diag with status 1,
 * and never while matching: features that no header could hold (empty,
 * repeated, not UTF-8) must be refused by model_read itself.
 * The harness also checks what model_read promises: the kind and the
 * version as asked, and records that keep their line numbers in order.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "field_list.h"
#include "fuzz_support.h"
#include "model_file.h"
#include "numeric_parse.h"
#include "tsv_reader.h"

#define MODEL_KIND "fuzz"
#define MODEL_MAX_VERSION 3

struct model_case {
	const char *model_path;
	struct fuzz_file *header;
	bool matching;		/* model read, features being matched */
};

static void
read_values(const struct model *model, const struct model_record *record,
    bool *failed)
{
	size_t i;
	double value;

	for (i = 0; i < record->n_values; i++) {
		const char *text = record->values[i];

		if (numeric_parse_double(text, strlen(text), &value) ==
		    NUMERIC_OK) {
			(void)model_value_double(model, record, i);
			if (value >= -1e15 && value <= 1e15 &&
			    value == (double)(long)value &&
			    strpbrk(text, ".eE+") == NULL)
				(void)model_value_long(model, record, i,
				    -1000000000000000L, 1000000000000000L);
		} else if (!*failed) {
			*failed = true;
			(void)model_value_double(model, record, i);
			fuzz_fail("model_value_double took a value that is "
			    "not a number");
		}
	}
}

/* Write the features as a header line and match the model against it. */
static void
match_features(const struct model *model, struct fuzz_file *header)
{
	struct tsv_reader *reader;
	struct field_list columns;
	size_t length = 1, i;
	char *line;

	for (i = 0; i < model->n_features; i++)
		length += strlen(model->features[i]) + 1;
	/*
	 * A byte order mark first, which the reader drops, so that a first
	 * feature that itself begins with one keeps it.
	 */
	line = malloc(length + 3);
	strcpy(line, "\xef\xbb\xbf");
	for (i = 0; i < model->n_features; i++) {
		strcat(line, model->features[i]);
		strcat(line, i + 1 < model->n_features ? "\t" : "\n");
	}
	fuzz_file_fill(header, line, strlen(line));
	free(line);
	reader = tsv_reader_open(header->path, true);
	columns = model_match_columns(model, reader);
	if (columns.n_fields != model->n_features)
		fuzz_fail("features and matched columns differ in number");
	for (i = 0; i < columns.n_fields; i++)
		if (strcmp(tsv_reader_column_name(reader, columns.columns[i]),
		    model->features[i]) != 0)
			fuzz_fail("a feature matched a column of another name");
	field_list_free(&columns);
	tsv_reader_close(reader);
}

static void
load(void *context)
{
	struct model_case *model_case = context;
	struct model *model = model_read(model_case->model_path, MODEL_KIND,
	    MODEL_MAX_VERSION);
	bool failed = false;
	long previous_line = 2;
	size_t i;

	if (strcmp(model->kind, MODEL_KIND) != 0 || model->version < 1 ||
	    model->version > MODEL_MAX_VERSION)
		fuzz_fail("model_read accepted another kind or version");
	for (i = 0; i < model->n_records; i++) {
		const struct model_record *record = &model->records[i];

		if (record->line_number <= previous_line)
			fuzz_fail("record line numbers are out of order");
		previous_line = record->line_number;
		if (model_find(model, record->key, 0, 0) == NULL)
			fuzz_fail("model_find misses a record that exists");
		read_values(model, record, &failed);
	}
	(void)model_find(model, "absent", 0, 0);
	if (model->n_records > 0 && model->records[0].n_values > 0)
		(void)model_require(model, model->records[0].key,
		    model->records[0].n_values);
	model_case->matching = true;
	match_features(model, model_case->header);
	model_free(model);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file model_input, header;
	struct model_case model_case = { "-", &header, false };
	int status;

	fuzz_setup("fuzz_model_file");
	if (header.path[0] == '\0') {
		fuzz_file_open(&model_input);
		fuzz_file_open(&header);
	}
	fuzz_file_fill(&model_input, data, size);
	fuzz_file_as_stdin(&model_input);
	status = fuzz_run(load, &model_case);
	if (status != 0 && status != 1)
		fuzz_fail("model reading ended with a status other than 1");
	if (status != 0 && model_case.matching)
		fuzz_fail("model_read accepted features that no input "
		    "header can have");
	return 0;
}
