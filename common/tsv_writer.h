/*
 * tsv_writer.h - buffered output of TSV rows and numbers.
 *
 * Every program writes its results through a writer, which buffers and
 * checks each write: a write error (a full disk, "> /dev/full") ends the
 * program with "prog: name: reason" (exit 1); a closed pipe ("| head")
 * ends it quietly with status 0, since the reader asked for no more.
 *
 * Numbers are printed in one of two ways:
 *  - data output: "%.*g" with a precision (significant digits) that each
 *    program's --precision sets, NUMBER_DEFAULT_PRECISION by default;
 *  - exact output (models): the shortest decimal that reads back to the
 *    same double bit for bit.
 * Both print -0 as 0, and infinities as "inf" and "-inf".
 */
#ifndef TSV_WRITER_H
#define TSV_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#define NUMBER_DEFAULT_PRECISION 6
#define NUMBER_EXACT_SIZE 32	/* enough for any exact number */

struct tsv_writer;

/* A writer on standard output, named "stdout" in messages. */
struct tsv_writer *tsv_writer_stdout(void);

/* A writer on an open descriptor, named name in messages. */
struct tsv_writer *tsv_writer_fd(int fd, const char *name);

/* Append text, one byte, a field separator or a line end. */
void tsv_writer_put(struct tsv_writer *writer, const char *text,
    size_t length);
void tsv_writer_put_string(struct tsv_writer *writer, const char *text);
void tsv_writer_put_char(struct tsv_writer *writer, char c);
#define tsv_writer_tab(writer) tsv_writer_put_char((writer), '\t')
#define tsv_writer_newline(writer) tsv_writer_put_char((writer), '\n')

/* Append a number with precision significant digits ("%.*g"). */
void tsv_writer_put_double(struct tsv_writer *writer, double value,
    int precision);

/* Append a number exactly (shortest round-trip form). */
void tsv_writer_put_exact(struct tsv_writer *writer, double value);

/* Append an unsigned whole number. */
void tsv_writer_put_count(struct tsv_writer *writer,
    unsigned long long value);

/*
 * For the programs that stream (a row out for each row in): should a
 * fatal error end the program before the writer is closed, the whole
 * rows it holds are written out first, so that the output ends with
 * the last row made before the error, as a filter's should.  Without
 * this, what was not yet written is dropped.  One writer at a time;
 * tsv_writer_close takes it back.
 */
void tsv_writer_keep_rows_on_error(struct tsv_writer *writer);

/* Write out the buffer; ends the program on a write error. */
void tsv_writer_flush(struct tsv_writer *writer);

/*
 * Flush, then (for descriptors other than standard output) fsync and
 * close, and free the writer.  Ends the program on any error.
 */
void tsv_writer_close(struct tsv_writer *writer);

/* Format value exactly into buffer (NUMBER_EXACT_SIZE bytes). */
void number_format_exact(double value, char *buffer);

/* Format value with precision significant digits into buffer (64 B). */
void number_format(double value, int precision, char *buffer);

#endif
