/*
 * tsv_reader.h - reading tab-separated input, a row at a time.
 *
 * Every program reads its input through this reader, so the rules are
 * the same everywhere:
 *  - fields are split on tabs by libcsv; there is no quoting, so a '"'
 *    is an ordinary byte and a field is everything between two tabs;
 *  - the first line is a header of column names, unless the reader is
 *    opened without one (then columns are named "1", "2", ...);
 *  - a UTF-8 byte order mark at the start and a CR before each LF are
 *    dropped;
 *  - every row must have as many fields as the header (or, without a
 *    header, as the first row); an empty line, a NUL byte, a CR inside a
 *    line, a duplicate, empty or non-UTF-8 column name are errors;
 *  - errors end the program as "prog: file:line: what is wrong" (exit 1),
 *    naming standard input "stdin".
 * Lines may be of any length; memory is that of the longest line.
 */
#ifndef TSV_READER_H
#define TSV_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "field_list.h"

struct tsv_reader;

/*
 * Open path ("-" or NULL for standard input) and read its header line
 * (when has_header).  Ends the program on an unreadable file, an empty
 * input or a bad header.  The reader is freed by tsv_reader_close.
 */
struct tsv_reader *tsv_reader_open(const char *path, bool has_header);

/*
 * Read the next row.  Returns false at the end of the input; ends the
 * program on a read error or a malformed row.  The fields stay valid
 * until the next call.
 */
bool tsv_reader_next_row(struct tsv_reader *reader);

/*
 * Number of columns, fixed by the header or, without one, by the first
 * row (read ahead when the reader is opened); 0 for an empty input
 * without a header.
 */
size_t tsv_reader_n_columns(const struct tsv_reader *reader);

/* Whether the input had a header line. */
bool tsv_reader_has_header(const struct tsv_reader *reader);

/* Name of a column (0-based), NUL-terminated, owned by the reader. */
const char *tsv_reader_column_name(const struct tsv_reader *reader,
    size_t column);

/* The array of all column names, in order. */
const char *const *tsv_reader_column_names(const struct tsv_reader *reader);

/* Field of the current row (0-based), NUL-terminated, and its length. */
const char *tsv_reader_field(const struct tsv_reader *reader, size_t column);
size_t tsv_reader_field_length(const struct tsv_reader *reader,
    size_t column);

/*
 * The field converted to a finite double; anything else (empty, text,
 * NaN, infinity) ends the program naming the file, line and column.
 */
double tsv_reader_field_double(const struct tsv_reader *reader,
    size_t column);

/*
 * As tsv_reader_field_double, but returns false instead of ending the
 * program, for callers that skip such rows.
 */
bool tsv_reader_field_try_double(const struct tsv_reader *reader,
    size_t column, double *value);

/*
 * The current row's fields in list, converted into values (one per
 * field, in list order).  With skip_invalid, returns false at the first
 * field that is not a finite number (the caller counts and skips the
 * row); without, such a field ends the program as
 * tsv_reader_field_double does.
 */
bool tsv_reader_fields_double(const struct tsv_reader *reader,
    const struct field_list *list, bool skip_invalid, double *values);

/*
 * Say on stderr how many rows were skipped under --skip-invalid, if any:
 * "prog: file: skipped N rows with an empty, non-numeric or non-finite
 * value".
 */
void tsv_reader_report_skipped(const struct tsv_reader *reader,
    unsigned long long skipped);

/* Line number of the current row (the header is line 1). */
long tsv_reader_line_number(const struct tsv_reader *reader);

/* The file name used in messages ("stdin" for standard input). */
const char *tsv_reader_display_name(const struct tsv_reader *reader);

/* Number of data rows read so far. */
unsigned long long tsv_reader_row_count(const struct tsv_reader *reader);

/*
 * Open path for reading rows of differing lengths, with no header (model
 * files are read this way).  tsv_reader_n_fields gives the length of the
 * current row; the other rules hold as above.
 */
struct tsv_reader *tsv_reader_open_ragged(const char *path);

/* Number of fields in the current row. */
size_t tsv_reader_n_fields(const struct tsv_reader *reader);

/* Close the input and free the reader. */
void tsv_reader_close(struct tsv_reader *reader);

#endif
