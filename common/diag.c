/*
 * diag.c - the one place where messages are formatted and programs exit
 * on error.  See diag.h for the formats and the exit statuses.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"

static const char *program_name = "?";
static const char *program_synopsis;
static bool verbose_enabled;
static bool progress_shown;
static time_t progress_last;
static void (*fatal_handler)(int exit_status);
static void (*exit_hook)(void);

void
diag_set_program(const char *name)
{
	const char *slash = strrchr(name, '/');

	program_name = slash != NULL ? slash + 1 : name;
}

const char *
diag_program(void)
{
	return program_name;
}

void
diag_set_synopsis(const char *synopsis)
{
	program_synopsis = synopsis;
}

void
diag_set_fatal_handler(void (*handler)(int exit_status))
{
	fatal_handler = handler;
}

void
diag_set_exit_hook(void (*hook)(void))
{
	exit_hook = hook;
}

/*
 * End the program, or hand the status to a harness's handler.  The exit
 * hook is taken off first, so that it runs at most once even should it
 * fail, and never for a harness, whose run's memory is about to be
 * reclaimed.
 */
static void __attribute__((noreturn))
leave(int exit_status)
{
	void (*hook)(void) = exit_hook;

	exit_hook = NULL;
	if (fatal_handler != NULL)
		fatal_handler(exit_status);
	if (hook != NULL)
		hook();
	exit(exit_status);
}

static void
clear_progress(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = false;
	}
}

static void
print_message(const char *file, long line, const char *fmt, va_list ap)
{
	clear_progress();
	fprintf(stderr, "%s: ", program_name);
	if (file != NULL && line > 0)
		fprintf(stderr, "%s:%ld: ", file, line);
	else if (file != NULL)
		fprintf(stderr, "%s: ", file);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
diag_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_message(NULL, 0, fmt, ap);
	va_end(ap);
	leave(EXIT_DATA_ERROR);
}

void
diag_fatal_at(const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_message(file, line, fmt, ap);
	va_end(ap);
	leave(EXIT_DATA_ERROR);
}

void
diag_fatal_errno(const char *what)
{
	int saved_errno = errno;

	clear_progress();
	fprintf(stderr, "%s: %s: %s\n", program_name, what,
	    strerror(saved_errno));
	leave(EXIT_DATA_ERROR);
}

void
diag_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_message(NULL, 0, fmt, ap);
	va_end(ap);
	if (program_synopsis != NULL)
		fprintf(stderr, "usage: %s\n", program_synopsis);
	leave(EXIT_USAGE_ERROR);
}

void
diag_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_message(NULL, 0, fmt, ap);
	va_end(ap);
}

void
diag_warn_at(const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_message(file, line, fmt, ap);
	va_end(ap);
}

void
diag_set_verbose(bool on)
{
	verbose_enabled = on;
}

bool
diag_is_verbose(void)
{
	return verbose_enabled;
}

void
diag_verbose(const char *fmt, ...)
{
	va_list ap;

	if (!verbose_enabled)
		return;
	va_start(ap, fmt);
	print_message(NULL, 0, fmt, ap);
	va_end(ap);
}

void
diag_progress(const char *label, unsigned long long done)
{
	time_t now;

	if (!isatty(STDERR_FILENO))
		return;
	now = time(NULL);
	if (progress_shown && now == progress_last)
		return;
	progress_last = now;
	fprintf(stderr, "\r%s: %s: %llu\033[K", program_name, label, done);
	fflush(stderr);
	progress_shown = true;
}

void
diag_progress_end(void)
{
	clear_progress();
}

static void *
check_allocation(void *p)
{
	if (p == NULL)
		diag_fatal("out of memory");
	return p;
}

void *
xmalloc(size_t size)
{
	return check_allocation(malloc(size == 0 ? 1 : size));
}

void *
xcalloc(size_t n, size_t size)
{
	return check_allocation(calloc(n == 0 ? 1 : n, size == 0 ? 1 : size));
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		diag_fatal("out of memory");
	return check_allocation(realloc(p, n * size == 0 ? 1 : n * size));
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t length)
{
	char *copy = xmalloc(length + 1);

	memcpy(copy, s, length);
	copy[length] = '\0';
	return copy;
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not valid. */
static size_t
utf8_sequence_length(const unsigned char *s, size_t available)
{
	size_t length, i;
	uint32_t code;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		length = 2, code = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		length = 3, code = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		length = 4, code = s[0] & 0x07;
	else
		return 0;
	if (length > available)
		return 0;
	for (i = 1; i < length; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		code = code << 6 | (s[i] & 0x3f);
	}
	if ((length == 3 && (code < 0x800 || (code >= 0xd800 &&
	    code <= 0xdfff))) || (length == 4 && (code < 0x10000 ||
	    code > 0x10ffff)))
		return 0;
	return length;
}

const char *
diag_quote(const char *s, size_t length)
{
	static char buffers[4][200];
	static int next;
	char *out = buffers[next];
	const unsigned char *in = (const unsigned char *)s;
	size_t i = 0, used = 0, shown = length > 40 ? 40 : length;

	next = (next + 1) % 4;
	while (i < shown) {
		size_t n = utf8_sequence_length(in + i, length - i);

		if (n == 0 || in[i] < 0x20 || in[i] == 0x7f) {
			used += snprintf(out + used, 5, "\\x%02x", in[i]);
			i++;
		} else {
			memcpy(out + used, in + i, n);
			used += n;
			i += n;
		}
	}
	if (shown < length) {
		memcpy(out + used, "...", 3);
		used += 3;
	}
	out[used] = '\0';
	return out;
}

bool
utf8_is_valid(const char *s, size_t length)
{
	const unsigned char *in = (const unsigned char *)s;
	size_t i = 0;

	while (i < length) {
		size_t n = utf8_sequence_length(in + i, length - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}
