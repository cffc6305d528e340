/*
 * histogram.c - binning the pooled rows of kl-drift's two samples into
 * the cells of a grid of equal-width bins (see kl_drift.h).
 *
 * In each dimension the pooled range [low, high], or the range fixed
 * with --range, is cut at the edges e_i = low + i (high - low) / B,
 * i = 0 .. B - 1, and e_B = high, and a value x goes to the bin b with
 * e_b <= x < e_(b+1), the last bin also
 * taking x = high.  These are the edges and the rule of NumPy's
 * histogramdd, so bin counts agree with it even for values on an edge.
 * A dimension whose range is zero has one bin.  A range wider than the
 * largest double (high - low overflows, where NumPy's edges become inf
 * and NaN) gets e_i = low (B - i) / B + high i / B instead, which is
 * finite and equally spaced to rounding.
 *
 * A cell is numbered in mixed radix from its bins; the cells that hold
 * rows are then numbered densely in that order, through a table when
 * the cells are few and by sorting otherwise, so memory is O(rows)
 * whatever the number of cells.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "kl_drift.h"

/* Up to this many cells, occupied ones are numbered through a table. */
#define DIRECT_NUMBERING_LIMIT (UINT64_C(1) << 22)

/* The bin of x among edges[0 .. n_bins] (see the rule above). */
size_t
histogram_bin_of(double x, const double *edges, size_t n_bins)
{
	double width = edges[n_bins] - edges[0], offset = x - edges[0];
	size_t bin = 0;
	double guess;

	if (!isfinite(width)) {
		/* A range past 1.8e308 wide: the same guess, in halves. */
		width = edges[n_bins] / 2 - edges[0] / 2;
		offset = x / 2 - edges[0] / 2;
	}
	if (width > 0) {
		guess = floor(offset / width * (double)n_bins);
		bin = guess <= 0 ? 0 : guess >= (double)n_bins ? n_bins - 1 :
		    (size_t)guess;
	}
	while (bin > 0 && x < edges[bin])
		bin--;
	while (bin + 1 < n_bins && x >= edges[bin + 1])
		bin++;
	return bin;
}

size_t
histogram_edges(double low, double high, long bins, double *edges)
{
	double step;
	size_t i;

	if (low == high) {
		edges[0] = edges[1] = low;
		return 1;
	}
	step = (high - low) / (double)bins;
	for (i = 0; i < (size_t)bins; i++)
		edges[i] = (double)i * step + low;
	if (!isfinite(step))
		/*
		 * high - low overflows (a range past 1.8e308 wide): the
		 * edges as weighted means of low and high instead, which
		 * stay finite.
		 */
		for (i = 0; i < (size_t)bins; i++)
			edges[i] = low * ((double)(bins - (long)i) /
			    (double)bins) + high * ((double)i / (double)bins);
	edges[bins] = high;
	return (size_t)bins;
}

/* Edges of one dimension over the pooled range; returns the bin count. */
static size_t
dimension_edges(const double *pooled, size_t n_rows, size_t dimension,
    size_t j, long bins, double *edges)
{
	double low = pooled[j], high = pooled[j];
	size_t i;

	for (i = 1; i < n_rows; i++) {
		double x = pooled[i * dimension + j];

		low = x < low ? x : low;
		high = x > high ? x : high;
	}
	return histogram_edges(low, high, bins, edges);
}

static int
compare_codes(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Position of code in the sorted, distinct codes[0 .. n). */
static size_t
find_code(const uint64_t *codes, size_t n, uint64_t code)
{
	size_t low = 0, high = n;

	while (high - low > 1) {
		size_t middle = low + (high - low) / 2;

		if (codes[middle] <= code)
			low = middle;
		else
			high = middle;
	}
	return low;
}

/*
 * Number the occupied cells 0, 1, ... in increasing order of their
 * codes, through a table of every cell: for grids of few cells.
 */
static size_t
number_cells_directly(const uint64_t *code, size_t n_rows, uint64_t n_cells,
    size_t *cell_of_row)
{
	size_t *number = xcalloc(n_cells, sizeof(size_t)), i, n_distinct = 0;
	uint64_t c;

	for (i = 0; i < n_rows; i++)
		number[code[i]] = 1;
	for (c = 0; c < n_cells; c++)
		if (number[c] != 0)
			number[c] = ++n_distinct;
	for (i = 0; i < n_rows; i++)
		cell_of_row[i] = number[code[i]] - 1;
	free(number);
	return n_distinct;
}

/* The same numbering by sorting the codes: for grids of many cells. */
static size_t
number_cells_by_sorting(const uint64_t *code, size_t n_rows,
    size_t *cell_of_row)
{
	uint64_t *distinct = xcalloc(n_rows + 1, sizeof(uint64_t));
	size_t i, n_distinct = 0;

	memcpy(distinct, code, n_rows * sizeof(uint64_t));
	qsort(distinct, n_rows, sizeof(uint64_t), compare_codes);
	for (i = 0; i < n_rows; i++)
		if (i == 0 || distinct[i] != distinct[n_distinct - 1])
			distinct[n_distinct++] = distinct[i];
	for (i = 0; i < n_rows; i++)
		cell_of_row[i] = find_code(distinct, n_distinct, code[i]);
	free(distinct);
	return n_distinct;
}

void
histogram_assign_cells(const double *pooled, size_t n_rows,
    size_t dimension, long bins, const double *low, const double *high,
    size_t *cell_of_row, size_t *n_occupied, double *n_cells_total)
{
	double *edges = xcalloc((size_t)bins + 1, sizeof(double));
	uint64_t *code = xcalloc(n_rows, sizeof(uint64_t));
	uint64_t radix = 1;
	size_t i, j, n_bins, n_distinct = 0;

	*n_cells_total = 1;
	for (j = 0; j < dimension; j++) {
		n_bins = low != NULL ? histogram_edges(low[j], high[j], bins,
		    edges) : dimension_edges(pooled, n_rows, dimension, j,
		    bins, edges);
		if (radix > UINT64_MAX / 2 / n_bins)
			diag_fatal("hist: --bins %ld in %zu dimensions makes "
			    "more than 2^63 cells", bins, dimension);
		for (i = 0; i < n_rows; i++)
			code[i] += radix * histogram_bin_of(pooled[i *
			    dimension + j], edges, n_bins);
		radix *= n_bins;
		*n_cells_total *= (double)n_bins;
	}
	if (radix <= DIRECT_NUMBERING_LIMIT)
		n_distinct = number_cells_directly(code, n_rows, radix,
		    cell_of_row);
	else
		n_distinct = number_cells_by_sorting(code, n_rows,
		    cell_of_row);
	*n_occupied = n_distinct;
	free(edges);
	free(code);
}
