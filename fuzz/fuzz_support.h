/*
 * fuzz_support.h - what every libFuzzer harness of the toolchain shares.
 *
 * The shared core ends a program on bad input through common/diag.c.  A
 * harness must survive that and go on to the next input, so fuzz_run
 * sets a diag fatal handler that longjmps back to it.  Whatever the
 * failed code had allocated or opened is then reclaimed here: the
 * allocations are tracked through the sanitizer allocator's malloc and
 * free hooks (which see libcsv's allocations too), and descriptors that
 * appeared during the run are closed.  On a run that returns normally
 * nothing is reclaimed, so LeakSanitizer still reports real leaks; the
 * harnesses run with leak detection on.
 *
 * GLib keeps small blocks in slabs of its own unless G_SLICE is
 * always-malloc, which it reads at load time; libFuzzer's start-up hook,
 * LLVMFuzzerInitialize, sets it and runs the harness again, so that an
 * aborted run's GLib blocks are plain malloc blocks, reclaimed as above.
 *
 * Inputs reach the code under test through memory files (memfd), either
 * as standard input or by a path of the form /proc/self/fd/N.
 * Standard output goes to /dev/null unless a harness captures it.
 *
 * Limits: one harness thread; at most FUZZ_MAX_TRACKED allocations live
 * at once during a run (the harness aborts, saying so, past that).
 */
#ifndef FUZZ_SUPPORT_H
#define FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_MAX_TRACKED 32768

/* A memory file that code under test can open by path. */
struct fuzz_file {
	int fd;
	char path[40];		/* "/proc/self/fd/N" */
};

/*
 * libFuzzer's start-up hook, defined here for every harness: runs the
 * harness again with G_SLICE=always-malloc unless it already has it.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * Once per process: name the program in messages, hook diag and the
 * allocator, send standard output to /dev/null and warm up the C
 * library, so that its one-time allocations are not taken for the
 * run's.  Safe to call on every input; only the first call acts.
 */
void fuzz_setup(const char *program_name);

/*
 * Run body(context) and return 0 if it returned, or the exit status the
 * code under test asked for through diag (1 or 2).  After a nonzero
 * status, the memory and descriptors of the run have been reclaimed.
 */
int fuzz_run(void (*body)(void *context), void *context);

/* Make an empty memory file. */
void fuzz_file_open(struct fuzz_file *file);

/* Replace the file's contents with size bytes of data, offset 0. */
void fuzz_file_fill(struct fuzz_file *file, const void *data, size_t size);

/* Make the file standard input (descriptor 0), read from offset 0. */
void fuzz_file_as_stdin(const struct fuzz_file *file);

/*
 * Send standard output into the file instead of /dev/null (file !=
 * NULL), or back to /dev/null (file == NULL).  The file is emptied.
 */
void fuzz_capture_stdout(struct fuzz_file *file);

/*
 * The bytes written to the file, NUL-terminated, in a buffer the caller
 * frees; *size gets their number.
 */
char *fuzz_file_contents(const struct fuzz_file *file, size_t *size);

/* Print "harness: what" on stderr and abort, so libFuzzer keeps it. */
void fuzz_fail(const char *what) __attribute__((noreturn));

#endif
