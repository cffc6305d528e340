/*
 * kmeans.c - the k-means engine of kmeans-train (see kmeans.h).
 *
 * Seeding is greedy k-means++: the first centre is a row drawn
 * uniformly; each next one is the best, by the resulting inertia, of
 * 2 + floor(ln k) rows drawn with probability proportional to their
 * squared distance to the nearest centre so far.
 *
 * Lloyd iterations use Hamerly's bounds (G. Hamerly, "Making k-means
 * even faster", SDM 2010): row i keeps u_i >= distance to its own
 * centroid and l_i <= distance to any other.  After the centroids move
 * by shift_c, u_i += shift(own) and l_i -= the largest other shift; row
 * i is measured again only if u_i > max(l_i, half the distance from its
 * centroid to the nearest other centroid).  Each iteration: centroids
 * become the means of their rows, then rows move to their nearest
 * centroid, the cluster sums following the moves.  At the end the sums
 * are taken afresh and the centroids made exact means.  The run stops
 * when no row moves or when the centroids' total squared shift is at
 * most shift_threshold.
 *
 * Distances come from common/kmeans_model (plain C, fixed order, no
 * BLAS), and row work runs in fixed chunks whose partial sums are added
 * in chunk order, so neither the BLAS nor our own thread count changes a
 * bit of the result.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "kmeans.h"
#include "kmeans_model.h"

#define CHUNK_ROWS_MIN 4096
#define MAX_CHUNKS 64
#define MAX_THREADS 64
#define MAX_TRIALS 32

struct kmeans_workspace {
	const struct dataset *data;
	struct clustering *result;	/* the run being made */
	size_t n_clusters, n_trials;
	size_t n_threads, n_chunks, chunk_rows;
	double *upper;		/* n: bound above distance to own */
	double *lower;		/* n: bound below distance to any other */
	double *nearest_sq;	/* n: seeding's distance to centres, ^2 */
	double *cumulative;	/* n: running sum of nearest_sq */
	double *trial_distance;	/* n x trials: rows to candidates, ^2 */
	double *sums;		/* k x d: sum of each cluster's rows */
	size_t *counts;		/* k: rows in each cluster */
	double *half_gap;	/* k: half the distance to the nearest other */
	double *shift;		/* k: distance each centroid last moved */
	double *candidate_gap;	/* k x trials: candidates to centres */
	size_t n_chosen;	/* seeding: centres placed so far */
	size_t chosen_trial;	/* seeding: the candidate kept */
	struct kmeans_search centroid_search;	/* the current centroids */
	struct kmeans_search candidate_search;	/* seeding's candidates */
	double *chunk_values;	/* n_chunks x MAX_TRIALS partial sums */
	double *chunk_sums;	/* n_chunks x k x d partial cluster sums */
	size_t *chunk_counts;	/* n_chunks x k partial counts */
	long *chunk_count_change;	/* n_chunks x k: rows in - rows out */
};

typedef void chunk_task(struct kmeans_workspace *ws, size_t chunk,
    size_t begin, size_t end);

struct worker {
	struct kmeans_workspace *ws;
	chunk_task *task;
	size_t first_chunk, chunk_step;
};

void
clustering_init(struct clustering *result, size_t n_clusters,
    const struct dataset *data)
{
	memset(result, 0, sizeof(*result));
	result->n_clusters = n_clusters;
	result->centroids = xcalloc(n_clusters * data->n_features,
	    sizeof(double));
	result->labels = xcalloc(data->n_rows, sizeof(unsigned));
	result->populations = xcalloc(n_clusters, sizeof(unsigned long long));
}

void
clustering_copy(struct clustering *to, const struct clustering *from,
    const struct dataset *data)
{
	size_t k = from->n_clusters;

	memcpy(to->centroids, from->centroids, k * data->n_features *
	    sizeof(double));
	memcpy(to->labels, from->labels, data->n_rows * sizeof(unsigned));
	memcpy(to->populations, from->populations, k *
	    sizeof(unsigned long long));
	to->inertia = from->inertia;
	to->iterations = from->iterations;
	to->converged = from->converged;
}

void
clustering_free(struct clustering *result)
{
	free(result->centroids);
	free(result->labels);
	free(result->populations);
}

struct kmeans_workspace *
kmeans_workspace_new(const struct dataset *data, size_t n_clusters,
    size_t n_threads)
{
	struct kmeans_workspace *ws = xcalloc(1, sizeof(*ws));
	size_t n = data->n_rows, d = data->n_features, k = n_clusters;

	ws->data = data;
	ws->n_clusters = k;
	ws->n_trials = 2 + (size_t)log((double)k);
	ws->n_threads = n_threads < MAX_THREADS ? n_threads : MAX_THREADS;
	ws->n_chunks = (n + CHUNK_ROWS_MIN - 1) / CHUNK_ROWS_MIN;
	if (ws->n_chunks > MAX_CHUNKS)
		ws->n_chunks = MAX_CHUNKS;
	ws->chunk_rows = (n + ws->n_chunks - 1) / ws->n_chunks;
	ws->upper = xcalloc(n, sizeof(double));
	ws->lower = xcalloc(n, sizeof(double));
	ws->nearest_sq = xcalloc(n, sizeof(double));
	ws->cumulative = xcalloc(n, sizeof(double));
	ws->trial_distance = xcalloc(n * ws->n_trials, sizeof(double));
	ws->sums = xcalloc(k * d, sizeof(double));
	ws->counts = xcalloc(k, sizeof(size_t));
	ws->half_gap = xcalloc(k, sizeof(double));
	ws->shift = xcalloc(k, sizeof(double));
	ws->candidate_gap = xcalloc(k * ws->n_trials, sizeof(double));
	kmeans_search_init(&ws->centroid_search, ws->sums, k, d);
	ws->chunk_values = xcalloc(ws->n_chunks * MAX_TRIALS,
	    sizeof(double));
	ws->chunk_sums = xcalloc(ws->n_chunks * k * d, sizeof(double));
	ws->chunk_counts = xcalloc(ws->n_chunks * k, sizeof(size_t));
	ws->chunk_count_change = xcalloc(ws->n_chunks * k, sizeof(long));
	return ws;
}

void
kmeans_workspace_free(struct kmeans_workspace *ws)
{
	free(ws->upper);
	free(ws->lower);
	free(ws->nearest_sq);
	free(ws->cumulative);
	free(ws->trial_distance);
	free(ws->sums);
	free(ws->counts);
	free(ws->half_gap);
	free(ws->shift);
	free(ws->candidate_gap);
	kmeans_search_free(&ws->centroid_search);
	free(ws->chunk_values);
	free(ws->chunk_sums);
	free(ws->chunk_counts);
	free(ws->chunk_count_change);
	free(ws);
}

static void *
run_worker(void *argument)
{
	struct worker *worker = argument;
	struct kmeans_workspace *ws = worker->ws;
	size_t c, end;

	for (c = worker->first_chunk; c < ws->n_chunks; c +=
	    worker->chunk_step) {
		end = (c + 1) * ws->chunk_rows;
		worker->task(ws, c, c * ws->chunk_rows, end < ws->data->n_rows ?
		    end : ws->data->n_rows);
	}
	return NULL;
}

/*
 * Run task on every chunk, worker t taking chunks t, t + T, t + 2T, ...
 * A thread that cannot be started has its chunks run here instead.
 */
static void
for_each_chunk(struct kmeans_workspace *ws, chunk_task *task)
{
	pthread_t threads[MAX_THREADS];
	bool started[MAX_THREADS];
	struct worker workers[MAX_THREADS];
	size_t n_workers = ws->n_threads < ws->n_chunks ? ws->n_threads :
	    ws->n_chunks, t;

	for (t = 0; t < n_workers; t++) {
		workers[t] = (struct worker){ ws, task, t, n_workers };
		started[t] = t > 0 && pthread_create(&threads[t], NULL,
		    run_worker, &workers[t]) == 0;
	}
	run_worker(&workers[0]);
	for (t = 1; t < n_workers; t++) {
		if (started[t])
			pthread_join(threads[t], NULL);
		else
			run_worker(&workers[t]);
	}
}

/* The sum over chunks, in chunk order, of chunk_values column `column`. */
static double
sum_chunk_values(const struct kmeans_workspace *ws, size_t column)
{
	double total = 0;
	size_t c;

	for (c = 0; c < ws->n_chunks; c++)
		total += ws->chunk_values[c * MAX_TRIALS + column];
	return total;
}

/*
 * Squared distances from rows i .. i + 3 (or row i alone when fewer than
 * four are left before end) to the points of search, into lanes (four
 * rows of n_blocks * KMEANS_LANES); returns the number of rows measured.
 */
static size_t
measure_rows(const struct kmeans_workspace *ws,
    const struct kmeans_search *search, size_t i, size_t end,
    double *lanes)
{
	const double *values = ws->data->values;
	size_t d = ws->data->n_features;

	if (i + 4 <= end) {
		const double *rows[4] = { values + i * d, values + (i + 1) * d,
		    values + (i + 2) * d, values + (i + 3) * d };

		kmeans_search_distances4(search, rows, lanes);
		return 4;
	}
	kmeans_search_distances(search, values + i * d, lanes);
	return 1;
}

/* Scratch for measure_rows on search: four rows of distances. */
static double *
new_lanes(const struct kmeans_search *search)
{
	return xcalloc(4 * search->n_blocks * KMEANS_LANES, sizeof(double));
}

/* Squared distance of each row to the first centre. */
static void
task_first_centre(struct kmeans_workspace *ws, size_t chunk, size_t begin,
    size_t end)
{
	double *lanes = new_lanes(&ws->candidate_search);
	size_t i, r, measured, stride = ws->candidate_search.n_blocks *
	    KMEANS_LANES;

	(void)chunk;
	for (i = begin; i < end; i += measured) {
		measured = measure_rows(ws, &ws->candidate_search, i, end,
		    lanes);
		for (r = 0; r < measured; r++) {
			ws->nearest_sq[i + r] = lanes[r * stride];
			ws->result->labels[i + r] = 0;
		}
	}
	free(lanes);
}

/* Whether some candidate passes the triangle test for row i (below). */
static bool
candidate_can_win(const struct kmeans_workspace *ws, size_t i)
{
	const double *gap = ws->candidate_gap + ws->result->labels[i] *
	    ws->n_trials;
	size_t t;

	for (t = 0; t < ws->n_trials; t++)
		if (gap[t] < 4 * ws->nearest_sq[i])
			return true;
	return false;
}

/*
 * Distances from the chunk's rows to the seeding candidates, and each
 * candidate's partial inertia.  A row x whose centre c has
 * |candidate - c|^2 >= 4 |x - c|^2 cannot be nearer the candidate
 * (triangle inequality): its distance is recorded as HUGE_VAL, and a row
 * that no candidate can win is not measured at all.
 */
static void
task_measure_candidates(struct kmeans_workspace *ws, size_t chunk,
    size_t begin, size_t end)
{
	size_t n_trials = ws->n_trials, i, r, t, measured, stride =
	    ws->candidate_search.n_blocks * KMEANS_LANES;
	double *lanes = new_lanes(&ws->candidate_search);
	double *potential = ws->chunk_values + chunk * MAX_TRIALS;

	for (t = 0; t < n_trials; t++)
		potential[t] = 0;
	for (i = begin; i < end; i += measured) {
		measured = i + 4 <= end ? 4 : 1;
		for (r = 0; r < measured; r++)
			if (candidate_can_win(ws, i + r))
				break;
		if (r < measured)
			measure_rows(ws, &ws->candidate_search, i, end, lanes);
		for (r = 0; r < measured; r++) {
			const double *gap = ws->candidate_gap +
			    ws->result->labels[i + r] * n_trials;
			double nearest = ws->nearest_sq[i + r];
			double *out = ws->trial_distance + (i + r) * n_trials;

			for (t = 0; t < n_trials; t++) {
				out[t] = gap[t] >= 4 * nearest ? HUGE_VAL :
				    lanes[r * stride + t];
				potential[t] += out[t] < nearest ? out[t] :
				    nearest;
			}
		}
	}
	free(lanes);
}

/* Rows nearer the chosen candidate than to any centre join it. */
static void
task_take_candidate(struct kmeans_workspace *ws, size_t chunk, size_t begin,
    size_t end)
{
	size_t i, n_trials = ws->n_trials;

	(void)chunk;
	for (i = begin; i < end; i++) {
		double distance = ws->trial_distance[i * n_trials +
		    ws->chosen_trial];

		if (distance < ws->nearest_sq[i]) {
			ws->nearest_sq[i] = distance;
			ws->result->labels[i] = (unsigned)ws->n_chosen;
		}
	}
}

/* The first row whose running sum of weights exceeds target. */
static size_t
search_cumulative(const double *cumulative, size_t n, double target)
{
	size_t low = 0, high = n - 1;

	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (cumulative[middle] > target)
			high = middle;
		else
			low = middle + 1;
	}
	return low;
}

/*
 * Draw the candidates for centre n_chosen and measure them; returns the
 * index of the best (lowest inertia, the first on a tie).
 */
static size_t
try_candidates(struct kmeans_workspace *ws, struct random_state *rng,
    double running_total, size_t *candidates)
{
	const struct dataset *data = ws->data;
	size_t d = data->n_features, n_trials = ws->n_trials, t, c, best = 0;
	double *points = xcalloc(n_trials * d, sizeof(double));
	double potential[MAX_TRIALS];

	for (t = 0; t < n_trials; t++) {
		candidates[t] = search_cumulative(ws->cumulative, data->n_rows,
		    random_uniform(rng) * running_total);
		memcpy(points + t * d, data->values + candidates[t] * d, d *
		    sizeof(double));
		for (c = 0; c < ws->n_chosen; c++)
			ws->candidate_gap[c * n_trials + t] =
			    kmeans_squared_distance(points + t * d,
			    ws->result->centroids + c * d, d);
	}
	kmeans_search_init(&ws->candidate_search, points, n_trials, d);
	for_each_chunk(ws, task_measure_candidates);
	kmeans_search_free(&ws->candidate_search);
	for (t = 0; t < n_trials; t++) {
		potential[t] = sum_chunk_values(ws, t);
		if (potential[t] < potential[best])
			best = t;
	}
	free(points);
	return best;
}

/*
 * Greedy k-means++ seeding.  Returns the number of centres placed: fewer
 * than k when every row already sits on a centre, that is when the rows
 * hold fewer distinct points than k (each centre placed is a distinct
 * point, since it was drawn with a positive weight).
 */
static size_t
seed_centroids_kmeanspp(struct kmeans_workspace *ws,
    struct random_state *rng)
{
	const struct dataset *data = ws->data;
	struct clustering *result = ws->result;
	size_t n = data->n_rows, d = data->n_features, i;
	size_t candidates[MAX_TRIALS], first = (size_t)random_below(rng, n);

	memcpy(result->centroids, data->values + first * d, d *
	    sizeof(double));
	kmeans_search_init(&ws->candidate_search, result->centroids, 1, d);
	for_each_chunk(ws, task_first_centre);
	kmeans_search_free(&ws->candidate_search);
	for (ws->n_chosen = 1; ws->n_chosen < ws->n_clusters;
	    ws->n_chosen++) {
		double running = 0;

		for (i = 0; i < n; i++)
			ws->cumulative[i] = running += ws->nearest_sq[i];
		if (!(running > 0))
			return ws->n_chosen;
		ws->chosen_trial = try_candidates(ws, rng, running,
		    candidates);
		for_each_chunk(ws, task_take_candidate);
		memcpy(result->centroids + ws->n_chosen * d, data->values +
		    candidates[ws->chosen_trial] * d, d * sizeof(double));
	}
	return ws->n_clusters;
}

/* Partial sums and counts of every cluster over the chunk's rows. */
static void
task_accumulate(struct kmeans_workspace *ws, size_t chunk, size_t begin,
    size_t end)
{
	size_t d = ws->data->n_features, k = ws->n_clusters, i, j;
	double *sums = ws->chunk_sums + chunk * k * d;
	size_t *counts = ws->chunk_counts + chunk * k;

	memset(sums, 0, k * d * sizeof(double));
	memset(counts, 0, k * sizeof(size_t));
	for (i = begin; i < end; i++) {
		unsigned own = ws->result->labels[i];
		const double *x = ws->data->values + i * d;

		for (j = 0; j < d; j++)
			sums[own * d + j] += x[j];
		counts[own]++;
	}
}

/* Sums and counts of every cluster from scratch. */
static void
accumulate_clusters(struct kmeans_workspace *ws)
{
	size_t kd = ws->n_clusters * ws->data->n_features, c, m;

	for_each_chunk(ws, task_accumulate);
	memset(ws->sums, 0, kd * sizeof(double));
	memset(ws->counts, 0, ws->n_clusters * sizeof(size_t));
	for (c = 0; c < ws->n_chunks; c++) {
		for (m = 0; m < kd; m++)
			ws->sums[m] += ws->chunk_sums[c * kd + m];
		for (m = 0; m < ws->n_clusters; m++)
			ws->counts[m] += ws->chunk_counts[c * ws->n_clusters +
			    m];
	}
}

/* Whether row equals one of the listed centroids. */
static bool
row_is_centroid(const double *row, const double *centroids,
    const size_t *list, size_t n_list, size_t d)
{
	size_t m;

	for (m = 0; m < n_list; m++)
		if (kmeans_squared_distance(row, centroids + list[m] * d, d) ==
		    0)
			return true;
	return false;
}

/* The row farthest from its centroid in a cluster of 2 rows or more. */
static size_t
farthest_movable_row(const struct kmeans_workspace *ws, const size_t *moved,
    size_t n_moved)
{
	const struct dataset *data = ws->data;
	const struct clustering *result = ws->result;
	size_t n = data->n_rows, d = data->n_features, i, farthest = n;
	double largest = 0;

	for (i = 0; i < n; i++) {
		const double *x = data->values + i * d;
		double distance = kmeans_squared_distance(x,
		    result->centroids + result->labels[i] * d, d);

		if (distance > largest && ws->counts[result->labels[i]] > 1 &&
		    !row_is_centroid(x, result->centroids, moved, n_moved, d)) {
			largest = distance;
			farthest = i;
		}
	}
	return farthest;
}

/*
 * Rule for a cluster left with no rows: its centroid moves onto the row
 * farthest from its own centroid, taken from a cluster of two rows or
 * more (ties to the first row), so no centroid is ever 0/0.  Several
 * empty clusters are served in id order, each with a different point.
 * Bounds are reset, so the next assignment measures every row.  Returns
 * the number of clusters moved.
 */
static size_t
relocate_empty_clusters(struct kmeans_workspace *ws)
{
	const struct dataset *data = ws->data;
	struct clustering *result = ws->result;
	size_t n = data->n_rows, d = data->n_features, k = ws->n_clusters;
	size_t i, j, c, n_moved = 0, *moved;

	for (c = 0; c < k && ws->counts[c] > 0; c++)
		continue;
	if (c == k)
		return 0;
	moved = xcalloc(k, sizeof(size_t));
	for (c = 0; c < k; c++) {
		if (ws->counts[c] > 0)
			continue;
		if ((i = farthest_movable_row(ws, moved, n_moved)) == n)
			diag_fatal("cluster %zu is empty and no row can be "
			    "moved into it", c + 1);
		for (j = 0; j < d; j++) {
			ws->sums[result->labels[i] * d + j] -=
			    data->values[i * d + j];
			ws->sums[c * d + j] = data->values[i * d + j];
		}
		ws->counts[result->labels[i]]--;
		ws->counts[c] = 1;
		result->labels[i] = (unsigned)c;
		memcpy(result->centroids + c * d, data->values + i * d, d *
		    sizeof(double));
		moved[n_moved++] = c;
	}
	for (i = 0; i < n; i++) {
		ws->upper[i] = HUGE_VAL;
		ws->lower[i] = 0;
	}
	free(moved);
	return n_moved;
}

/*
 * Centroids become the means of their rows; returns the total squared
 * shift.  Bounds follow: u += shift(own), l -= largest other shift.
 */
static double
recompute_centroids(struct kmeans_workspace *ws)
{
	struct clustering *result = ws->result;
	size_t n = ws->data->n_rows, d = ws->data->n_features;
	size_t c, j, i, largest_index = 0;
	double total = 0, largest = 0, second = 0;

	for (c = 0; c < ws->n_clusters; c++) {
		double *centroid = result->centroids + c * d, moved = 0, t;

		for (j = 0; j < d; j++) {
			t = ws->sums[c * d + j] / (double)ws->counts[c];
			moved += (t - centroid[j]) * (t - centroid[j]);
			centroid[j] = t;
		}
		total += moved;
		ws->shift[c] = sqrt(moved);
		if (ws->shift[c] > largest) {
			second = largest;
			largest = ws->shift[c];
			largest_index = c;
		} else if (ws->shift[c] > second)
			second = ws->shift[c];
	}
	for (i = 0; i < n; i++) {
		ws->upper[i] += ws->shift[result->labels[i]];
		ws->lower[i] -= result->labels[i] == largest_index ? second :
		    largest;
	}
	return total;
}

/* half_gap[c]: half the distance from centroid c to the nearest other. */
static void
compute_half_gaps(struct kmeans_workspace *ws)
{
	size_t k = ws->n_clusters, d = ws->data->n_features, a, b;
	const double *centroids = ws->result->centroids;

	for (a = 0; a < k; a++)
		ws->half_gap[a] = HUGE_VAL;
	for (a = 0; a < k; a++)
		for (b = a + 1; b < k; b++) {
			double half = 0.5 * sqrt(kmeans_squared_distance(
			    centroids + a * d, centroids + b * d, d));

			if (half < ws->half_gap[a])
				ws->half_gap[a] = half;
			if (half < ws->half_gap[b])
				ws->half_gap[b] = half;
		}
}

/*
 * Row i of the chunk, measured against every centroid: new bounds, and
 * if another centroid is nearer, a move, recorded in the chunk's change
 * of cluster sums and counts.  Returns 1 if the row moved, else 0.
 */
static size_t
settle_row(struct kmeans_workspace *ws, size_t chunk, size_t i,
    const double *distances)
{
	struct clustering *result = ws->result;
	size_t d = ws->data->n_features, k = ws->n_clusters, j;
	const double *x = ws->data->values + i * d;
	double *sums = ws->chunk_sums + chunk * k * d, first, second;
	long *count_change = ws->chunk_count_change + chunk * k;
	unsigned own = result->labels[i], best;

	best = (unsigned)kmeans_search_pick(&ws->centroid_search, distances,
	    &first, &second);
	ws->upper[i] = sqrt(first);
	ws->lower[i] = sqrt(second);
	if (best == own)
		return 0;
	for (j = 0; j < d; j++) {
		sums[own * d + j] -= x[j];
		sums[best * d + j] += x[j];
	}
	count_change[own]--;
	count_change[best]++;
	result->labels[i] = best;
	return 1;
}

/*
 * max(half_gap(own), lower bound) of row i: what its upper bound must
 * not exceed for the row to stay where it is.
 */
static double
keep_bound(const struct kmeans_workspace *ws, size_t i)
{
	unsigned own = ws->result->labels[i];

	return ws->half_gap[own] > ws->lower[i] ? ws->half_gap[own] :
	    ws->lower[i];
}

/*
 * The rows of a chunk on their way through Hamerly's test: those whose
 * upper bound must be tightened (measured against their own centroid,
 * four at a time) and those that must be measured against every
 * centroid (four at a time as well).  Rows pass through both queues in
 * order, so they are settled in the order of the chunk, which fixes the
 * order of the additions to the cluster sums.
 */
struct assign_queues {
	size_t tighten[4], n_tighten;
	size_t pending[4], n_pending;
	const double *rows[4];
	double *lanes;
	size_t moved;
};

/* Measure the pending rows against every centroid and settle them. */
static void
settle_pending(struct kmeans_workspace *ws, size_t chunk,
    struct assign_queues *q)
{
	size_t stride = ws->centroid_search.n_blocks * KMEANS_LANES, r;

	if (q->n_pending == 4) {
		kmeans_search_distances4(&ws->centroid_search, q->rows,
		    q->lanes);
		for (r = 0; r < 4; r++)
			q->moved += settle_row(ws, chunk, q->pending[r],
			    q->lanes + r * stride);
	} else
		for (r = 0; r < q->n_pending; r++) {
			kmeans_search_distances(&ws->centroid_search,
			    q->rows[r], q->lanes);
			q->moved += settle_row(ws, chunk, q->pending[r],
			    q->lanes);
		}
	q->n_pending = 0;
}

/* Queue row i for the search against every centroid. */
static void
queue_pending(struct kmeans_workspace *ws, size_t chunk,
    struct assign_queues *q, size_t i)
{
	q->rows[q->n_pending] = ws->data->values + i * ws->data->n_features;
	q->pending[q->n_pending++] = i;
	if (q->n_pending == 4)
		settle_pending(ws, chunk, q);
}

/*
 * Tighten the queued rows' upper bounds to their distance from their
 * own centroid; a row still past its bound goes on to the full search.
 * A row tightened alone is measured with the same sum as four.
 */
static void
tighten_queued(struct kmeans_workspace *ws, size_t chunk,
    struct assign_queues *q)
{
	size_t d = ws->data->n_features, r;
	const double *rows[4], *centroids[4];
	double distances[4];

	for (r = 0; r < 4; r++) {
		size_t i = q->tighten[r < q->n_tighten ? r : 0];

		rows[r] = ws->data->values + i * d;
		centroids[r] = ws->result->centroids +
		    ws->result->labels[i] * d;
	}
	kmeans_squared_distance4(rows, centroids, d, distances);
	for (r = 0; r < q->n_tighten; r++) {
		size_t i = q->tighten[r];

		ws->upper[i] = sqrt(distances[r]);
		if (ws->upper[i] > keep_bound(ws, i))
			queue_pending(ws, chunk, q, i);
	}
	q->n_tighten = 0;
}

/*
 * Hamerly's assignment over the chunk's rows: a row is measured again
 * only when its upper bound exceeds max(half_gap(own), lower bound),
 * first against its own centroid (when its bounds are known), then
 * against all.  chunk_values[chunk] counts the rows that moved;
 * chunk_sums and chunk_count_change hold what the moves did to the
 * clusters.
 */
static void
task_assign(struct kmeans_workspace *ws, size_t chunk, size_t begin,
    size_t end)
{
	size_t d = ws->data->n_features, k = ws->n_clusters, i;
	struct assign_queues q;

	memset(&q, 0, sizeof(q));
	q.lanes = new_lanes(&ws->centroid_search);
	memset(ws->chunk_sums + chunk * k * d, 0, k * d * sizeof(double));
	memset(ws->chunk_count_change + chunk * k, 0, k * sizeof(long));
	for (i = begin; i < end; i++) {
		if (ws->upper[i] <= keep_bound(ws, i))
			continue;
		if (ws->lower[i] <= 0) {
			/* Bounds unknown: the row is measured in full. */
			if (q.n_tighten > 0)
				tighten_queued(ws, chunk, &q);
			queue_pending(ws, chunk, &q, i);
			continue;
		}
		q.tighten[q.n_tighten++] = i;
		if (q.n_tighten == 4)
			tighten_queued(ws, chunk, &q);
	}
	if (q.n_tighten > 0)
		tighten_queued(ws, chunk, &q);
	settle_pending(ws, chunk, &q);
	ws->chunk_values[chunk * MAX_TRIALS] = (double)q.moved;
	free(q.lanes);
}

/* Add the chunks' changes to the cluster sums and counts, in order. */
static void
apply_moves(struct kmeans_workspace *ws)
{
	size_t kd = ws->n_clusters * ws->data->n_features, c, m;

	for (c = 0; c < ws->n_chunks; c++) {
		for (m = 0; m < kd; m++)
			ws->sums[m] += ws->chunk_sums[c * kd + m];
		for (m = 0; m < ws->n_clusters; m++)
			ws->counts[m] = (size_t)((long)ws->counts[m] +
			    ws->chunk_count_change[c * ws->n_clusters + m]);
	}
}

/* Nearest centroid of each row, partial inertia and populations. */
static void
task_final_assign(struct kmeans_workspace *ws, size_t chunk, size_t begin,
    size_t end)
{
	struct clustering *result = ws->result;
	size_t k = ws->n_clusters, i, r, measured, stride =
	    ws->centroid_search.n_blocks * KMEANS_LANES;
	size_t *counts = ws->chunk_counts + chunk * k;
	double *lanes = new_lanes(&ws->centroid_search);
	double inertia = 0, distance;

	memset(counts, 0, k * sizeof(size_t));
	for (i = begin; i < end; i += measured) {
		measured = measure_rows(ws, &ws->centroid_search, i, end,
		    lanes);
		for (r = 0; r < measured; r++) {
			result->labels[i + r] = (unsigned)kmeans_search_pick(
			    &ws->centroid_search, lanes + r * stride,
			    &distance, NULL);
			inertia += distance;
			counts[result->labels[i + r]]++;
		}
	}
	ws->chunk_values[chunk * MAX_TRIALS] = inertia;
	free(lanes);
}

/* Partial sum of squared distances of rows to their own centroids. */
static void
task_labelled_inertia(struct kmeans_workspace *ws, size_t chunk,
    size_t begin, size_t end)
{
	size_t d = ws->data->n_features, i;
	double inertia = 0;

	for (i = begin; i < end; i++)
		inertia += kmeans_squared_distance(ws->data->values + i * d,
		    ws->result->centroids + ws->result->labels[i] * d, d);
	ws->chunk_values[chunk * MAX_TRIALS] = inertia;
}

/*
 * The end of a run: centroids become the exact means of their rows,
 * then every row goes to its nearest centroid by kmeans_search_nearest,
 * as cluster-sample will assign it; the populations and inertia come
 * from that assignment.  A cluster it leaves empty is relocated and the
 * step repeated.
 */
static void
finish_clustering(struct kmeans_workspace *ws)
{
	struct clustering *result = ws->result;
	size_t k = ws->n_clusters, c, m, attempt;

	for (attempt = 0; attempt <= k; attempt++) {
		accumulate_clusters(ws);
		if (relocate_empty_clusters(ws) > 0)
			continue;
		recompute_centroids(ws);
		kmeans_search_update(&ws->centroid_search, result->centroids);
		for_each_chunk(ws, task_final_assign);
		result->inertia = sum_chunk_values(ws, 0);
		memset(result->populations, 0, k * sizeof(unsigned long long));
		for (m = 0; m < ws->n_chunks; m++)
			for (c = 0; c < k; c++)
				result->populations[c] += ws->chunk_counts[m *
				    k + c];
		for (c = 0; c < k && result->populations[c] > 0; c++)
			continue;
		if (c == k)
			return;
	}
	diag_fatal("could not give every one of the %zu clusters a row", k);
}

/* Lloyd iterations from the seeded centroids, with Hamerly's bounds. */
static void
run_lloyd(const struct kmeans_settings *settings, long restart,
    struct kmeans_workspace *ws)
{
	struct clustering *result = ws->result;
	size_t n = ws->data->n_rows, i, moved;
	char label[64];

	for (i = 0; i < n; i++) {
		ws->upper[i] = sqrt(ws->nearest_sq[i]);
		ws->lower[i] = 0;
	}
	accumulate_clusters(ws);
	snprintf(label, sizeof(label), "k=%zu restart %ld: iterations",
	    ws->n_clusters, restart);
	result->converged = false;
	for (result->iterations = 1; result->iterations <=
	    settings->max_iterations; result->iterations++) {
		double shift = recompute_centroids(ws);

		compute_half_gaps(ws);
		kmeans_search_update(&ws->centroid_search, result->centroids);
		for_each_chunk(ws, task_assign);
		moved = (size_t)sum_chunk_values(ws, 0);
		apply_moves(ws);
		moved += relocate_empty_clusters(ws);
		if (diag_is_verbose()) {
			for_each_chunk(ws, task_labelled_inertia);
			diag_verbose("k=%zu restart %ld iteration %ld: "
			    "inertia %.10g, %zu rows moved", ws->n_clusters,
			    restart, result->iterations,
			    sum_chunk_values(ws, 0), moved);
		}
		diag_progress(label, (unsigned long long)result->iterations);
		if (moved == 0 || shift <= settings->shift_threshold) {
			result->converged = true;
			break;
		}
	}
	if (result->iterations > settings->max_iterations)
		result->iterations = settings->max_iterations;
	diag_progress_end();
	finish_clustering(ws);
}

size_t
kmeans_run(const struct kmeans_settings *settings, long restart,
    struct random_state *rng, struct kmeans_workspace *ws,
    struct clustering *result)
{
	size_t placed;

	ws->result = result;
	placed = seed_centroids_kmeanspp(ws, rng);
	if (placed < result->n_clusters)
		return placed;
	run_lloyd(settings, restart, ws);
	return 0;
}

/* What compare_clusters sorts by; qsort passes no context. */
static const unsigned long long *order_populations;
static const double *order_centroids;
static size_t order_dimension;

static int
compare_clusters(const void *left, const void *right)
{
	size_t a = *(const size_t *)left, b = *(const size_t *)right, j;
	const double *ca = order_centroids + a * order_dimension;
	const double *cb = order_centroids + b * order_dimension;

	if (order_populations[a] != order_populations[b])
		return order_populations[a] > order_populations[b] ? -1 : 1;
	for (j = 0; j < order_dimension; j++)
		if (ca[j] != cb[j])
			return ca[j] < cb[j] ? -1 : 1;
	return a < b ? -1 : a > b;
}

void
cluster_canonical_order(size_t n_clusters, size_t n_features,
    unsigned long long *populations, double *centroids, size_t *new_id)
{
	size_t k = n_clusters, d = n_features, c;
	size_t *order = xcalloc(k, sizeof(size_t));
	double *sorted = xcalloc(k * d, sizeof(double));
	unsigned long long *sorted_populations = xcalloc(k,
	    sizeof(unsigned long long));

	for (c = 0; c < k; c++)
		order[c] = c;
	order_populations = populations;
	order_centroids = centroids;
	order_dimension = d;
	qsort(order, k, sizeof(size_t), compare_clusters);
	for (c = 0; c < k; c++) {
		memcpy(sorted + c * d, centroids + order[c] * d,
		    d * sizeof(double));
		sorted_populations[c] = populations[order[c]];
		if (new_id != NULL)
			new_id[order[c]] = c;
	}
	memcpy(centroids, sorted, k * d * sizeof(double));
	memcpy(populations, sorted_populations,
	    k * sizeof(unsigned long long));
	free(order);
	free(sorted);
	free(sorted_populations);
}
