/*
 * fuzz_tsv_reader.c - libFuzzer harness for common/tsv_reader.c.
 *
 * The input's first byte picks how the reader is opened (bit 0: with a
 * header, bit 1: ragged, as model files are read, bit 2: by path rather
 * than as standard input); the rest is the file.  Every row is read to
 * the end, each field converted with tsv_reader_field_try_double, and
 * the first field that does not convert is then read with
 * tsv_reader_field_double, which must end the run through diag.  A run
 * either reaches the end of the input or ends through diag with status
 * 1; any other end is a finding.  The harness also checks the reader's
 * promises: rows as long as the header (unless ragged), fields that are
 * NUL-terminated at their length and hold no tab, LF or NUL, column
 * names non-empty, distinct and valid UTF-8, line numbers that grow by
 * one per row, and a row count that matches the rows handed out.
 *
 * The fuzzing build compiles the reader with a read chunk of a few
 * bytes, so short inputs reach the buffer-growing code too.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fuzz_support.h"
#include "tsv_reader.h"

enum {
	OPEN_WITH_HEADER = 1,
	OPEN_RAGGED = 2,
	OPEN_BY_PATH = 4
};

struct reader_case {
	int mode;
	const char *path;
};

static void
check_column_names(const struct tsv_reader *reader)
{
	size_t n = tsv_reader_n_columns(reader), i, j;
	const char *const *names = tsv_reader_column_names(reader);

	for (i = 0; i < n; i++) {
		const char *name = tsv_reader_column_name(reader, i);

		if (name != names[i] || name[0] == '\0' ||
		    !utf8_is_valid(name, strlen(name)))
			fuzz_fail("a column name is empty or not UTF-8");
		for (j = 0; j < i; j++)
			if (strcmp(names[j], name) == 0)
				fuzz_fail("two columns have the same name");
	}
}

static void
check_row(const struct tsv_reader *reader, size_t n_fields,
    size_t *first_bad_column)
{
	size_t i;
	double value;

	for (i = 0; i < n_fields; i++) {
		const char *field = tsv_reader_field(reader, i);
		size_t length = tsv_reader_field_length(reader, i);

		if (strlen(field) != length ||
		    memchr(field, '\t', length) != NULL ||
		    memchr(field, '\n', length) != NULL)
			fuzz_fail("a field is not one clean NUL-ended string");
		if (!tsv_reader_field_try_double(reader, i, &value) &&
		    *first_bad_column == SIZE_MAX)
			*first_bad_column = i;
	}
}

static void
read_everything(void *context)
{
	const struct reader_case *reader_case = context;
	const char *path = reader_case->mode & OPEN_BY_PATH ?
	    reader_case->path : "-";
	bool ragged = reader_case->mode & OPEN_RAGGED;
	struct tsv_reader *reader = ragged ? tsv_reader_open_ragged(path) :
	    tsv_reader_open(path, reader_case->mode & OPEN_WITH_HEADER);
	unsigned long long rows = 0;
	long previous_line = tsv_reader_line_number(reader);
	size_t bad_column = SIZE_MAX;

	if (!ragged)
		check_column_names(reader);
	while (tsv_reader_next_row(reader)) {
		size_t n_fields = ragged ? tsv_reader_n_fields(reader) :
		    tsv_reader_n_columns(reader);

		rows++;
		if (!ragged && tsv_reader_n_fields(reader) != n_fields)
			fuzz_fail("a row's length differs from the header's");
		if (tsv_reader_line_number(reader) != previous_line + 1 &&
		    !(rows == 1 && !(reader_case->mode & OPEN_WITH_HEADER)))
			fuzz_fail("line numbers do not grow by one");
		previous_line = tsv_reader_line_number(reader);
		check_row(reader, n_fields, &bad_column);
		if (bad_column != SIZE_MAX) {
			(void)tsv_reader_field_double(reader, bad_column);
			fuzz_fail("tsv_reader_field_double took a field that "
			    "tsv_reader_field_try_double refused");
		}
	}
	if (!ragged && tsv_reader_row_count(reader) != rows)
		fuzz_fail("the row count differs from the rows read");
	tsv_reader_close(reader);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file input;
	struct reader_case reader_case;
	int status;

	fuzz_setup("fuzz_tsv_reader");
	if (input.path[0] == '\0')
		fuzz_file_open(&input);
	if (size == 0)
		return 0;
	reader_case.mode = data[0];
	reader_case.path = input.path;
	fuzz_file_fill(&input, data + 1, size - 1);
	fuzz_file_as_stdin(&input);
	status = fuzz_run(read_everything, &reader_case);
	if (status != 0 && status != 1)
		fuzz_fail("the reader ended with a status other than 1");
	return 0;
}
