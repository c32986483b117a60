/*
 * bf16.h - matrix products with bfloat16 operands and float sums, for the
 * logits (AVX-512 BF16: vdpbf16ps multiplies pairs of bf16 and adds both
 * products into a float lane, twice the float FMA's rate on this kind of
 * core).  An operand is rounded to bf16 (8 bits of mantissa, to nearest
 * even, subnormals to zero) as it is packed; every sum stays a float.
 *
 * Operands are packed in pairs: a uint32_t holds two bf16 values of
 * consecutive k, k = 2j in its low half and 2j+1 in its high half, a
 * missing k (odd K) as zero.  The left operand A (M,K) is packed as rows
 * of pairs; the right B (K,n) as panels of 16 columns, pair j of panel p
 * the 16 uint32_t at b + p*ps + 16*j, columns beyond n zero.
 */
#ifndef BF16_H
#define BF16_H

#include <stddef.h>
#include <stdint.h>

#define BF16_PANEL 16 /* columns of a panel: the float lanes of a vector */

/* 1 when this CPU has the AVX-512 BF16 instructions and the environment
 * does not say TT_BF16=0. */
int bf16_supported(void);

/* Pairs of K: (K + 1) / 2.  Panels of n columns: (n + 15) / 16. */
static inline size_t bf16_pairs(size_t K) { return (K + 1) / 2; }
static inline size_t bf16_panels(size_t n) { return (n + BF16_PANEL - 1) / BF16_PANEL; }

/* A from x (R,K) row-major, stride ldx: row r at dst + r*ldd, ldd >= pairs(K). */
void bf16_pack_rows(uint32_t *dst, size_t ldd, const float *x, size_t ldx,
	size_t R, size_t K);
/* A from the transpose of x (K,R): row r of A is column r of x. */
void bf16_pack_rows_t(uint32_t *dst, size_t ldd, const float *x, size_t ldx,
	size_t R, size_t K);
/* B from x (K,n), stride ldx, panels ps apart (ps >= 16 * pairs(K)). */
void bf16_pack_panels(uint32_t *dst, size_t ps, const float *x, size_t ldx,
	size_t K, size_t n);
/* B from the transpose of x (n,K): column c of B is row c of x. */
void bf16_pack_panels_t(uint32_t *dst, const float *x, size_t ldx, size_t K, size_t n);

/* c (M,n), stride ldc, = A . B (add 0) or += A . B (add 1); A has pairs
 * of k at a + m*lda, B panel p at b + p*ps, kp pairs of k each. */
void bf16_gemm(float *c, size_t ldc, const uint32_t *a, size_t lda,
	const uint32_t *b, size_t ps, size_t M, size_t n, size_t kp, int add);

/* A float rounded to bf16 as the packers round it, back as a float. */
float bf16_round(float x);

#endif
