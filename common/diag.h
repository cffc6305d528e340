/*
 * diag.h - diagnostics, exit statuses and checked allocation shared by
 * every program of the toolchain.
 *
 * Every message a program prints goes through these functions, so the
 * format cannot drift between tools:
 *
 *	prog: file:line: what is wrong	(input errors)
 *	prog: file: reason		(I/O errors)
 *	prog: message			(anything else)
 *
 * Exit statuses: 0 success, 1 bad data or a failed read or write,
 * 2 bad usage.  Functions named *_fatal and *_usage never return.
 */
#ifndef DIAG_H
#define DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum {
	EXIT_DATA_ERROR = 1,	/* bad data, failed read or write */
	EXIT_USAGE_ERROR = 2	/* the program was called wrongly */
};

/* Record the program name used as the prefix of every message. */
void diag_set_program(const char *name);

/* The program name given to diag_set_program ("?" before that). */
const char *diag_program(void);

/*
 * Record the synopsis printed after a usage error; the text is the
 * SYNOPSIS of the man page, one or more lines without "usage:".
 */
void diag_set_synopsis(const char *synopsis);

/* "prog: message" on stderr, then exit 1. */
void diag_fatal(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* "prog: file:line: message" on stderr, then exit 1. */
void diag_fatal_at(const char *file, long line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* "prog: what: strerror(errno)" on stderr, then exit 1. */
void diag_fatal_errno(const char *what) __attribute__((noreturn));

/* "prog: message" followed by the synopsis on stderr, then exit 2. */
void diag_usage(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/*
 * For fuzzing harnesses only, never for programs: once a handler is set,
 * every function above that would exit (the *_fatal ones, diag_usage
 * and the allocators) prints its message and then calls handler with
 * the exit status instead, so that a harness can longjmp back and try
 * the next input.  Memory and descriptors held by the code that failed
 * are left for the harness to reclaim.  If the handler returns, the
 * program exits with the status as usual.  NULL restores plain exit.
 */
void diag_set_fatal_handler(void (*handler)(int exit_status));

/*
 * Have hook called once, just before a fatal error (any of the *_fatal
 * functions, diag_usage, a failed allocation) ends the program, after
 * its message: the place to write out what must not be lost, such as
 * the whole rows a streaming program has buffered.  The hook must not
 * end the program itself.  Not called under a fatal handler.  NULL
 * removes it.
 */
void diag_set_exit_hook(void (*hook)(void));

/* "prog: message" on stderr; the program goes on. */
void diag_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "prog: file:line: message" on stderr; the program goes on. */
void diag_warn_at(const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Turn --verbose on or off; off by default. */
void diag_set_verbose(bool on);
bool diag_is_verbose(void);

/* "prog: message" on stderr, only when --verbose is on. */
void diag_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Progress meter: one line on stderr, rewritten in place, shown only when
 * stderr is a terminal and at most a few times a second.  diag_progress
 * takes a label and a count of items done; diag_progress_end clears it.
 */
void diag_progress(const char *label, unsigned long long done);
void diag_progress_end(void);

/*
 * Allocation that ends the program with "prog: out of memory" instead of
 * returning NULL.  Sizes are checked for overflow (n * size).
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t length);

/*
 * Quote a value for a message: the first 40 bytes, with tabs, control
 * bytes and invalid UTF-8 shown as escapes.  The result lives in one of
 * four rotating static buffers, so up to four can appear in one message.
 */
const char *diag_quote(const char *s, size_t length);

/* Whether the length bytes at s are well-formed UTF-8. */
bool utf8_is_valid(const char *s, size_t length);

#endif
