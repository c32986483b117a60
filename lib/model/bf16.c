/* bf16.c - bfloat16 products with float sums (bf16.h). */
#include "bf16.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

/* Only these functions use the instructions; the callers ask
 * bf16_supported() first, so the rest of the build needs no -march. */
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

int bf16_supported(void)
{
	const char *e = getenv("TT_BF16"); /* 0: as on a CPU without it */
	if (e && strcmp(e, "0") == 0)
		return 0;
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512bf16") != 0;
}

/* vcvtne2ps2bf16's rounding: to nearest even, a subnormal to zero, a NaN
 * kept a (quiet) NaN. */
static uint32_t to_bf16(float x)
{
	uint32_t u;
	memcpy(&u, &x, sizeof u);
	if ((u & 0x7f800000u) == 0)
		return (u >> 16) & 0x8000u;
	if ((u & 0x7fffffffu) > 0x7f800000u)
		return (u >> 16) | 0x40u;
	return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
}

float bf16_round(float x)
{
	uint32_t u = to_bf16(x) << 16;
	float y;
	memcpy(&y, &u, sizeof y);
	return y;
}

static uint32_t pair(float lo, float hi)
{
	return to_bf16(lo) | to_bf16(hi) << 16;
}

/* the first n of 16 lanes */
static inline __mmask16 lanes(size_t n)
{
	return n >= 16 ? 0xffff : (__mmask16)((1u << n) - 1);
}

/* 16 floats at x (the first `n` of them, the rest zero) as 16 bf16 */
BF16_TARGET static inline __m256i cvt16(const float *x, size_t n)
{
	return (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(lanes(n), x));
}

BF16_TARGET void bf16_pack_rows(uint32_t *dst, size_t ldd, const float *x,
	size_t ldx, size_t R, size_t K)
{
	size_t kp = bf16_pairs(K);
	for (size_t r = 0; r < R; r++) {
		const float *xr = x + r * ldx;
		uint32_t *d = dst + r * ldd;
		size_t j = 0;
		/* 32 floats become 16 pairs, in order */
		for (; j + 16 <= kp; j += 16) {
			size_t k = 2 * j, left = K - k;
			__m512 lo = _mm512_maskz_loadu_ps(lanes(left), xr + k);
			__m512 hi = _mm512_maskz_loadu_ps(lanes(left > 16 ? left - 16 : 0), xr + k + 16);
			_mm512_storeu_si512(d + j, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
		}
		for (; j < kp; j++)
			d[j] = pair(xr[2 * j], 2 * j + 1 < K ? xr[2 * j + 1] : 0.0f);
		for (; j < ldd; j++)
			d[j] = 0;
	}
}

void bf16_pack_rows_t(uint32_t *dst, size_t ldd, const float *x, size_t ldx,
	size_t R, size_t K)
{
	size_t kp = bf16_pairs(K);
	for (size_t r = 0; r < R; r++) {
		uint32_t *d = dst + r * ldd;
		size_t j = 0;
		for (; j < kp; j++)
			d[j] = pair(x[2 * j * ldx + r], 2 * j + 1 < K ? x[(2 * j + 1) * ldx + r] : 0.0f);
		for (; j < ldd; j++)
			d[j] = 0;
	}
}

BF16_TARGET void bf16_pack_panels(uint32_t *dst, size_t ps, const float *x,
	size_t ldx, size_t K, size_t n)
{
	size_t kp = bf16_pairs(K), np = bf16_panels(n);
	for (size_t j = 0; j < kp; j++) {
		const float *x0 = x + 2 * j * ldx, *x1 = x0 + ldx;
		int odd = 2 * j + 1 < K;
		for (size_t p = 0; p < np; p++) {
			size_t c = p * BF16_PANEL, left = n - c;
			__m512i lo = _mm512_cvtepu16_epi32(cvt16(x0 + c, left));
			__m512i hi = odd ? _mm512_cvtepu16_epi32(cvt16(x1 + c, left)) :
				_mm512_setzero_si512();
			_mm512_storeu_si512(dst + p * ps + BF16_PANEL * j,
				_mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
		}
	}
}

void bf16_pack_panels_t(uint32_t *dst, const float *x, size_t ldx, size_t K, size_t n)
{
	size_t kp = bf16_pairs(K), np = bf16_panels(n);
	for (size_t p = 0; p < np; p++)
		for (size_t j = 0; j < kp; j++) {
			uint32_t *d = dst + p * BF16_PANEL * kp + BF16_PANEL * j;
			for (size_t l = 0; l < BF16_PANEL; l++) {
				size_t c = p * BF16_PANEL + l;
				const float *xc = x + c * ldx;
				d[l] = c >= n ? 0 : pair(xc[2 * j], 2 * j + 1 < K ? xc[2 * j + 1] : 0.0f);
			}
		}
}

/* A tile of MR rows by NP panels of c, its MR*NP sums in registers.
 * Called with constant mr, np, so that the loops unroll. */
#define MR 6
#define NP 4
BF16_TARGET __attribute__((always_inline)) static inline void tile(int mr, int np,
	float *c, size_t ldc, const uint32_t *a, size_t lda, const uint32_t *b,
	size_t ps, size_t kp, size_t cols, int add)
{
	__m512 acc[MR][NP];
	for (int i = 0; i < mr; i++)
		for (int p = 0; p < np; p++)
			acc[i][p] = _mm512_setzero_ps();
	for (size_t j = 0; j < kp; j++) {
		__m512bh bv[NP];
		for (int p = 0; p < np; p++)
			bv[p] = (__m512bh)_mm512_loadu_si512(b + p * ps + BF16_PANEL * j);
		for (int i = 0; i < mr; i++) {
			__m512bh av = (__m512bh)_mm512_set1_epi32((int)a[i * lda + j]);
			for (int p = 0; p < np; p++)
				acc[i][p] = _mm512_dpbf16_ps(acc[i][p], av, bv[p]);
		}
	}
	for (int p = 0; p < np; p++) {
		__mmask16 k = lanes(cols - (size_t)p * BF16_PANEL);
		for (int i = 0; i < mr; i++) {
			float *cp = c + i * ldc + p * BF16_PANEL;
			__m512 v = acc[i][p];
			if (add)
				v = _mm512_add_ps(_mm512_maskz_loadu_ps(k, cp), v);
			_mm512_mask_storeu_ps(cp, k, v);
		}
	}
}

#define TILE(m, p) case (m) * 8 + (p): \
	tile(m, p, ct, ldc, at, lda, bt, ps, kp, cols, add); break;
#define TILES(m) TILE(m, 1) TILE(m, 2) TILE(m, 3) TILE(m, 4)

BF16_TARGET void bf16_gemm(float *c, size_t ldc, const uint32_t *a, size_t lda,
	const uint32_t *b, size_t ps, size_t M, size_t n, size_t kp, int add)
{
	size_t panels = bf16_panels(n);
	/* a group of NP panels of b is read by every row tile in turn while
	 * it is in cache */
	for (size_t p0 = 0; p0 < panels; p0 += NP) {
		int np = panels - p0 < NP ? (int)(panels - p0) : NP;
		size_t cols = n - p0 * BF16_PANEL;
		const uint32_t *bt = b + p0 * ps;
		for (size_t i0 = 0; i0 < M; i0 += MR) {
			int mr = M - i0 < MR ? (int)(M - i0) : MR;
			float *ct = c + i0 * ldc + p0 * BF16_PANEL;
			const uint32_t *at = a + i0 * lda;
			switch (mr * 8 + np) {
			TILES(1) TILES(2) TILES(3) TILES(4) TILES(5) TILES(6)
			}
		}
	}
}
