/*
 * model_file.c - atomic model writing and checked model reading (see
 * model_file.h for the format).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "model_file.h"
#include "numeric_parse.h"
#include "tsv_writer.h"

struct model_writer {
	struct tsv_writer *output;
	char *target_path;		/* NULL when writing to stdout */
	char *temporary_path;
	bool in_place;			/* a device or pipe, written directly */
	bool record_has_key;
	bool is_model;			/* ends with the 'end' record */
	unsigned long long n_lines;	/* lines written so far */
};

/*
 * The temporary file being written, removed at exit or on a signal if
 * it was not committed.  A program writes one model at a time.
 */
static char *pending_temporary_path;

static void
remove_pending_file(void)
{
	if (pending_temporary_path != NULL)
		unlink(pending_temporary_path);
}

static void
remove_pending_file_on_signal(int signal_number)
{
	remove_pending_file();
	signal(signal_number, SIG_DFL);
	raise(signal_number);
}

static void
install_cleanup(void)
{
	static bool installed;

	if (installed)
		return;
	installed = true;
	atexit(remove_pending_file);
	signal(SIGINT, remove_pending_file_on_signal);
	signal(SIGTERM, remove_pending_file_on_signal);
	signal(SIGHUP, remove_pending_file_on_signal);
}

static int
open_temporary_beside(const char *target, char **temporary_path)
{
	char *copy = xstrdup(target), *base_copy = xstrdup(target);
	const char *directory = dirname(copy), *base = basename(base_copy);
	size_t size = strlen(directory) + strlen(base) + 16;
	int fd;

	*temporary_path = xmalloc(size);
	snprintf(*temporary_path, size, "%s/.%s.XXXXXX", directory, base);
	free(copy);
	free(base_copy);
	install_cleanup();
	if ((fd = mkstemp(*temporary_path)) < 0)
		diag_fatal_errno(target);
	pending_temporary_path = *temporary_path;
	return fd;
}

/*
 * The descriptor that path names when it is one of the process's own
 * (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N), else -1.
 * Such a file is written through a copy of the descriptor, which keeps
 * its offset and append mode; reopening it by name would start at the
 * beginning, and renaming over it would replace the system's link.
 */
static int
own_descriptor(const char *path)
{
	const char *number = NULL;
	char *end;
	long fd;

	if (strcmp(path, "/dev/stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(path, "/dev/stderr") == 0)
		return STDERR_FILENO;
	if (strncmp(path, "/dev/fd/", 8) == 0)
		number = path + 8;
	else if (strncmp(path, "/proc/self/fd/", 14) == 0)
		number = path + 14;
	if (number == NULL || *number < '0' || *number > '9')
		return -1;
	errno = 0;
	fd = strtol(number, &end, 10);
	return *end == '\0' && errno == 0 && fd <= INT_MAX ? (int)fd : -1;
}

struct model_writer *
model_writer_open_file(const char *path)
{
	struct model_writer *writer = xcalloc(1, sizeof(*writer));
	struct stat status;
	int fd;

	if (strcmp(path, "-") == 0)
		writer->output = tsv_writer_stdout();
	else if ((fd = own_descriptor(path)) >= 0) {
		if ((fd = dup(fd)) < 0)
			diag_fatal_errno(path);
		writer->in_place = true;
		writer->output = tsv_writer_fd(fd, path);
	} else if (stat(path, &status) == 0 && !S_ISREG(status.st_mode)) {
		/*
		 * A directory is refused; a device or a pipe (/dev/stdout,
		 * a FIFO) cannot be replaced by a rename, so it is written
		 * in place.
		 */
		if (S_ISDIR(status.st_mode)) {
			errno = EISDIR;
			diag_fatal_errno(path);
		}
		if ((fd = open(path, O_WRONLY)) < 0)
			diag_fatal_errno(path);
		writer->in_place = true;
		writer->output = tsv_writer_fd(fd, path);
	} else {
		/*
		 * A symbolic link is followed: the file it points to is
		 * replaced, beside itself, and the link stays a link.
		 */
		if (lstat(path, &status) == 0 && S_ISLNK(status.st_mode)) {
			if ((writer->target_path = realpath(path, NULL)) ==
			    NULL)
				diag_fatal_errno(path);
		} else
			writer->target_path = xstrdup(path);
		writer->output = tsv_writer_fd(open_temporary_beside(
		    writer->target_path, &writer->temporary_path), path);
	}
	return writer;
}

struct tsv_writer *
model_writer_output(struct model_writer *writer)
{
	return writer->output;
}

struct model_writer *
model_writer_open(const char *path, const char *kind, int version,
    const char *const *features, size_t n_features)
{
	struct model_writer *writer = model_writer_open_file(path);
	size_t i;

	writer->is_model = true;
	model_writer_begin(writer, "model");
	model_writer_put_string(writer, kind);
	model_writer_put_count(writer, (unsigned long long)version);
	model_writer_end(writer);
	model_writer_begin(writer, "features");
	for (i = 0; i < n_features; i++)
		model_writer_put_string(writer, features[i]);
	model_writer_end(writer);
	return writer;
}

void
model_writer_begin(struct model_writer *writer, const char *key)
{
	tsv_writer_put_string(writer->output, key);
}

void
model_writer_put_exact(struct model_writer *writer, double value)
{
	tsv_writer_tab(writer->output);
	tsv_writer_put_exact(writer->output, value);
}

void
model_writer_put_count(struct model_writer *writer, unsigned long long value)
{
	tsv_writer_tab(writer->output);
	tsv_writer_put_count(writer->output, value);
}

void
model_writer_put_string(struct model_writer *writer, const char *text)
{
	tsv_writer_tab(writer->output);
	tsv_writer_put_string(writer->output, text);
}

void
model_writer_end(struct model_writer *writer)
{
	tsv_writer_newline(writer->output);
	writer->n_lines++;
}

void
model_writer_put_record(struct model_writer *writer, const char *key,
    const double *values, size_t n)
{
	size_t i;

	model_writer_begin(writer, key);
	for (i = 0; i < n; i++)
		model_writer_put_exact(writer, values[i]);
	model_writer_end(writer);
}

void
model_writer_put_count_record(struct model_writer *writer, const char *key,
    unsigned long long value)
{
	model_writer_begin(writer, key);
	model_writer_put_count(writer, value);
	model_writer_end(writer);
}

void
model_writer_commit(struct model_writer *writer)
{
	mode_t mask = umask(0);

	umask(mask);
	if (writer->is_model)
		model_writer_put_count_record(writer, "end",
		    writer->n_lines + 1);
	if (writer->target_path == NULL) {
		/* Standard output stays open; a device or pipe is closed. */
		tsv_writer_close(writer->output);
		free(writer);
		return;
	}
	/* mkstemp made the file 0600; give it the usual mode. */
	if (chmod(writer->temporary_path, 0666 & ~mask) != 0)
		diag_fatal_errno(writer->target_path);
	tsv_writer_close(writer->output);
	if (rename(writer->temporary_path, writer->target_path) != 0)
		diag_fatal_errno(writer->target_path);
	pending_temporary_path = NULL;
	free(writer->temporary_path);
	free(writer->target_path);
	free(writer);
}

/* Parse a whole number in [min, max]; false if text is anything else. */
static bool
parse_whole_number(const char *text, long min, long max, long *value)
{
	char *end;

	errno = 0;
	*value = strtol(text, &end, 10);
	return *text != '\0' && *end == '\0' && errno == 0 && *value >= min &&
	    *value <= max;
}

/*
 * Feature names must be ones an input header can have (see
 * tsv_reader.h): not empty, valid UTF-8, and distinct, so that each
 * feature matches exactly one column.
 */
static void
check_feature_name(const struct model *model, size_t i)
{
	const char *name = model->features[i];
	size_t j;

	if (name[0] == '\0')
		diag_fatal_at(model->path, 2, "feature %zu has an empty name",
		    i + 1);
	if (!utf8_is_valid(name, strlen(name)))
		diag_fatal_at(model->path, 2, "feature %zu name is not valid "
		    "UTF-8: '%s'", i + 1, diag_quote(name, strlen(name)));
	for (j = 0; j < i; j++)
		if (strcmp(model->features[j], name) == 0)
			diag_fatal_at(model->path, 2, "duplicate feature name "
			    "'%s' (features %zu and %zu)", diag_quote(name,
			    strlen(name)), j + 1, i + 1);
}

static void
read_first_records(struct model *model, struct tsv_reader *reader,
    const char *kind, int max_version)
{
	size_t i;
	long version;

	if (!tsv_reader_next_row(reader) || tsv_reader_n_fields(reader) != 3 ||
	    strcmp(tsv_reader_field(reader, 0), "model") != 0)
		diag_fatal_at(model->path, 1, "not a model file (expected "
		    "'model', kind and version on the first line)");
	model->kind = xstrdup(tsv_reader_field(reader, 1));
	if (strcmp(model->kind, kind) != 0)
		diag_fatal_at(model->path, 1, "a model of kind '%s', expected "
		    "'%s'", diag_quote(model->kind, strlen(model->kind)),
		    kind);
	if (!parse_whole_number(tsv_reader_field(reader, 2), 1, max_version,
	    &version))
		diag_fatal_at(model->path, 1, "format version '%s' is not one "
		    "this program reads (1 to %d)", diag_quote(
		    tsv_reader_field(reader, 2), tsv_reader_field_length(reader,
		    2)), max_version);
	model->version = (int)version;
	if (!tsv_reader_next_row(reader) || tsv_reader_n_fields(reader) < 2 ||
	    strcmp(tsv_reader_field(reader, 0), "features") != 0)
		diag_fatal_at(model->path, 2, "expected the 'features' record");
	model->n_features = tsv_reader_n_fields(reader) - 1;
	model->features = xcalloc(model->n_features, sizeof(char *));
	for (i = 0; i < model->n_features; i++) {
		model->features[i] = xstrdup(tsv_reader_field(reader, i + 1));
		check_feature_name(model, i);
	}
}

/*
 * The last record must be "end" with the number of lines of the file,
 * its own included: a file cut short at a line end, or inside the last
 * line, is refused instead of read as a smaller model.  The end record
 * is then dropped from the records.
 */
static void
check_end_record(struct model *model)
{
	const struct model_record *last;
	long last_line, n_lines;
	size_t i;

	for (i = 0; i + 1 < model->n_records; i++)
		if (strcmp(model->records[i].key, "end") == 0)
			diag_fatal_at(model->path,
			    model->records[i + 1].line_number,
			    "a record after the 'end' record");
	if (model->n_records == 0 || strcmp(model->records[
	    model->n_records - 1].key, "end") != 0)
		diag_fatal_at(model->path, model->n_records == 0 ? 2 :
		    model->records[model->n_records - 1].line_number,
		    "the model is cut short: its last line is not the "
		    "'end' record");
	last = &model->records[model->n_records - 1];
	last_line = last->line_number;
	if (last->n_values != 1 || !parse_whole_number(last->values[0], 1,
	    LONG_MAX, &n_lines) || n_lines != last_line)
		diag_fatal_at(model->path, last_line, "the 'end' record "
		    "should give the number of lines, %ld", last_line);
	free(last->key);
	free(last->values[0]);
	free(last->values);
	model->n_records--;
}

struct model *
model_read(const char *path, const char *kind, int max_version)
{
	struct model *model = xcalloc(1, sizeof(*model));
	struct tsv_reader *reader = tsv_reader_open_ragged(path);
	size_t capacity = 0, i;

	model->path = xstrdup(tsv_reader_display_name(reader));
	read_first_records(model, reader, kind, max_version);
	while (tsv_reader_next_row(reader)) {
		struct model_record *record;

		if (model->n_records == capacity) {
			capacity = capacity * 2 + 16;
			model->records = xreallocarray(model->records,
			    capacity, sizeof(*model->records));
		}
		record = &model->records[model->n_records++];
		record->key = xstrdup(tsv_reader_field(reader, 0));
		record->n_values = tsv_reader_n_fields(reader) - 1;
		record->values = xcalloc(record->n_values, sizeof(char *));
		for (i = 0; i < record->n_values; i++)
			record->values[i] = xstrdup(tsv_reader_field(reader,
			    i + 1));
		record->line_number = tsv_reader_line_number(reader);
	}
	tsv_reader_close(reader);
	check_end_record(model);
	return model;
}

const struct model_record *
model_find(const struct model *model, const char *key, size_t n,
    size_t n_values)
{
	size_t i;

	for (i = 0; i < model->n_records; i++) {
		const struct model_record *record = &model->records[i];

		if (strcmp(record->key, key) != 0 || n-- > 0)
			continue;
		if (n_values > 0 && record->n_values != n_values)
			diag_fatal_at(model->path, record->line_number,
			    "record '%s' has %zu values, expected %zu", key,
			    record->n_values, n_values);
		return record;
	}
	return NULL;
}

const struct model_record *
model_require(const struct model *model, const char *key, size_t n_values)
{
	const struct model_record *record = model_find(model, key, 0,
	    n_values);

	if (record == NULL)
		diag_fatal_at(model->path, 0, "model has no '%s' record "
		    "(truncated or damaged file?)", key);
	return record;
}

double
model_value_double(const struct model *model,
    const struct model_record *record, size_t i)
{
	const char *text = record->values[i];
	enum numeric_status status;
	double value;

	status = numeric_parse_double(text, strlen(text), &value);
	if (status != NUMERIC_OK)
		diag_fatal_at(model->path, record->line_number,
		    "value %zu of record '%s' is %s: '%s'", i + 1,
		    record->key, numeric_status_phrase(status),
		    diag_quote(text, strlen(text)));
	return value;
}

void
model_read_record(const struct model *model, const char *key, size_t n,
    size_t n_values, double *values)
{
	const struct model_record *record = model_find(model, key, n,
	    n_values);
	size_t i;

	if (record == NULL)
		diag_fatal_at(model->path, 0, "model has no '%s' record "
		    "(truncated or damaged file?)", key);
	for (i = 0; i < n_values; i++)
		values[i] = model_value_double(model, record, i);
}

void
model_require_nonnegative(const struct model *model, const char *key,
    size_t n, size_t i, double value)
{
	const struct model_record *record;

	if (value >= 0)
		return;
	record = model_find(model, key, n, 0);
	diag_fatal_at(model->path, record != NULL ? record->line_number : 0,
	    "value %zu of record '%s' is %g, but it cannot be negative",
	    i + 1, key, value);
}

long
model_value_long(const struct model *model,
    const struct model_record *record, size_t i, long min, long max)
{
	const char *text = record->values[i];
	long value;

	if (!parse_whole_number(text, min, max, &value))
		diag_fatal_at(model->path, record->line_number,
		    "value %zu of record '%s' is not a whole number from "
		    "%ld to %ld: '%s'", i + 1, record->key, min, max,
		    diag_quote(text, strlen(text)));
	return value;
}

struct field_list
model_match_columns(const struct model *model,
    const struct tsv_reader *reader)
{
	struct field_list list = { 0, NULL };
	size_t i, column, n_columns = tsv_reader_n_columns(reader);

	list.columns = xcalloc(model->n_features, sizeof(size_t));
	for (i = 0; i < model->n_features; i++) {
		for (column = 0; column < n_columns; column++)
			if (strcmp(model->features[i],
			    tsv_reader_column_name(reader, column)) == 0)
				break;
		if (column == n_columns)
			diag_fatal_at(tsv_reader_display_name(reader), 1,
			    "no column '%s', which the model %s needs",
			    model->features[i], model->path);
		list.columns[list.n_fields++] = column;
	}
	return list;
}

void
model_free(struct model *model)
{
	size_t i, j;

	if (model == NULL)
		return;
	for (i = 0; i < model->n_records; i++) {
		for (j = 0; j < model->records[i].n_values; j++)
			free(model->records[i].values[j]);
		free(model->records[i].values);
		free(model->records[i].key);
	}
	free(model->records);
	for (i = 0; i < model->n_features; i++)
		free(model->features[i]);
	free(model->features);
	free(model->kind);
	free(model->path);
	free(model);
}

void
model_check_features(const struct model *model, const char *const *names,
    size_t n, const char *other, const char *verb)
{
	size_t j;

	if (model->n_features != n)
		diag_fatal_at(model->path, 2, "%zu columns, but %s %s %zu",
		    model->n_features, other, verb, n);
	for (j = 0; j < n; j++)
		if (strcmp(model->features[j], names[j]) != 0)
			diag_fatal_at(model->path, 2, "column %zu is '%s', but "
			    "%s %s '%s'", j + 1, model->features[j], other,
			    verb, names[j]);
}
