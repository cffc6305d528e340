/*
 * fuzz_support.c - recovery from diag's fatal paths, allocation
 * tracking and memory files for the fuzzing harnesses (see
 * fuzz_support.h).
 *
 * The tracking table maps each pointer allocated during a run and not
 * yet freed to its place in a dense array of live pointers, so that an
 * aborted run can free them all without scanning the whole table.  It is
 * an open-addressing hash table with linear probing and backward-shift
 * deletion, so it needs no tombstones and empties itself as the run
 * frees.  The hooks touch no allocator themselves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sanitizer/allocator_interface.h>

#include "diag.h"
#include "fuzz_support.h"

#define TABLE_SLOTS (2 * FUZZ_MAX_TRACKED)	/* a power of two */
#define WATCHED_DESCRIPTORS 64

struct tracked_slot {
	uintptr_t pointer;	/* 0: empty */
	size_t live_index;	/* place in live_pointers */
};

static struct tracked_slot table[TABLE_SLOTS];
static uintptr_t live_pointers[FUZZ_MAX_TRACKED];
static size_t n_live;
static __thread bool tracking;
static jmp_buf *recovery_point;
static bool set_up;

static size_t
slot_of(uintptr_t pointer)
{
	uint64_t h = (uint64_t)pointer * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 32) & (TABLE_SLOTS - 1);
}

static size_t
find_slot(uintptr_t pointer)
{
	size_t i = slot_of(pointer);

	while (table[i].pointer != 0 && table[i].pointer != pointer)
		i = (i + 1) & (TABLE_SLOTS - 1);
	return i;
}

static void
on_malloc(const volatile void *pointer, size_t size)
{
	size_t i;

	(void)size;
	if (!tracking || pointer == NULL)
		return;
	if (n_live == FUZZ_MAX_TRACKED) {
		tracking = false;
		fuzz_fail("more live allocations than FUZZ_MAX_TRACKED");
	}
	i = find_slot((uintptr_t)pointer);
	table[i].pointer = (uintptr_t)pointer;
	table[i].live_index = n_live;
	live_pointers[n_live++] = (uintptr_t)pointer;
}

/* Remove the pointer at slot hole, shifting back the probes after it. */
static void
delete_slot(size_t hole)
{
	size_t next = (hole + 1) & (TABLE_SLOTS - 1);

	while (table[next].pointer != 0) {
		size_t home = slot_of(table[next].pointer);

		/* Move next into the hole unless its home lies after it. */
		if (((next - home) & (TABLE_SLOTS - 1)) >=
		    ((next - hole) & (TABLE_SLOTS - 1))) {
			table[hole] = table[next];
			hole = next;
		}
		next = (next + 1) & (TABLE_SLOTS - 1);
	}
	table[hole].pointer = 0;
}

static void
on_free(const volatile void *pointer)
{
	size_t i, index;
	uintptr_t last;

	if (!tracking || pointer == NULL)
		return;
	i = find_slot((uintptr_t)pointer);
	if (table[i].pointer == 0)
		return;		/* allocated before the run */
	index = table[i].live_index;
	delete_slot(i);
	last = live_pointers[--n_live];
	if (index != n_live) {
		live_pointers[index] = last;
		table[find_slot(last)].live_index = index;
	}
}

/*
 * Forget every tracked pointer, freeing them when asked.  Every slot is
 * found before any is emptied: emptying one first would cut the probe
 * chains through it, so a later pointer would not be found, its slot
 * would stay taken for good, and over millions of runs the table would
 * fill up and find_slot would never return.
 */
static void
drop_tracked(bool free_them)
{
	static size_t slots[FUZZ_MAX_TRACKED];
	size_t i;

	for (i = 0; i < n_live; i++)
		slots[i] = find_slot(live_pointers[i]);
	for (i = 0; i < n_live; i++) {
		table[slots[i]].pointer = 0;
		if (free_them)
			free((void *)live_pointers[i]);
	}
	n_live = 0;
}

static void
on_fatal(int exit_status)
{
	if (recovery_point == NULL)
		return;		/* not inside fuzz_run: exit as usual */
	longjmp(*recovery_point, exit_status);
}

void
fuzz_fail(const char *what)
{
	fprintf(stderr, "harness: %s\n", what);
	abort();
}

/* Calls whose first use allocates inside the C library for good. */
static void
warm_up_c_library(void)
{
	char buffer[64];

	(void)strerror(ENOENT);
	(void)fnmatch("a[b]*", "ab", 0);
	snprintf(buffer, sizeof(buffer), "%.17g %s", 0.1, "x");
	(void)strtod("1e-400", NULL);
	(void)strtod("12345678901234567890.5", NULL);
	fputs("", stderr);
}

/*
 * GLib before 2.76, behind the hash tables of common/string_index.c,
 * hands out small blocks from slabs of its own, which it keeps from one
 * run to the next: freeing an aborted run's blocks would free slabs
 * GLib still uses.  With G_SLICE=always-malloc every block is a malloc
 * block of its own instead, reclaimed like any other.  GLib reads the
 * setting once, when it is loaded, before any harness code runs; so
 * libFuzzer's start-up hook sets it and runs the harness again, with the
 * same arguments.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *slice = getenv("G_SLICE");

	(void)argc;
	if (slice != NULL && strcmp(slice, "always-malloc") == 0)
		return 0;
	if (setenv("G_SLICE", "always-malloc", 1) != 0)
		fuzz_fail("cannot set G_SLICE");
	execv("/proc/self/exe", *argv);
	fuzz_fail("cannot run the harness again with G_SLICE=always-malloc");
}

void
fuzz_setup(const char *program_name)
{
	int null_fd;

	if (set_up)
		return;
	set_up = true;
	diag_set_program(program_name);
	diag_set_fatal_handler(on_fatal);
	if (__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) == 0)
		fuzz_fail("cannot install the allocator hooks");
	if ((null_fd = open("/dev/null", O_WRONLY)) < 0 ||
	    dup2(null_fd, STDOUT_FILENO) < 0)
		fuzz_fail("cannot send standard output to /dev/null");
	close(null_fd);
	warm_up_c_library();
}

static void
note_open_descriptors(bool open_before[WATCHED_DESCRIPTORS])
{
	int fd;

	for (fd = 0; fd < WATCHED_DESCRIPTORS; fd++)
		open_before[fd] = fcntl(fd, F_GETFD) != -1;
}

static void
close_new_descriptors(const bool open_before[WATCHED_DESCRIPTORS])
{
	int fd;

	for (fd = 0; fd < WATCHED_DESCRIPTORS; fd++)
		if (!open_before[fd] && fcntl(fd, F_GETFD) != -1)
			close(fd);
}

int
fuzz_run(void (*body)(void *context), void *context)
{
	jmp_buf jump;
	bool open_before[WATCHED_DESCRIPTORS];
	int status;

	note_open_descriptors(open_before);
	recovery_point = &jump;
	status = setjmp(jump);
	if (status == 0) {
		tracking = true;
		body(context);
		tracking = false;
		/* What is still live is a leak, left for LeakSanitizer. */
		drop_tracked(false);
	} else {
		tracking = false;
		drop_tracked(true);
		close_new_descriptors(open_before);
	}
	recovery_point = NULL;
	return status;
}

void
fuzz_file_open(struct fuzz_file *file)
{
	if ((file->fd = memfd_create("fuzz-input", 0)) < 0)
		fuzz_fail("memfd_create failed");
	snprintf(file->path, sizeof(file->path), "/proc/self/fd/%d",
	    file->fd);
}

void
fuzz_file_fill(struct fuzz_file *file, const void *data, size_t size)
{
	const char *bytes = data;
	size_t done = 0;

	if (ftruncate(file->fd, 0) != 0)
		fuzz_fail("ftruncate of a memory file failed");
	while (done < size) {
		ssize_t n = pwrite(file->fd, bytes + done, size - done,
		    (off_t)done);

		if (n <= 0)
			fuzz_fail("writing a memory file failed");
		done += (size_t)n;
	}
	if (lseek(file->fd, 0, SEEK_SET) != 0)
		fuzz_fail("lseek of a memory file failed");
}

void
fuzz_file_as_stdin(const struct fuzz_file *file)
{
	if (dup2(file->fd, STDIN_FILENO) < 0 ||
	    lseek(STDIN_FILENO, 0, SEEK_SET) != 0)
		fuzz_fail("cannot make a memory file standard input");
}

void
fuzz_capture_stdout(struct fuzz_file *file)
{
	int fd;

	if (file != NULL) {
		fuzz_file_fill(file, "", 0);
		fd = dup(file->fd);
	} else
		fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		fuzz_fail("cannot redirect standard output");
	close(fd);
}

char *
fuzz_file_contents(const struct fuzz_file *file, size_t *size)
{
	off_t end = lseek(file->fd, 0, SEEK_END);
	char *text;
	ssize_t n;

	if (end < 0 || (text = malloc((size_t)end + 1)) == NULL)
		fuzz_fail("cannot read back a memory file");
	n = pread(file->fd, text, (size_t)end, 0);
	if (n != (ssize_t)end)
		fuzz_fail("cannot read back a memory file");
	text[end] = '\0';
	*size = (size_t)end;
	return text;
}
