/*
 * read_votes.c - reading the votes of vote-labels into one vote per
 * item and annotator (see vote_labels.h).
 *
 * Rows are read one at a time; item and annotator ids are numbered in
 * first-seen order through glib hash tables, and each row is kept as a
 * small record (item, annotator, time, side).  Once the input is read,
 * the records are grouped by item with a counting sort (which keeps
 * input order) and by annotator within each item, and each run of one
 * annotator's rows on one item is settled: the latest time wins, and
 * two different answers at the latest time (or with no time column at
 * all) cancel each other.  Memory: about 24 bytes per row plus the ids.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "diag.h"
#include "field_list.h"
#include "numeric_parse.h"
#include "tsv_reader.h"
#include "vote_labels.h"

/* Groups this small are sorted by insertion, larger ones by qsort. */
#define SMALL_GROUP 32

static const char *const builtin_normal[] = {
	"+1", "thumbsup", "thumbs-up", "normal", "yes", "1"
};
static const char *const builtin_abnormal[] = {
	"-1", "thumbsdown", "thumbs-down", "abnormal", "no", "0"
};

/* One input row that passed the checks. */
struct raw_vote {
	uint32_t item;
	uint32_t annotator;
	double time;			/* 0 without --time */
	unsigned char abnormal;
};

/* Ids and their numbers, in first-seen order. */
struct id_index {
	GHashTable *numbers;		/* id -> number + 1 */
	char **names;
	size_t n_names, capacity;
	uint32_t last;			/* the number last looked up */
};

/* Whether name is in list, ignoring ASCII case as votes are matched. */
static bool
list_has(const char *const *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (g_ascii_strcasecmp(list[i], name) == 0)
			return true;
	return false;
}

/* Split a comma-separated list into newly allocated strings. */
static char **
split_list(const char *option, const char *list, size_t *n_items)
{
	char **items = NULL;
	const char *start = list, *comma;
	size_t n = 0;

	*n_items = 0;
	if (list == NULL)
		return NULL;
	if (*list == '\0' || *list == ',' || strstr(list, ",,") != NULL ||
	    list[strlen(list) - 1] == ',')
		diag_usage("%s: empty value in list '%s'", option, list);
	do {
		comma = strchr(start, ',');
		items = xreallocarray(items, n + 1, sizeof(char *));
		items[n++] = comma != NULL ? xstrndup(start,
		    (size_t)(comma - start)) : xstrdup(start);
		start = comma != NULL ? comma + 1 : NULL;
	} while (start != NULL);
	*n_items = n;
	return items;
}

/* Append the built-in names of one side that the other side did not take. */
static size_t
add_builtin_names(const char **out, const char *const *builtin,
    size_t n_builtin, char **taken, size_t n_taken)
{
	size_t i, n = 0;

	for (i = 0; i < n_builtin; i++)
		if (!list_has((const char *const *)taken, n_taken, builtin[i]))
			out[n++] = builtin[i];
	return n;
}

/* Usage error for given_positive[which], freeing the lists first. */
static void
report_name_on_both_sides(char **given_positive, size_t n_positive,
    char **given_negative, size_t n_negative, size_t which)
{
	const char *quoted = diag_quote(given_positive[which],
	    strlen(given_positive[which]));
	size_t i;

	for (i = 0; i < n_positive; i++)
		free(given_positive[i]);
	for (i = 0; i < n_negative; i++)
		free(given_negative[i]);
	free(given_positive);
	free(given_negative);
	diag_usage("vote '%s' is in both --positive and --negative", quoted);
}

void
vote_names_init(struct vote_names *names, const char *positive,
    const char *negative)
{
	size_t n_positive, n_negative, i;
	size_t n_builtin = sizeof(builtin_normal) / sizeof(builtin_normal[0]);
	char **given_positive = split_list("--positive", positive,
	    &n_positive);
	char **given_negative = split_list("--negative", negative,
	    &n_negative);

	for (i = 0; i < n_positive; i++)
		if (list_has((const char *const *)given_negative, n_negative,
		    given_positive[i]))
			report_name_on_both_sides(given_positive, n_positive,
			    given_negative, n_negative, i);
	names->normal = xcalloc(n_builtin + n_positive, sizeof(char *));
	names->abnormal = xcalloc(n_builtin + n_negative, sizeof(char *));
	names->n_normal = add_builtin_names(names->normal, builtin_normal,
	    n_builtin, given_negative, n_negative);
	names->n_abnormal = add_builtin_names(names->abnormal,
	    builtin_abnormal, n_builtin, given_positive, n_positive);
	names->owned = xcalloc(n_positive + n_negative + 1, sizeof(char *));
	names->n_owned = 0;
	for (i = 0; i < n_positive; i++) {
		names->normal[names->n_normal++] = given_positive[i];
		names->owned[names->n_owned++] = given_positive[i];
	}
	for (i = 0; i < n_negative; i++) {
		names->abnormal[names->n_abnormal++] = given_negative[i];
		names->owned[names->n_owned++] = given_negative[i];
	}
	free(given_positive);
	free(given_negative);
}

void
vote_names_free(struct vote_names *names)
{
	size_t i;

	for (i = 0; i < names->n_owned; i++)
		free(names->owned[i]);
	free(names->owned);
	free(names->normal);
	free(names->abnormal);
}

/* Whether text (length bytes) equals name, ignoring ASCII case. */
static bool
same_name(const char *text, size_t length, const char *name)
{
	return strlen(name) == length && g_ascii_strncasecmp(text, name,
	    length) == 0;
}

/* 1 abnormal, 0 normal, -1 unknown. */
static int
vote_side(const struct vote_names *names, const char *text, size_t length)
{
	size_t i;

	for (i = 0; i < names->n_normal; i++)
		if (same_name(text, length, names->normal[i]))
			return 0;
	for (i = 0; i < names->n_abnormal; i++)
		if (same_name(text, length, names->abnormal[i]))
			return 1;
	return -1;
}

/* Read "digits" digits at *text as a number; false if any is missing. */
static bool
take_digits(const char **text, int digits, int *value)
{
	int i;

	*value = 0;
	for (i = 0; i < digits; i++) {
		if (!isdigit((unsigned char)(*text)[i]))
			return false;
		*value = *value * 10 + ((*text)[i] - '0');
	}
	*text += digits;
	return true;
}

/*
 * Parse a UTC offset "Z", "+HH:MM", "+HHMM" or "+HH" into seconds; an
 * offset of the right form but beyond +-14:00, or with minutes past 59,
 * is described in problem (of problem_size bytes) instead.
 */
static bool
parse_utc_offset(const char *text, long *offset_seconds, char *problem,
    size_t problem_size)
{
	const char *start = text;
	int hours, minutes = 0, sign;

	*offset_seconds = 0;
	if (*text == '\0' || strcmp(text, "Z") == 0)
		return true;
	if (*text != '+' && *text != '-')
		return false;
	sign = *text++ == '-' ? -1 : 1;
	if (!take_digits(&text, 2, &hours))
		return false;
	if (*text == ':')
		text++;
	if (*text != '\0' && !take_digits(&text, 2, &minutes))
		return false;
	if (*text != '\0')
		return false;
	if (minutes > 59) {
		snprintf(problem, problem_size, "UTC offset %s has no minute "
		    "%02d", start, minutes);
		return false;
	}
	if (hours > 14 || (hours == 14 && minutes > 0)) {
		snprintf(problem, problem_size, "UTC offset %s is not from "
		    "-14:00 to +14:00", start);
		return false;
	}
	*offset_seconds = sign * (hours * 3600L + minutes * 60L);
	return true;
}

/* The number of days in month (1 to 12) of year, Gregorian. */
static int
days_in_month(int year, int month)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/*
 * Seconds since 1970 of an ISO 8601 date-time: YYYY-MM-DD, optionally
 * followed by 'T' or a space, HH:MM, :SS, a fraction and a UTC offset.
 * A date-time of that form with a field out of range (2024-02-30,
 * 25:00, an offset of +15:00) is described in problem (of problem_size
 * bytes, left empty when the form itself is wrong), and false returned.
 * Second 60, a leap second, is the first second of the next minute.
 */
static bool
parse_iso8601(const char *text, double *seconds, char *problem,
    size_t problem_size)
{
	struct tm when;
	int year, month, day, hour = 0, minute = 0, second = 0;
	double fraction = 0, scale = 0.1;
	long offset;

	problem[0] = '\0';
	if (!take_digits(&text, 4, &year) || *text++ != '-' ||
	    !take_digits(&text, 2, &month) || *text++ != '-' ||
	    !take_digits(&text, 2, &day))
		return false;
	if (*text == 'T' || *text == ' ') {
		text++;
		if (!take_digits(&text, 2, &hour) || *text++ != ':' ||
		    !take_digits(&text, 2, &minute))
			return false;
		if (*text == ':') {
			text++;
			if (!take_digits(&text, 2, &second))
				return false;
		}
	}
	if (*text == '.' || *text == ',')
		for (text++; isdigit((unsigned char)*text); text++, scale /= 10)
			fraction += (*text - '0') * scale;
	if (!parse_utc_offset(text, &offset, problem, problem_size))
		return false;
	if (month < 1 || month > 12)
		snprintf(problem, problem_size, "there is no month %02d",
		    month);
	else if (day < 1 || day > days_in_month(year, month))
		snprintf(problem, problem_size, "%04d-%02d has no day %02d",
		    year, month, day);
	else if (hour > 23)
		snprintf(problem, problem_size, "there is no hour %02d", hour);
	else if (minute > 59)
		snprintf(problem, problem_size, "there is no minute %02d",
		    minute);
	else if (second > 60)
		snprintf(problem, problem_size, "there is no second %02d",
		    second);
	if (problem[0] != '\0')
		return false;
	memset(&when, 0, sizeof(when));
	when.tm_year = year - 1900;
	when.tm_mon = month - 1;
	when.tm_mday = day;
	when.tm_hour = hour;
	when.tm_min = minute;
	when.tm_sec = second;
	*seconds = (double)timegm(&when) - (double)offset + fraction;
	return true;
}

static double
read_time(const struct tsv_reader *reader, size_t column)
{
	const char *text = tsv_reader_field(reader, column);
	size_t length = tsv_reader_field_length(reader, column);
	double seconds;
	char problem[80];

	if (numeric_parse_double(text, length, &seconds) == NUMERIC_OK ||
	    parse_iso8601(text, &seconds, problem, sizeof(problem)))
		return seconds;
	if (problem[0] != '\0')
		diag_fatal_at(tsv_reader_display_name(reader),
		    tsv_reader_line_number(reader), "time '%s' in column '%s' "
		    "is not a real date-time: %s", diag_quote(text, length),
		    tsv_reader_column_name(reader, column), problem);
	diag_fatal_at(tsv_reader_display_name(reader),
	    tsv_reader_line_number(reader), "time '%s' in column '%s' is "
	    "neither seconds nor an ISO 8601 date-time",
	    diag_quote(text, length), tsv_reader_column_name(reader, column));
}

static void
id_index_init(struct id_index *index)
{
	index->numbers = g_hash_table_new(g_str_hash, g_str_equal);
	index->names = NULL;
	index->n_names = index->capacity = 0;
	index->last = 0;
}

/*
 * The number of id, added at the end if new.  Votes usually come in
 * runs of one item, so the last id looked up is tried first.
 */
static uint32_t
id_index_number(struct id_index *index, const char *id)
{
	gpointer found;
	char *copy;

	if (index->n_names > 0 && strcmp(index->names[index->last], id) == 0)
		return index->last;
	found = g_hash_table_lookup(index->numbers, id);
	if (found != NULL)
		return index->last = (uint32_t)(GPOINTER_TO_SIZE(found) - 1);
	if (index->n_names == UINT32_MAX - 1)
		diag_fatal("more than %lu distinct ids", (unsigned long)
		    (UINT32_MAX - 1));
	if (index->n_names == index->capacity) {
		index->capacity = index->capacity * 2 + 1024;
		index->names = xreallocarray(index->names, index->capacity,
		    sizeof(char *));
	}
	copy = xstrdup(id);
	index->names[index->n_names] = copy;
	g_hash_table_insert(index->numbers, copy,
	    GSIZE_TO_POINTER(index->n_names + 1));
	index->last = (uint32_t)index->n_names;
	return (uint32_t)index->n_names++;
}

/* The column named by option, which must select exactly one. */
static size_t
resolve_column(const struct tsv_reader *reader, const char *option,
    const char *spec)
{
	struct field_list list = field_list_parse(option, spec,
	    tsv_reader_column_names(reader), tsv_reader_n_columns(reader));
	size_t column;

	if (list.n_fields != 1)
		diag_usage("%s must name one column, '%s' names %zu", option,
		    spec, list.n_fields);
	column = list.columns[0];
	field_list_free(&list);
	return column;
}

/* Read the --exclude file: annotator ids in its first column. */
static GHashTable *
read_exclusions(const char *path)
{
	GHashTable *excluded = g_hash_table_new_full(g_str_hash, g_str_equal,
	    free, NULL);
	struct tsv_reader *reader;

	if (path == NULL)
		return excluded;
	reader = tsv_reader_open_ragged(path);
	while (tsv_reader_next_row(reader))
		g_hash_table_add(excluded, xstrdup(tsv_reader_field(reader,
		    0)));
	tsv_reader_close(reader);
	diag_verbose("%s: %u annotators to exclude", path,
	    g_hash_table_size(excluded));
	return excluded;
}

/* The id in column, refusing an empty one. */
static const char *
read_id(const struct tsv_reader *reader, size_t column)
{
	if (tsv_reader_field_length(reader, column) == 0)
		diag_fatal_at(tsv_reader_display_name(reader),
		    tsv_reader_line_number(reader), "empty id in column '%s'",
		    tsv_reader_column_name(reader, column));
	return tsv_reader_field(reader, column);
}

/* The columns of one input, resolved once. */
struct vote_columns {
	size_t item, annotator, vote, time;
	bool timed;
};

static void
report_unknown_vote(const struct tsv_reader *reader, size_t column)
{
	diag_fatal_at(tsv_reader_display_name(reader),
	    tsv_reader_line_number(reader), "unknown vote '%s' in column "
	    "'%s' (see --positive, --negative, --ignore-unknown)",
	    diag_quote(tsv_reader_field(reader, column),
	    tsv_reader_field_length(reader, column)),
	    tsv_reader_column_name(reader, column));
}

/* Read the rows into raw votes; the ids are numbered on the way. */
static struct raw_vote *
read_raw_votes(const struct read_settings *settings,
    struct tsv_reader *reader, const struct vote_columns *columns,
    struct id_index *items, struct id_index *annotators,
    struct read_counts *counts, size_t *n_raw)
{
	GHashTable *excluded = read_exclusions(settings->exclude_path);
	bool excluding = g_hash_table_size(excluded) > 0;
	struct raw_vote *raw = NULL;
	size_t n = 0, capacity = 0;
	int side;

	while (tsv_reader_next_row(reader)) {
		const char *annotator = read_id(reader, columns->annotator);
		const char *item = read_id(reader, columns->item);

		if (excluding && g_hash_table_contains(excluded, annotator)) {
			counts->excluded++;
			continue;
		}
		side = vote_side(settings->names, tsv_reader_field(reader,
		    columns->vote), tsv_reader_field_length(reader,
		    columns->vote));
		if (side < 0 && !settings->ignore_unknown)
			report_unknown_vote(reader, columns->vote);
		if (side < 0) {
			counts->unknown++;
			continue;
		}
		if (n == UINT32_MAX)
			diag_fatal("%s: more than %lu votes",
			    tsv_reader_display_name(reader),
			    (unsigned long)UINT32_MAX);
		if (n == capacity) {
			capacity = capacity * 2 + 4096;
			raw = xreallocarray(raw, capacity, sizeof(*raw));
		}
		raw[n].time = columns->timed ? read_time(reader,
		    columns->time) : 0;
		raw[n].item = id_index_number(items, item);
		raw[n].annotator = id_index_number(annotators, annotator);
		raw[n++].abnormal = (unsigned char)side;
		if ((n & 0xfffff) == 0)
			diag_progress("votes read", n);
	}
	diag_progress_end();
	counts->rows = tsv_reader_row_count(reader);
	g_hash_table_destroy(excluded);
	*n_raw = n;
	return raw;
}

/*
 * Order the raw votes by item, keeping input order within an item (a
 * counting sort over the item numbers); returns the order and sets
 * item_start (n_items + 1 offsets into it).
 */
static uint32_t *
group_by_item(const struct raw_vote *raw, size_t n_raw, size_t n_items,
    size_t **item_start)
{
	uint32_t *order = xcalloc(n_raw > 0 ? n_raw : 1, sizeof(uint32_t));
	size_t *start = xcalloc(n_items + 1, sizeof(size_t));
	size_t *next = xcalloc(n_items + 1, sizeof(size_t));
	size_t i;

	for (i = 0; i < n_raw; i++)
		start[raw[i].item + 1]++;
	for (i = 0; i < n_items; i++)
		start[i + 1] += start[i];
	memcpy(next, start, (n_items + 1) * sizeof(size_t));
	for (i = 0; i < n_raw; i++)
		order[next[raw[i].item]++] = (uint32_t)i;
	free(next);
	*item_start = start;
	return order;
}

static int
compare_keys(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort keys (annotator << 32 | row), so each annotator's rows are in order. */
static void
sort_keys(uint64_t *keys, size_t n)
{
	size_t i, j;
	uint64_t key;

	if (n > SMALL_GROUP) {
		qsort(keys, n, sizeof(uint64_t), compare_keys);
		return;
	}
	for (i = 1; i < n; i++) {
		key = keys[i];
		for (j = i; j > 0 && keys[j - 1] > key; j--)
			keys[j] = keys[j - 1];
		keys[j] = key;
	}
}

/*
 * Settle one annotator's rows on one item (keys[0 .. n-1], in input
 * order): the latest time wins; different answers at the latest time
 * cancel.  Returns the side kept, or -1 when the vote is dropped.
 */
static int
settle_pair(const struct raw_vote *raw, const uint64_t *keys, size_t n,
    struct read_counts *counts)
{
	const struct raw_vote *vote = &raw[(uint32_t)keys[0]];
	double latest = vote->time;
	int side = vote->abnormal;
	bool conflict = false;
	size_t i;

	for (i = 1; i < n; i++) {
		vote = &raw[(uint32_t)keys[i]];
		if (vote->time > latest) {
			latest = vote->time;
			side = vote->abnormal;
			conflict = false;
		} else if (vote->time == latest && vote->abnormal != side)
			conflict = true;
	}
	if (conflict)
		counts->conflicting += n;
	else
		counts->repeated += n - 1;
	return conflict ? -1 : side;
}

/* Build the table's vote lists from the raw votes, one per pair. */
static void
settle_votes(const struct raw_vote *raw, size_t n_raw,
    struct vote_table *table)
{
	size_t *item_start, item, i, run, largest = 0;
	uint32_t *order = group_by_item(raw, n_raw, table->n_items,
	    &item_start);
	uint64_t *keys;
	int side;

	for (item = 0; item < table->n_items; item++)
		if (item_start[item + 1] - item_start[item] > largest)
			largest = item_start[item + 1] - item_start[item];
	keys = xcalloc(largest > 0 ? largest : 1, sizeof(uint64_t));
	table->first = xcalloc(table->n_items + 1, sizeof(size_t));
	table->annotator = xcalloc(n_raw > 0 ? n_raw : 1, sizeof(uint32_t));
	table->abnormal = xcalloc(n_raw > 0 ? n_raw : 1, 1);
	table->n_votes = 0;
	for (item = 0; item < table->n_items; item++) {
		size_t n = item_start[item + 1] - item_start[item];

		table->first[item] = table->n_votes;
		for (i = 0; i < n; i++) {
			uint32_t row = order[item_start[item] + i];

			keys[i] = (uint64_t)raw[row].annotator << 32 | row;
		}
		sort_keys(keys, n);
		for (i = 0; i < n; i += run) {
			for (run = 1; i + run < n && keys[i + run] >> 32 ==
			    keys[i] >> 32; run++)
				continue;
			side = settle_pair(raw, keys + i, run, &table->counts);
			if (side < 0)
				continue;
			table->annotator[table->n_votes] =
			    (uint32_t)(keys[i] >> 32);
			table->abnormal[table->n_votes++] = (unsigned char)side;
		}
	}
	table->first[table->n_items] = table->n_votes;
	free(keys);
	free(order);
	free(item_start);
}

/* Take the names out of an index (the table owns them from now on). */
static char **
id_index_release(struct id_index *index, size_t *n_names)
{
	char **names = index->names;

	*n_names = index->n_names;
	g_hash_table_destroy(index->numbers);
	return names != NULL ? names : xcalloc(1, sizeof(char *));
}

void
read_vote_table(const struct read_settings *settings,
    struct vote_table *table)
{
	struct tsv_reader *reader = tsv_reader_open(settings->input_path,
	    settings->has_header);
	struct id_index items, annotators;
	struct vote_columns columns;
	struct raw_vote *raw;
	size_t n_raw;

	memset(table, 0, sizeof(*table));
	table->input_name = xstrdup(tsv_reader_display_name(reader));
	if (tsv_reader_n_columns(reader) == 0)
		diag_fatal("%s: empty input, no header and no votes",
		    table->input_name);
	columns.item = resolve_column(reader, "--item", settings->item_column);
	columns.annotator = resolve_column(reader, "--annotator",
	    settings->annotator_column);
	columns.vote = resolve_column(reader, "--vote", settings->vote_column);
	columns.timed = settings->time_column != NULL;
	columns.time = columns.timed ? resolve_column(reader, "--time",
	    settings->time_column) : 0;
	id_index_init(&items);
	id_index_init(&annotators);
	raw = read_raw_votes(settings, reader, &columns, &items, &annotators,
	    &table->counts, &n_raw);
	tsv_reader_close(reader);
	table->item_names = id_index_release(&items, &table->n_items);
	table->annotator_names = id_index_release(&annotators,
	    &table->n_annotators);
	settle_votes(raw, n_raw, table);
	free(raw);
}

void
vote_table_free(struct vote_table *table)
{
	size_t i;

	for (i = 0; i < table->n_items; i++)
		free(table->item_names[i]);
	for (i = 0; i < table->n_annotators; i++)
		free(table->annotator_names[i]);
	free(table->item_names);
	free(table->annotator_names);
	free(table->first);
	free(table->annotator);
	free(table->abnormal);
	free(table->input_name);
}

size_t
item_abnormal_votes(const struct vote_table *table, size_t item)
{
	size_t i, n = 0;

	for (i = table->first[item]; i < table->first[item + 1]; i++)
		n += table->abnormal[i];
	return n;
}
