/*
 * model_file.h - saving and loading fitted models.
 *
 * A model file is plain text, one record per line, fields separated by
 * tabs, the first field naming the record, so it reads with awk:
 *
 *	model	KIND	VERSION		kind of model and format version
 *	features	NAME...		the columns the model was fitted on
 *	KEY	VALUE...		the model's own records
 *	end	N			the number of lines, this one included
 *
 * The end record makes a file cut short detectable: model_read refuses
 * a model whose last line is not the end record with the right count.
 *
 * Numbers are printed exactly (shortest round-trip decimal), so a model
 * read back holds the same doubles, bit for bit.
 *
 * Writing goes to a temporary file beside the target, which is flushed,
 * synced and renamed over the target only when the model is complete: a
 * failed or killed run leaves any previous model as it was.  A program
 * that ends through diag_fatal or a SIGINT, SIGTERM or SIGHUP removes its
 * temporary file.  Writing to "-" goes straight to standard output.
 */
#ifndef MODEL_FILE_H
#define MODEL_FILE_H

#include <stddef.h>

#include "field_list.h"
#include "tsv_reader.h"

struct model_writer;

/*
 * Start a model of the given kind and format version at path ("-" for
 * standard output) and write its model and features records.
 */
struct model_writer *model_writer_open(const char *path, const char *kind,
    int version, const char *const *features, size_t n_features);

/*
 * A path that names a device or a pipe (/dev/stdout, a FIFO) cannot be
 * replaced by a rename and is written in place; a directory is refused.
 *
 * The same atomic replacement for a file that is not a model (a side
 * output such as a table of resamples): no header records are written;
 * write through model_writer_output and finish with model_writer_commit.
 */
struct model_writer *model_writer_open_file(const char *path);
struct tsv_writer *model_writer_output(struct model_writer *writer);

/* Records: begin one with its key, add values, end it. */
void model_writer_begin(struct model_writer *writer, const char *key);
void model_writer_put_exact(struct model_writer *writer, double value);
void model_writer_put_count(struct model_writer *writer,
    unsigned long long value);
void model_writer_put_string(struct model_writer *writer, const char *text);
void model_writer_end(struct model_writer *writer);

/* A whole record: key, then n values printed exactly. */
void model_writer_put_record(struct model_writer *writer, const char *key,
    const double *values, size_t n);

/* A whole record: key, then one whole number. */
void model_writer_put_count_record(struct model_writer *writer,
    const char *key, unsigned long long value);

/*
 * Finish the file (a model gets its end record) and move it into place;
 * ends the program on error.
 */
void model_writer_commit(struct model_writer *writer);

struct model_record {
	char *key;
	size_t n_values;
	char **values;
	long line_number;
};

struct model {
	char *path;		/* as given, for messages */
	char *kind;
	int version;
	size_t n_features;
	char **features;
	size_t n_records;
	struct model_record *records;	/* after model and features */
};

/*
 * Read a model file and check that it is of the given kind with a
 * format version from 1 to max_version and ends with its end record.
 * Ends the program, naming the file and line, on anything else.  The
 * records exclude model, features and end.  Free with model_free.
 */
struct model *model_read(const char *path, const char *kind,
    int max_version);

/*
 * The n-th (0-based) record with the given key, or NULL.  With
 * n_values > 0 the record must have exactly that many values, otherwise
 * the program ends naming the line.
 */
const struct model_record *model_find(const struct model *model,
    const char *key, size_t n, size_t n_values);

/* As model_find, but a missing record ends the program. */
const struct model_record *model_require(const struct model *model,
    const char *key, size_t n_values);

/* Value i of a record as a finite double; ends the program otherwise. */
double model_value_double(const struct model *model,
    const struct model_record *record, size_t i);

/*
 * The n-th (0-based) record with the given key, which must exist and
 * hold exactly n_values finite numbers, into values.  Ends the program
 * naming the file (and line) otherwise.
 */
void model_read_record(const struct model *model, const char *key,
    size_t n, size_t n_values, double *values);

/*
 * Require value i of the n-th record with the given key (read already,
 * into value) not to be negative, as a count, a sum of squares or an
 * inertia cannot be; ends the program naming the line otherwise.
 */
void model_require_nonnegative(const struct model *model, const char *key,
    size_t n, size_t i, double value);

/* Value i of a record as a whole number in [min, max]. */
long model_value_long(const struct model *model,
    const struct model_record *record, size_t i, long min, long max);

/*
 * Find each model feature among the input's columns, by name, in any
 * order.  A feature missing from the input ends the program with a
 * message naming the input and the model.
 */
struct field_list model_match_columns(const struct model *model,
    const struct tsv_reader *reader);

/*
 * The model's features must be names[0..n-1], in that order.  Otherwise
 * the program ends naming the model's features line, with a message
 * "column 2 is 'b', but OTHER VERB 'a'": other says where the names
 * come from ("base.partial"), verb agrees with it ("has").
 */
void model_check_features(const struct model *model,
    const char *const *names, size_t n, const char *other,
    const char *verb);

void model_free(struct model *model);

#endif
