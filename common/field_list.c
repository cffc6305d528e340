/*
 * field_list.c - the field-list syntax of -f/--fields and --keep (see
 * field_list.h for the rules).
 */
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "field_list.h"

/* Split off the next element, undoing backslash escapes.  */
static const char *
next_element(const char *p, char *element, bool *escaped,
    bool *has_glob)
{
	size_t n = 0;

	*escaped = false;
	*has_glob = false;
	for (; *p != '\0' && *p != ','; p++) {
		if (*p == '\\' && p[1] != '\0') {
			*escaped = true;
			p++;
			/* Keep glob characters literal for fnmatch too. */
			if (strchr("*?[\\", *p) != NULL)
				element[n++] = '\\';
		} else if (strchr("*?[", *p) != NULL)
			*has_glob = true;
		element[n++] = *p;
	}
	element[n] = '\0';
	return p;
}

/* Parse "N", "N-M" or "N-"; returns false if element is not of that form. */
static bool
parse_range(const char *element, size_t n_columns, size_t *first,
    size_t *last)
{
	char *end;
	unsigned long low, high;

	if (element[0] < '0' || element[0] > '9')
		return false;
	low = strtoul(element, &end, 10);
	if (*end == '\0')
		high = low;
	else if (*end == '-' && end[1] == '\0')
		high = n_columns;
	else if (*end == '-' && end[1] >= '0' && end[1] <= '9') {
		high = strtoul(end + 1, &end, 10);
		if (*end != '\0')
			return false;
	} else
		return false;
	*first = low;
	*last = high;
	return true;
}

static void
add_column(struct field_list *list, const char *option, size_t column,
    const char *const *column_names)
{
	size_t i;

	for (i = 0; i < list->n_fields; i++)
		if (list->columns[i] == column)
			diag_usage("option %s: column '%s' is selected twice",
			    option, column_names[column]);
	list->columns = xreallocarray(list->columns, list->n_fields + 1,
	    sizeof(size_t));
	list->columns[list->n_fields++] = column;
}

static void
report_unknown_name(const char *option, const char *element,
    const char *const *column_names, size_t n_columns)
{
	size_t i, used = 0, size = 1;
	char *header;

	for (i = 0; i < n_columns; i++)
		size += strlen(column_names[i]) + 2;
	header = xmalloc(size);
	header[0] = '\0';
	for (i = 0; i < n_columns; i++)
		used += (size_t)snprintf(header + used, size - used, "%s%s",
		    i > 0 ? ", " : "", column_names[i]);
	diag_usage("option %s: no column '%s'; the header has: %s", option,
	    element, header);
}

static void
add_element(struct field_list *list, const char *option,
    const char *element, bool escaped, bool has_glob,
    const char *const *column_names, size_t n_columns)
{
	size_t first, last, i, matched = 0;

	if (element[0] == '\0')
		diag_usage("option %s: empty element in the field list",
		    option);
	if (!escaped && !has_glob &&
	    parse_range(element, n_columns, &first, &last)) {
		if (first < 1 || last < first || last > n_columns)
			diag_usage("option %s: '%s' is not a column range "
			    "within 1-%zu", option, element, n_columns);
		for (i = first; i <= last; i++)
			add_column(list, option, i - 1, column_names);
		return;
	}
	for (i = 0; i < n_columns; i++)
		if (has_glob ? fnmatch(element, column_names[i], 0) == 0 :
		    escaped ? fnmatch(element, column_names[i], 0) == 0 :
		    strcmp(element, column_names[i]) == 0) {
			add_column(list, option, i, column_names);
			matched++;
		}
	if (matched == 0 && has_glob)
		diag_usage("option %s: '%s' matches no column", option,
		    element);
	if (matched == 0)
		report_unknown_name(option, element, column_names, n_columns);
}

struct field_list
field_list_parse(const char *option, const char *spec,
    const char *const *column_names, size_t n_columns)
{
	struct field_list list = { 0, NULL };
	char *element = xmalloc(2 * strlen(spec) + 1);
	const char *p = spec;
	bool escaped, has_glob;

	for (;;) {
		p = next_element(p, element, &escaped, &has_glob);
		add_element(&list, option, element, escaped, has_glob,
		    column_names, n_columns);
		if (*p == '\0')
			break;
		p++;
	}
	free(element);
	return list;
}

struct field_list
field_list_complement(const struct field_list *lists, size_t n_lists,
    size_t n_columns)
{
	struct field_list result = { 0, NULL };
	size_t column, i;

	result.columns = xcalloc(n_columns, sizeof(size_t));
	for (column = 0; column < n_columns; column++) {
		for (i = 0; i < n_lists; i++)
			if (field_list_contains(&lists[i], column))
				break;
		if (i == n_lists)
			result.columns[result.n_fields++] = column;
	}
	return result;
}

struct field_list
field_list_all(size_t n_columns)
{
	struct field_list result = { 0, NULL };

	result.columns = xcalloc(n_columns, sizeof(size_t));
	for (result.n_fields = 0; result.n_fields < n_columns;
	    result.n_fields++)
		result.columns[result.n_fields] = result.n_fields;
	return result;
}

int
field_list_contains(const struct field_list *list, size_t column)
{
	size_t i;

	for (i = 0; i < list->n_fields; i++)
		if (list->columns[i] == column)
			return 1;
	return 0;
}

void
field_list_free(struct field_list *list)
{
	free(list->columns);
	list->columns = NULL;
	list->n_fields = 0;
}
