/*
 * tsv_reader.c - the TSV reader behind every program (see tsv_reader.h).
 *
 * Lines are found here with memchr, since a TSV record never spans lines;
 * each line is then split into fields by libcsv with a tab delimiter, no
 * quote character and no trimming of blanks.  Splitting line by line lets
 * every message carry the true line number and lets the reader hand out
 * one row at a time.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "numeric_parse.h"
#include "tsv_reader.h"

/*
 * Bytes asked of each read(2).  The fuzzing build makes it tiny, so that
 * short inputs reach the code that grows the buffer and joins lines cut
 * between two reads.
 */
#ifndef READ_CHUNK
#define READ_CHUNK (256 * 1024)
#endif

struct tsv_reader {
	int fd;
	char *display_name;
	bool has_header;
	bool ragged;			/* rows may differ in length */
	bool at_eof;
	bool pending_row;		/* first row, read ahead */
	char *buffer;			/* bytes read but not yet consumed */
	size_t buffer_capacity;
	size_t buffer_start, buffer_end;
	long line_number;
	unsigned long long row_count;
	struct csv_parser parser;
	char *field_text;		/* current row's fields, NUL-ended */
	size_t field_text_used, field_text_capacity;
	size_t *field_offsets;
	size_t *field_lengths;
	size_t n_fields, field_capacity;
	size_t n_columns;
	char **column_names;
};

static int
never_blank(unsigned char c)
{
	(void)c;
	return 0;
}

static void
on_field(void *data, size_t length, void *reader_pointer)
{
	struct tsv_reader *reader = reader_pointer;

	if (reader->n_fields == reader->field_capacity) {
		reader->field_capacity = reader->field_capacity * 2 + 16;
		reader->field_offsets = xreallocarray(reader->field_offsets,
		    reader->field_capacity, sizeof(size_t));
		reader->field_lengths = xreallocarray(reader->field_lengths,
		    reader->field_capacity, sizeof(size_t));
	}
	if (reader->field_text_used + length + 1 >
	    reader->field_text_capacity) {
		reader->field_text_capacity = (reader->field_text_used +
		    length + 1) * 2;
		reader->field_text = xreallocarray(reader->field_text,
		    reader->field_text_capacity, 1);
	}
	reader->field_offsets[reader->n_fields] = reader->field_text_used;
	reader->field_lengths[reader->n_fields] = length;
	if (length > 0)
		memcpy(reader->field_text + reader->field_text_used, data,
		    length);
	reader->field_text[reader->field_text_used + length] = '\0';
	reader->field_text_used += length + 1;
	reader->n_fields++;
}

static void
on_row_end(int terminator, void *reader_pointer)
{
	(void)terminator;
	(void)reader_pointer;
}

/*
 * Find the next line in the buffer, reading more as needed.  Sets *line
 * and *length (without the LF) and returns true, or returns false at the
 * end of the input.
 */
static bool
next_line(struct tsv_reader *reader, char **line, size_t *length)
{
	size_t searched = 0;

	for (;;) {
		char *start = reader->buffer + reader->buffer_start;
		size_t available = reader->buffer_end - reader->buffer_start;
		char *newline = memchr(start + searched, '\n',
		    available - searched);
		ssize_t n_read;

		if (newline != NULL) {
			*line = start;
			*length = (size_t)(newline - start);
			reader->buffer_start += *length + 1;
			return true;
		}
		if (reader->at_eof) {
			if (available == 0)
				return false;
			*line = start;
			*length = available;
			reader->buffer_start = reader->buffer_end;
			return true;
		}
		searched = available;
		if (reader->buffer_start > 0) {
			memmove(reader->buffer, start, available);
			reader->buffer_start = 0;
			reader->buffer_end = available;
		}
		if (reader->buffer_capacity - reader->buffer_end < READ_CHUNK) {
			reader->buffer_capacity *= 2;
			reader->buffer = xreallocarray(reader->buffer,
			    reader->buffer_capacity + 1, 1);
		}
		do
			n_read = read(reader->fd, reader->buffer +
			    reader->buffer_end, reader->buffer_capacity -
			    reader->buffer_end);
		while (n_read < 0 && errno == EINTR);
		if (n_read < 0)
			diag_fatal_errno(reader->display_name);
		if (n_read == 0)
			reader->at_eof = true;
		reader->buffer_end += (size_t)n_read;
	}
}

/*
 * Read and split the next line into the field arrays.  Returns false at
 * the end of the input.
 */
static bool
split_next_line(struct tsv_reader *reader)
{
	char *line;
	size_t length;

	if (!next_line(reader, &line, &length))
		return false;
	reader->line_number++;
	if (reader->line_number == 1 && length >= 3 &&
	    memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3, length -= 3;
	if (length > 0 && line[length - 1] == '\r')
		length--;
	if (length == 0)
		diag_fatal_at(reader->display_name, reader->line_number,
		    "empty line");
	if (memchr(line, '\0', length) != NULL)
		diag_fatal_at(reader->display_name, reader->line_number,
		    "NUL byte in the line");
	if (memchr(line, '\r', length) != NULL)
		diag_fatal_at(reader->display_name, reader->line_number,
		    "carriage return inside the line");
	reader->n_fields = 0;
	reader->field_text_used = 0;
	if (csv_parse(&reader->parser, line, length, on_field, on_row_end,
	    reader) != length || csv_fini(&reader->parser, on_field,
	    on_row_end, reader) != 0)
		diag_fatal_at(reader->display_name, reader->line_number,
		    "cannot split the line: %s",
		    csv_strerror(csv_error(&reader->parser)));
	return true;
}

static void
take_header(struct tsv_reader *reader)
{
	size_t i, j;

	reader->n_columns = reader->n_fields;
	reader->column_names = xcalloc(reader->n_columns,
	    sizeof(*reader->column_names));
	for (i = 0; i < reader->n_columns; i++) {
		const char *name = reader->field_text +
		    reader->field_offsets[i];
		size_t length = reader->field_lengths[i];

		if (length == 0)
			diag_fatal_at(reader->display_name, 1,
			    "column %zu has an empty name", i + 1);
		if (!utf8_is_valid(name, length))
			diag_fatal_at(reader->display_name, 1,
			    "column %zu name is not valid UTF-8: '%s'", i + 1,
			    diag_quote(name, length));
		reader->column_names[i] = xstrndup(name, length);
		for (j = 0; j < i; j++)
			if (strcmp(reader->column_names[j],
			    reader->column_names[i]) == 0)
				diag_fatal_at(reader->display_name, 1,
				    "duplicate column name '%s' (columns %zu "
				    "and %zu)", diag_quote(name, length),
				    j + 1, i + 1);
	}
}

static void
name_columns_by_number(struct tsv_reader *reader)
{
	size_t i;
	char number[32];

	reader->n_columns = reader->n_fields;
	reader->column_names = xcalloc(reader->n_columns + 1,
	    sizeof(*reader->column_names));
	for (i = 0; i < reader->n_columns; i++) {
		snprintf(number, sizeof(number), "%zu", i + 1);
		reader->column_names[i] = xstrdup(number);
	}
}

static struct tsv_reader *
open_input(const char *path, bool has_header)
{
	struct tsv_reader *reader = xcalloc(1, sizeof(*reader));
	bool from_stdin = path == NULL || strcmp(path, "-") == 0;

	reader->display_name = xstrdup(from_stdin ? "stdin" : path);
	reader->has_header = has_header;
	if (from_stdin)
		reader->fd = STDIN_FILENO;
	else if ((reader->fd = open(path, O_RDONLY)) < 0)
		diag_fatal_errno(path);
	reader->buffer_capacity = 2 * READ_CHUNK;
	reader->buffer = xmalloc(reader->buffer_capacity + 1);
	if (csv_init(&reader->parser, 0) != 0)
		diag_fatal("out of memory");
	csv_set_delim(&reader->parser, '\t');
	csv_set_quote(&reader->parser, '\0');
	csv_set_space_func(&reader->parser, never_blank);
	return reader;
}

struct tsv_reader *
tsv_reader_open(const char *path, bool has_header)
{
	struct tsv_reader *reader = open_input(path, has_header);

	if (!split_next_line(reader)) {
		if (has_header)
			diag_fatal_at(reader->display_name, 0,
			    "empty input, expected a header line");
		return reader;
	}
	if (has_header)
		take_header(reader);
	else {
		name_columns_by_number(reader);
		reader->pending_row = true;
		reader->row_count = 1;
	}
	return reader;
}

struct tsv_reader *
tsv_reader_open_ragged(const char *path)
{
	struct tsv_reader *reader = open_input(path, false);

	reader->ragged = true;
	return reader;
}

size_t
tsv_reader_n_fields(const struct tsv_reader *reader)
{
	return reader->n_fields;
}

static void
check_field_count(const struct tsv_reader *reader)
{
	if (!reader->ragged && reader->n_fields != reader->n_columns)
		diag_fatal_at(reader->display_name, reader->line_number,
		    "%zu field%s where the %s has %zu", reader->n_fields,
		    reader->n_fields == 1 ? "" : "s",
		    reader->has_header ? "header" : "first row",
		    reader->n_columns);
}

bool
tsv_reader_next_row(struct tsv_reader *reader)
{
	if (reader->pending_row) {
		reader->pending_row = false;
		return true;
	}
	if (!split_next_line(reader))
		return false;
	check_field_count(reader);
	reader->row_count++;
	return true;
}

size_t
tsv_reader_n_columns(const struct tsv_reader *reader)
{
	return reader->n_columns;
}

bool
tsv_reader_has_header(const struct tsv_reader *reader)
{
	return reader->has_header;
}

const char *
tsv_reader_column_name(const struct tsv_reader *reader, size_t column)
{
	return reader->column_names[column];
}

const char *const *
tsv_reader_column_names(const struct tsv_reader *reader)
{
	return (const char *const *)reader->column_names;
}

const char *
tsv_reader_field(const struct tsv_reader *reader, size_t column)
{
	return reader->field_text + reader->field_offsets[column];
}

size_t
tsv_reader_field_length(const struct tsv_reader *reader, size_t column)
{
	return reader->field_lengths[column];
}

bool
tsv_reader_field_try_double(const struct tsv_reader *reader, size_t column,
    double *value)
{
	return numeric_parse_double(tsv_reader_field(reader, column),
	    reader->field_lengths[column], value) == NUMERIC_OK;
}

/*
 * The name of a column for messages: its header name, or its 1-based
 * number in a ragged reader, which has no names.
 */
static const char *
column_label(const struct tsv_reader *reader, size_t column, char *number,
    size_t size)
{
	if (column < reader->n_columns)
		return reader->column_names[column];
	snprintf(number, size, "%zu", column + 1);
	return number;
}

double
tsv_reader_field_double(const struct tsv_reader *reader, size_t column)
{
	const char *text = tsv_reader_field(reader, column);
	size_t length = reader->field_lengths[column];
	enum numeric_status status;
	double value;
	char number[32];

	status = numeric_parse_double(text, length, &value);
	if (status == NUMERIC_EMPTY)
		diag_fatal_at(reader->display_name, reader->line_number,
		    "column '%s' is empty", column_label(reader, column,
		    number, sizeof(number)));
	if (status != NUMERIC_OK)
		diag_fatal_at(reader->display_name, reader->line_number,
		    "column '%s' is %s: '%s'", column_label(reader, column,
		    number, sizeof(number)), numeric_status_phrase(status),
		    diag_quote(text, length));
	return value;
}

bool
tsv_reader_fields_double(const struct tsv_reader *reader,
    const struct field_list *list, bool skip_invalid, double *values)
{
	size_t j;

	for (j = 0; j < list->n_fields; j++) {
		if (!skip_invalid)
			values[j] = tsv_reader_field_double(reader,
			    list->columns[j]);
		else if (!tsv_reader_field_try_double(reader,
		    list->columns[j], &values[j]))
			return false;
	}
	return true;
}

void
tsv_reader_report_skipped(const struct tsv_reader *reader,
    unsigned long long skipped)
{
	if (skipped > 0)
		diag_warn("%s: skipped %llu row%s with an empty, non-numeric "
		    "or non-finite value", reader->display_name, skipped,
		    skipped == 1 ? "" : "s");
}

long
tsv_reader_line_number(const struct tsv_reader *reader)
{
	return reader->line_number;
}

const char *
tsv_reader_display_name(const struct tsv_reader *reader)
{
	return reader->display_name;
}

unsigned long long
tsv_reader_row_count(const struct tsv_reader *reader)
{
	return reader->row_count;
}

void
tsv_reader_close(struct tsv_reader *reader)
{
	size_t i;

	if (reader == NULL)
		return;
	if (reader->fd != STDIN_FILENO)
		close(reader->fd);
	csv_free(&reader->parser);
	for (i = 0; i < reader->n_columns; i++)
		free(reader->column_names[i]);
	free(reader->column_names);
	free(reader->field_text);
	free(reader->field_offsets);
	free(reader->field_lengths);
	free(reader->buffer);
	free(reader->display_name);
	free(reader);
}
