/*
 * tsv_writer.c - checked, buffered output (see tsv_writer.h).
 *
 * The buffer is written with write(2) so that every error is seen where
 * it happens.  SIGPIPE is ignored once, when the first writer is made, so
 * that a closed pipe shows up as EPIPE and the program can end quietly
 * instead of being killed by the signal.
 *
 * A full buffer is written out only up to its last line end, and when a
 * program ends through diag_fatal, what it had not flushed is dropped,
 * or for a writer kept with tsv_writer_keep_rows_on_error, written out
 * up to its last line end.  Either way the output of a run that stops
 * on a bad row late in a stream ends with a whole row, never half of
 * one (unless one line outgrows the buffer).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "tsv_writer.h"

#define WRITER_BUFFER_SIZE (64 * 1024)

struct tsv_writer {
	int fd;
	char *name;
	size_t used;
	char buffer[WRITER_BUFFER_SIZE];
};

static struct tsv_writer *
make_writer(int fd, const char *name)
{
	static bool sigpipe_ignored;
	struct tsv_writer *writer = xmalloc(sizeof(*writer));

	if (!sigpipe_ignored) {
		signal(SIGPIPE, SIG_IGN);
		sigpipe_ignored = true;
	}
	writer->fd = fd;
	writer->name = xstrdup(name);
	writer->used = 0;
	return writer;
}

struct tsv_writer *
tsv_writer_stdout(void)
{
	return make_writer(STDOUT_FILENO, "stdout");
}

struct tsv_writer *
tsv_writer_fd(int fd, const char *name)
{
	return make_writer(fd, name);
}

/*
 * Write the first length bytes of the buffer.  A closed pipe on standard
 * output ends the program quietly (the reader wants no more); on any
 * other file it is an error like a full disk, since that output was
 * asked for by name.
 */
static void
write_out(struct tsv_writer *writer, size_t length)
{
	size_t done = 0;

	while (done < length) {
		ssize_t n = write(writer->fd, writer->buffer + done,
		    length - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE && writer->fd == STDOUT_FILENO)
			exit(0);
		if (n < 0)
			diag_fatal_errno(writer->name);
		done += (size_t)n;
	}
}

void
tsv_writer_flush(struct tsv_writer *writer)
{
	write_out(writer, writer->used);
	writer->used = 0;
}

/* A full buffer: write the whole lines, keep the start of the next. */
static void
flush_whole_lines(struct tsv_writer *writer)
{
	size_t length = writer->used;

	while (length > 0 && writer->buffer[length - 1] != '\n')
		length--;
	if (length == 0)
		length = writer->used;	/* one line longer than the buffer */

	write_out(writer, length);
	memmove(writer->buffer, writer->buffer + length,
	    writer->used - length);
	writer->used -= length;
}

void
tsv_writer_put(struct tsv_writer *writer, const char *text, size_t length)
{
	while (length > 0) {
		size_t room = WRITER_BUFFER_SIZE - writer->used;
		size_t n = length < room ? length : room;

		memcpy(writer->buffer + writer->used, text, n);
		writer->used += n;
		text += n;
		length -= n;
		if (writer->used == WRITER_BUFFER_SIZE)
			flush_whole_lines(writer);
	}
}

void
tsv_writer_put_string(struct tsv_writer *writer, const char *text)
{
	tsv_writer_put(writer, text, strlen(text));
}

void
tsv_writer_put_char(struct tsv_writer *writer, char c)
{
	if (writer->used == WRITER_BUFFER_SIZE)
		flush_whole_lines(writer);
	writer->buffer[writer->used++] = c;
}

/* Print the special values; returns true if value was one of them. */
static bool
format_special(double value, char *buffer)
{
	if (isinf(value)) {
		strcpy(buffer, value > 0 ? "inf" : "-inf");
		return true;
	}
	if (isnan(value)) {
		strcpy(buffer, "nan");
		return true;
	}
	if (value == 0) {
		strcpy(buffer, "0");
		return true;
	}
	return false;
}

void
number_format(double value, int precision, char *buffer)
{
	if (!format_special(value, buffer))
		snprintf(buffer, 64, "%.*g", precision, value);
	/*
	 * Near the largest double, rounding to few digits can go past it
	 * ("2e+308" for 1.5e308), which would read back as infinite: add
	 * digits until it does not (17 are always enough).
	 */
	while (fabs(value) > 1e308 && !isinf(value) && precision < 17 &&
	    isinf(strtod(buffer, NULL)))
		snprintf(buffer, 64, "%.*g", ++precision, value);
	if (strcmp(buffer, "-0") == 0)
		strcpy(buffer, "0");
}

void
number_format_exact(double value, char *buffer)
{
	int precision;

	if (format_special(value, buffer))
		return;
	for (precision = 15; precision < 17; precision++) {
		snprintf(buffer, NUMBER_EXACT_SIZE, "%.*g", precision, value);
		if (strtod(buffer, NULL) == value)
			return;
	}
	snprintf(buffer, NUMBER_EXACT_SIZE, "%.17g", value);
}

void
tsv_writer_put_double(struct tsv_writer *writer, double value, int precision)
{
	char buffer[64];

	number_format(value, precision, buffer);
	tsv_writer_put_string(writer, buffer);
}

void
tsv_writer_put_exact(struct tsv_writer *writer, double value)
{
	char buffer[NUMBER_EXACT_SIZE];

	number_format_exact(value, buffer);
	tsv_writer_put_string(writer, buffer);
}

void
tsv_writer_put_count(struct tsv_writer *writer, unsigned long long value)
{
	char buffer[24];
	int length = snprintf(buffer, sizeof(buffer), "%llu", value);

	tsv_writer_put(writer, buffer, (size_t)length);
}

static struct tsv_writer *kept_writer;

/*
 * The exit hook of a kept writer: its whole lines, written as far as
 * they go.  The run has already failed with its own message, so a
 * write that fails now (a closed pipe, a full disk) only stops this.
 */
static void
write_kept_rows(void)
{
	size_t length = kept_writer->used, done = 0;
	ssize_t n;

	while (length > 0 && kept_writer->buffer[length - 1] != '\n')
		length--;
	while (done < length) {
		n = write(kept_writer->fd, kept_writer->buffer + done,
		    length - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

void
tsv_writer_keep_rows_on_error(struct tsv_writer *writer)
{
	kept_writer = writer;
	diag_set_exit_hook(write_kept_rows);
}

void
tsv_writer_close(struct tsv_writer *writer)
{
	tsv_writer_flush(writer);
	if (writer == kept_writer) {
		kept_writer = NULL;
		diag_set_exit_hook(NULL);
	}
	if (writer->fd != STDOUT_FILENO) {
		if (fsync(writer->fd) != 0 && errno != EINVAL)
			diag_fatal_errno(writer->name);
		if (close(writer->fd) != 0)
			diag_fatal_errno(writer->name);
	}
	free(writer->name);
	free(writer);
}
