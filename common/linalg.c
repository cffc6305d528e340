/*
 * linalg.c - the toolchain's calls into CBLAS and LAPACKE (see linalg.h).
 *
 * The BLAS integers are 32-bit (Debian's OpenBLAS): every dimension is
 * checked against INT_MAX first.  The LAPACKE row-major interface is used
 * throughout, so no transposition is done here by hand.
 */
#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "linalg.h"

/* Defined by OpenBLAS: its thread count, read and set. */
int openblas_get_num_threads(void);
void openblas_set_num_threads(int n_threads);

/*
 * OpenBLAS splits some routines (the symmetric rank-k update, the
 * reductions inside LAPACK's eigensolver) differently at different
 * thread counts, which changes the order of additions and so the last
 * bits of the result.  The toolchain promises the same bytes out for the
 * same input whatever OPENBLAS_NUM_THREADS is, so those routines run on
 * one thread: they work on d x d matrices, where threads gain little.
 * Matrix products (dgemm) give the same result at any thread count,
 * since each output element is summed by one thread in one order.
 */
static int saved_thread_count;

static void
single_thread_begin(void)
{
	saved_thread_count = openblas_get_num_threads();
	openblas_set_num_threads(1);
}

static void
single_thread_end(void)
{
	openblas_set_num_threads(saved_thread_count);
}

static int
blas_int(size_t n)
{
	if (n > INT_MAX)
		diag_fatal("matrix dimension %zu is too large for the BLAS",
		    n);
	return (int)n;
}

struct matrix
matrix_new(size_t n_rows, size_t n_cols)
{
	struct matrix m;

	m.n_rows = n_rows;
	m.n_cols = n_cols;
	m.values = xcalloc(n_rows * n_cols == 0 ? 1 : n_rows, n_cols == 0 ?
	    1 : n_cols * sizeof(double));
	return m;
}

void
matrix_free(struct matrix *m)
{
	free(m->values);
	m->values = NULL;
	m->n_rows = m->n_cols = 0;
}

void
linalg_multiply(bool transpose_a, bool transpose_b, size_t m, size_t n,
    size_t k, double alpha, const double *a, size_t lda, const double *b,
    size_t ldb, double beta, double *c, size_t ldc)
{
	if (m == 0 || n == 0)
		return;
	cblas_dgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
	    transpose_b ? CblasTrans : CblasNoTrans, blas_int(m), blas_int(n),
	    blas_int(k), alpha, a, blas_int(lda), b, blas_int(ldb), beta, c,
	    blas_int(ldc));
}

void
linalg_gram_upper(size_t n_rows, size_t n_cols, double alpha,
    const double *a, size_t lda, double beta, double *c)
{
	if (n_cols == 0)
		return;
	single_thread_begin();
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blas_int(n_cols),
	    blas_int(n_rows), alpha, a, blas_int(lda), beta, c,
	    blas_int(n_cols));
	single_thread_end();
}

void
linalg_symmetrize(size_t n, double *c)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			c[i * n + j] = c[j * n + i];
}

/*
 * The last guard before LAPACK: a non-finite entry would give NaN
 * results or LAPACKE's own "argument was invalid".  Callers refuse such
 * statistics first, naming their file and column (moments_finite); this
 * only keeps a caller that forgot from printing garbage.
 */
static void
require_finite(const char *routine, size_t n, const double *a)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (!isfinite(a[i * n + j]))
				diag_fatal("%s: entry (%zu, %zu) of the "
				    "matrix is %g, not a finite number",
				    routine, i + 1, j + 1, a[i * n + j]);
}

static void
report_lapack_failure(const char *routine, int info, const char *meaning)
{
	diag_fatal("%s failed (info=%d): %s", routine, info, meaning);
}

void
symmetric_eigen_descending(size_t n, const double *a, double *eigenvalues,
    double *eigenvectors)
{
	double *work = xcalloc(n * n, sizeof(double));
	double *ascending_vectors = xcalloc(n * n, sizeof(double));
	double *ascending_values = xcalloc(n, sizeof(double));
	int *support = xcalloc(2 * n, sizeof(int));
	lapack_int found, info;
	size_t i, j;

	require_finite("symmetric_eigen_descending", n, a);
	memcpy(work, a, n * n * sizeof(double));
	single_thread_begin();
	info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'A', 'U', blas_int(n),
	    work, blas_int(n), 0, 0, 0, 0, 0, &found, ascending_values,
	    ascending_vectors, blas_int(n), support);
	single_thread_end();
	if (info < 0)
		report_lapack_failure("LAPACKE_dsyevr", info,
		    "an argument was invalid");
	if (info > 0)
		report_lapack_failure("LAPACKE_dsyevr", info,
		    "the eigenvalues did not converge");
	/* dsyevr returns ascending order, vectors in columns. */
	for (i = 0; i < n; i++) {
		eigenvalues[i] = ascending_values[n - 1 - i];
		for (j = 0; j < n; j++)
			eigenvectors[i * n + j] =
			    ascending_vectors[j * n + (n - 1 - i)];
	}
	free(work);
	free(ascending_vectors);
	free(ascending_values);
	free(support);
}

bool
cholesky_factor(size_t n, double *a)
{
	lapack_int info;

	require_finite("cholesky_factor", n, a);
	single_thread_begin();
	info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', blas_int(n), a,
	    blas_int(n));
	single_thread_end();
	if (info < 0)
		report_lapack_failure("LAPACKE_dpotrf", info,
		    "an argument was invalid");
	return info == 0;
}

double
cholesky_log_determinant(size_t n, const double *factor)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += log(factor[i * n + i]);
	return 2 * sum;
}

void
cholesky_solve(size_t n, const double *factor, double *b, size_t n_rhs)
{
	lapack_int info;

	single_thread_begin();
	info = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', blas_int(n),
	    blas_int(n_rhs), factor, blas_int(n), b, blas_int(n_rhs));
	single_thread_end();
	if (info != 0)
		report_lapack_failure("LAPACKE_dpotrs", info,
		    "an argument was invalid");
}

/*
 * A plain loop rather than cblas_ddot: the BLAS splits long dot products
 * across threads, and the sum would then depend on the thread count.
 */
double
linalg_dot(size_t n, const double *x, const double *y)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += x[i] * y[i];
	return sum;
}

int
linalg_thread_count(void)
{
	return openblas_get_num_threads();
}
