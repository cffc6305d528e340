/*
 * field_list.h - turning a field list such as "cpu_*,mem_used,3-5" into
 * column indices, the one syntax behind -f/--fields and --keep in every
 * program.
 *
 * A list is comma-separated.  Each element is
 *  - a 1-based column number ("3") or an inclusive range ("3-5", and
 *    "7-" for 7 to the last column);
 *  - a column name, matched exactly;
 *  - a glob with '*', '?' or '[...]' (fnmatch), matching every column
 *    whose name fits, in header order.
 * A backslash makes the next character literal, so a column named "1" or
 * "a,b" is written "\1" or "a\,b".  Elements are taken in the order
 * written; a column selected twice, a name that is not in the header, a
 * glob that matches nothing and a number past the last column are
 * errors (exit 2), and the message for an unknown name lists the header.
 */
#ifndef FIELD_LIST_H
#define FIELD_LIST_H

#include <stddef.h>

struct field_list {
	size_t n_fields;
	size_t *columns;	/* 0-based column indices, n_fields of them */
};

/*
 * Resolve spec against the column names.  option is the option as the
 * user wrote it, for messages ("-f").  The caller frees the result with
 * field_list_free.
 */
struct field_list field_list_parse(const char *option, const char *spec,
    const char *const *column_names, size_t n_columns);

/* All columns not selected by any of the given lists, in header order. */
struct field_list field_list_complement(const struct field_list *lists,
    size_t n_lists, size_t n_columns);

/* All columns 0 .. n_columns-1. */
struct field_list field_list_all(size_t n_columns);

/* Whether column is in list. */
int field_list_contains(const struct field_list *list, size_t column);

void field_list_free(struct field_list *list);

#endif
