/*
 * fuzz_field_list.c - libFuzzer harness for common/field_list.c.
 *
 * The input's first line is the field list (the argument of -f or
 * --keep); every later line is one column name of the header, so a
 * corpus file reads like the command and the header it is applied to.
 * Inputs whose names could not come from a header (empty, duplicate or
 * holding a tab) are rejected.  A list either resolves or ends through
 * diag_usage (exit 2); any other end is a finding.  A resolved list must
 * name columns within the header, none twice; its complement must hold
 * exactly the others; and a list that is one plain column name must
 * resolve to that column.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "field_list.h"
#include "fuzz_support.h"

#define MAX_COLUMNS 512

struct field_case {
	const char *spec;
	const char *const *names;
	size_t n_names;
};

static void
check_list(const struct field_list *list, size_t n_columns)
{
	size_t i, j;

	for (i = 0; i < list->n_fields; i++) {
		if (list->columns[i] >= n_columns)
			fuzz_fail("a selected column is past the header");
		for (j = 0; j < i; j++)
			if (list->columns[j] == list->columns[i])
				fuzz_fail("a column is selected twice");
	}
}

static void
check_complement(const struct field_list *list, size_t n_columns)
{
	struct field_list rest = field_list_complement(list, 1, n_columns);
	size_t column;

	check_list(&rest, n_columns);
	if (rest.n_fields + list->n_fields != n_columns)
		fuzz_fail("list and complement do not cover the header");
	for (column = 0; column < n_columns; column++)
		if (field_list_contains(list, column) ==
		    field_list_contains(&rest, column))
			fuzz_fail("a column is in both or neither of list "
			    "and complement");
	field_list_free(&rest);
}

/* A plain name: no syntax character, not a number or a range. */
static bool
is_plain_name(const char *spec)
{
	return spec[0] != '\0' && strpbrk(spec, ",\\*?[") == NULL &&
	    !(spec[0] >= '0' && spec[0] <= '9');
}

static void
resolve(void *context)
{
	const struct field_case *field_case = context;
	struct field_list list;
	size_t i;

	list = field_list_parse("-f", field_case->spec, field_case->names,
	    field_case->n_names);
	check_list(&list, field_case->n_names);
	check_complement(&list, field_case->n_names);
	if (is_plain_name(field_case->spec)) {
		for (i = 0; i < field_case->n_names; i++)
			if (strcmp(field_case->names[i], field_case->spec) == 0)
				break;
		if (list.n_fields != 1 || list.columns[0] != i)
			fuzz_fail("a plain name did not select its column");
	}
	field_list_free(&list);
}

/* The tsv_reader's rules for a header: names non-empty and distinct. */
static bool
names_are_a_header(const char *const *names, size_t n_names)
{
	size_t i, j;

	for (i = 0; i < n_names; i++) {
		if (names[i][0] == '\0' || strchr(names[i], '\t') != NULL)
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return false;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *names[MAX_COLUMNS];
	struct field_case field_case = { text, names, 0 };
	char *line, *newline;
	int status;

	fuzz_setup("fuzz_field_list");
	memcpy(text, data, size);
	text[size] = '\0';
	if (strlen(text) != size) {
		free(text);
		return -1;	/* a NUL cannot reach a command line */
	}
	newline = strchr(text, '\n');
	line = newline != NULL ? newline + 1 : NULL;
	if (newline != NULL)
		*newline = '\0';
	while (line != NULL && field_case.n_names < MAX_COLUMNS) {
		newline = strchr(line, '\n');
		if (newline != NULL)
			*newline = '\0';
		names[field_case.n_names++] = line;
		line = newline != NULL ? newline + 1 : NULL;
	}
	if (!names_are_a_header(names, field_case.n_names)) {
		free(text);
		return -1;
	}
	status = fuzz_run(resolve, &field_case);
	if (status != 0 && status != 2)
		fuzz_fail("field_list_parse ended with a status other than 2");
	free(text);
	return 0;
}
