/*
 * string_index.c - first-seen numbering of strings over GHashTable (see
 * string_index.h).
 *
 * The table maps each stored key to its index plus one, so that a
 * missing key (NULL) and index 0 differ; the keys themselves live in an
 * array in index order, which the table points into.
 */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "diag.h"
#include "string_index.h"

struct string_index {
	GHashTable *table;	/* key -> index + 1 */
	char **keys;		/* in index order */
	size_t n_keys, capacity;
};

struct string_index *
string_index_new(void)
{
	struct string_index *index = xcalloc(1, sizeof(*index));

	index->table = g_hash_table_new(g_str_hash, g_str_equal);
	return index;
}

size_t
string_index_intern(struct string_index *index, const char *key,
    bool *added)
{
	gpointer found = g_hash_table_lookup(index->table, key);
	char *copy;

	if (added != NULL)
		*added = found == NULL;
	if (found != NULL)
		return (size_t)((uintptr_t)found - 1);
	if (index->n_keys == index->capacity) {
		index->capacity = index->capacity * 2 + 64;
		index->keys = xreallocarray(index->keys, index->capacity,
		    sizeof(char *));
	}
	copy = xstrdup(key);
	index->keys[index->n_keys] = copy;
	g_hash_table_insert(index->table, copy,
	    (gpointer)(uintptr_t)(index->n_keys + 1));
	return index->n_keys++;
}

size_t
string_index_find(const struct string_index *index, const char *key)
{
	gpointer found = g_hash_table_lookup(index->table, key);

	return found == NULL ? (size_t)-1 : (size_t)((uintptr_t)found - 1);
}

size_t
string_index_count(const struct string_index *index)
{
	return index->n_keys;
}

const char *
string_index_key(const struct string_index *index, size_t i)
{
	return index->keys[i];
}

void
string_index_free(struct string_index *index)
{
	size_t i;

	if (index == NULL)
		return;
	g_hash_table_destroy(index->table);
	for (i = 0; i < index->n_keys; i++)
		free(index->keys[i]);
	free(index->keys);
	free(index);
}
