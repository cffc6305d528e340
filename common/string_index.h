/*
 * string_index.h - numbering distinct strings in the order they are
 * first seen, for programs that count per category or per group in one
 * pass over unsorted input.
 *
 * The table is GLib's GHashTable (string hash, open addressing, grown
 * as needed); glibc's hsearch_r was not used because its hash only
 * looks at the first few bytes of a key, so keys that share a long
 * prefix ("cluster_0001", "cluster_0002", ...) all collide.  Keys are
 * NUL-terminated and copied; indices run 0, 1, 2, ... in first-seen
 * order, so a caller keeps its per-key values in a plain array.
 * Allocation failures end the program (GLib aborts; the copies use
 * xmalloc).
 */
#ifndef STRING_INDEX_H
#define STRING_INDEX_H

#include <stdbool.h>
#include <stddef.h>

struct string_index;

/* An empty index; free it with string_index_free. */
struct string_index *string_index_new(void);

/*
 * The index of key, adding it as the next index when it is new; *added
 * (when not NULL) says whether it was.  key need only live for the call.
 */
size_t string_index_intern(struct string_index *index, const char *key,
    bool *added);

/* The index of key, or (size_t)-1 when it has not been added. */
size_t string_index_find(const struct string_index *index, const char *key);

/* The number of distinct keys added. */
size_t string_index_count(const struct string_index *index);

/* Key number i (0-based), owned by the index. */
const char *string_index_key(const struct string_index *index, size_t i);

void string_index_free(struct string_index *index);

#endif
