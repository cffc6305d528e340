/*
 * linalg.h - dense matrices and the only door to LAPACKE and CBLAS.
 *
 * No program includes lapacke.h or cblas.h: they call these functions,
 * named for the mathematics.  Every matrix is row-major, a contiguous
 * array of n_rows * n_cols doubles.  Dimensions are checked against the
 * 32-bit integers of the BLAS before each call, and inputs are finite
 * (the readers refuse NaN and infinities, and callers refuse statistics
 * that overflow, see moments_finite), so the libraries never reach
 * their own error paths, which print to standard output; the eigen and
 * Cholesky routines end the program, naming the entry, rather than pass
 * LAPACK a matrix that is not finite.  A routine that fails numerically
 * is reported as "prog: ROUTINE failed (info=N): what it means" and the
 * program exits 1.
 */
#ifndef LINALG_H
#define LINALG_H

#include <stdbool.h>
#include <stddef.h>

struct matrix {
	size_t n_rows;
	size_t n_cols;
	double *values;		/* row-major: (i, j) at i * n_cols + j */
};

#define MATRIX_AT(m, i, j) ((m).values[(i) * (m).n_cols + (j)])

/* A zero matrix; ends the program if it cannot be allocated. */
struct matrix matrix_new(size_t n_rows, size_t n_cols);

/* Free the values; the matrix becomes 0 x 0. */
void matrix_free(struct matrix *m);

/*
 * C = alpha * op(A) * op(B) + beta * C, with op(X) = X or its transpose.
 * op(A) is m x k, op(B) is k x n, C is m x n; lda, ldb, ldc are the row
 * strides of A, B and C as stored.
 */
void linalg_multiply(bool transpose_a, bool transpose_b, size_t m,
    size_t n, size_t k, double alpha, const double *a, size_t lda,
    const double *b, size_t ldb, double beta, double *c, size_t ldc);

/*
 * C = alpha * A' * A + beta * C for A of n_rows x n_cols (row stride
 * lda) and C of n_cols x n_cols.  Only the upper triangle of C is
 * updated; linalg_symmetrize copies it into the lower one.
 */
void linalg_gram_upper(size_t n_rows, size_t n_cols, double alpha,
    const double *a, size_t lda, double beta, double *c);
void linalg_symmetrize(size_t n, double *c);

/*
 * Eigen-decomposition of the symmetric n x n matrix a (LAPACKE_dsyevr,
 * all eigenpairs).  eigenvalues (n) come back in descending order, and
 * row i of eigenvectors (n x n) is the unit eigenvector of eigenvalue i.
 * a is not changed.
 */
void symmetric_eigen_descending(size_t n, const double *a,
    double *eigenvalues, double *eigenvectors);

/*
 * Cholesky factorisation a = L L' in place (LAPACKE_dpotrf, lower), for
 * a symmetric n x n matrix.  Returns false, leaving a undefined, when a
 * is not positive definite.
 */
bool cholesky_factor(size_t n, double *a);

/* ln det a from its Cholesky factor: 2 * sum ln L_ii. */
double cholesky_log_determinant(size_t n, const double *factor);

/*
 * Solve a X = B in place for B of n x n_rhs, given the Cholesky factor
 * of a (LAPACKE_dpotrs).
 */
void cholesky_solve(size_t n, const double *factor, double *b,
    size_t n_rhs);

/* The dot product of two vectors of length n. */
double linalg_dot(size_t n, const double *x, const double *y);

/* The number of threads the BLAS uses, for --verbose. */
int linalg_thread_count(void);

#endif
