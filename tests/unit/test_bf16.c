/* test_bf16.c - bf16.h: the rounding, each packing, and bf16_gemm against
 * a double product of the same rounded operands (so the only difference
 * left is the order of float sums). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bf16.h"
#include "tap.h"

static uint64_t seed = 99;

static float uniform(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float)((seed >> 40) / (double)(1 << 24)) * 2.0f - 1.0f;
}

static float bits(uint32_t u)
{
	float x;
	memcpy(&x, &u, sizeof x);
	return x;
}

static void test_round(void)
{
	ok(bf16_round(1.0f) == 1.0f, "1 is a bf16");
	/* 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: to the even one */
	ok(bf16_round(1.0f + 0x1p-8f) == 1.0f, "a tie rounds to even (down)");
	ok(bf16_round(1.0f + 3 * 0x1p-8f) == 1.0f + 0x1p-6f, "a tie rounds to even (up)");
	ok(bf16_round(1.0f + 0x1p-8f + 0x1p-20f) == 1.0f + 0x1p-7f, "above a tie rounds up");
	ok(bf16_round(-3.0f) == -3.0f, "the sign is kept");
	ok(bf16_round(bits(0x00400000u)) == 0.0f, "a subnormal becomes zero");
	ok(isnan(bf16_round(bits(0x7f800001u))), "a NaN stays a NaN");
	ok(isinf(bf16_round(INFINITY)), "infinity stays infinite");
}

/* a[m][k] of A packed as rows (ldd) at k, unpacked */
static float unpack(const uint32_t *p, size_t k)
{
	uint32_t v = p[k / 2];
	return bits((k % 2 ? v >> 16 : v & 0xffffu) << 16);
}

static void fill(float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = uniform();
	/* ties, a subnormal and a value that rounds up to the next exponent */
	if (n > 3) {
		x[0] = 1.0f + 0x1p-8f;
		x[1] = bits(0x00012345u);
		x[2] = 1.99999f;
		x[3] = -(1.0f + 3 * 0x1p-8f);
	}
}

/* c (M,n) = A (M,K) . B (K,n) by every packing, against double sums */
static void test_gemm(size_t M, size_t K, size_t n)
{
	size_t kp = bf16_pairs(K), np = bf16_panels(n), lda = kp + 3;
	float *a = malloc(M * K * sizeof *a), *at = malloc(K * M * sizeof *at);
	float *b = malloc(K * n * sizeof *b), *bt = malloc(n * K * sizeof *bt);
	fill(a, M * K);
	fill(b, K * n);
	for (size_t i = 0; i < M; i++)
		for (size_t k = 0; k < K; k++)
			at[k * M + i] = a[i * K + k];
	for (size_t k = 0; k < K; k++)
		for (size_t j = 0; j < n; j++)
			bt[j * K + k] = b[k * n + j];
	uint32_t *pa = malloc(M * lda * sizeof *pa), *pat = malloc(M * lda * sizeof *pat);
	uint32_t *pb = malloc(np * BF16_PANEL * kp * sizeof *pb);
	uint32_t *pbt = malloc(np * BF16_PANEL * kp * sizeof *pbt);
	bf16_pack_rows(pa, lda, a, K, M, K);
	bf16_pack_rows_t(pat, lda, at, M, M, K);
	bf16_pack_panels(pb, BF16_PANEL * kp, b, n, K, n);
	bf16_pack_panels_t(pbt, bt, K, K, n);
	int rows_same = memcmp(pa, pat, M * lda * sizeof *pa) == 0;
	int panels_same = memcmp(pb, pbt, np * BF16_PANEL * kp * sizeof *pb) == 0;
	int rounded = 1;
	for (size_t i = 0; i < M; i++) {
		for (size_t k = 0; k < K; k++)
			rounded &= unpack(pa + i * lda, k) == bf16_round(a[i * K + k]);
		if (K % 2)
			rounded &= unpack(pa + i * lda, K) == 0.0f;
		for (size_t j = kp; j < lda; j++)
			rounded &= pa[i * lda + j] == 0;
	}
	ok(rounded, "bf16_pack_rows (%zu,%zu): each value rounded, padding zero", M, K);
	ok(rows_same, "bf16_pack_rows_t of the transpose packs the same (%zu,%zu)", M, K);
	ok(panels_same, "bf16_pack_panels_t of the transpose packs the same (%zu,%zu)", K, n);

	float *c = malloc(M * n * sizeof *c);
	double worst = 0.0;
	for (size_t i = 0; i < M * n; i++)
		c[i] = 0.5f;
	bf16_gemm(c, n, pa, lda, pb, BF16_PANEL * kp, M, n, kp, 1);
	for (int add = 1; add >= 0; add--) {
		for (size_t i = 0; i < M; i++)
			for (size_t j = 0; j < n; j++) {
				double s = add ? 0.5 : 0.0, mag = add ? 0.5 : 0.0;
				for (size_t k = 0; k < K; k++) {
					double t = (double)bf16_round(a[i * K + k]) * bf16_round(b[k * n + j]);
					s += t;
					mag += fabs(t);
				}
				double e = fabs(c[i * n + j] - s) / (mag > 0 ? mag : 1);
				worst = e > worst ? e : worst;
			}
		ok(worst < 1e-6, "bf16_gemm (%zu,%zu,%zu) %s: worst error %.2g of the terms' size",
			M, K, n, add ? "added to c" : "into c", worst);
		worst = 0.0;
		/* c's stride wider than n: the columns beyond stay untouched */
		if (add) {
			for (size_t i = 0; i < M * n; i++)
				c[i] = NAN;
			bf16_gemm(c, n, pa, lda, pbt, BF16_PANEL * kp, M, n, kp, 0);
		}
	}
	float *wide = malloc(M * (n + 5) * sizeof *wide);
	for (size_t i = 0; i < M * (n + 5); i++)
		wide[i] = 7.0f;
	bf16_gemm(wide, n + 5, pa, lda, pb, BF16_PANEL * kp, M, n, kp, 0);
	int kept = 1, same = 1;
	for (size_t i = 0; i < M; i++) {
		for (size_t j = n; j < n + 5; j++)
			kept &= wide[i * (n + 5) + j] == 7.0f;
		same &= memcmp(wide + i * (n + 5), c + i * n, n * sizeof *c) == 0;
	}
	ok(kept && same, "bf16_gemm writes n columns of each row, no more (%zu,%zu,%zu)", M, K, n);
	free(a), free(at), free(b), free(bt), free(pa), free(pat), free(pb), free(pbt);
	free(c), free(wide);
}

int main(void)
{
	test_round();
	if (!bf16_supported()) {
		ok(1, "# SKIP this CPU has no AVX-512 BF16: bf16_gemm is not used");
		return done();
	}
	test_gemm(1, 1, 1);
	test_gemm(7, 13, 37);   /* every tile shape's remainder */
	test_gemm(12, 64, 64);  /* whole tiles */
	test_gemm(13, 200, 70);
	return done();
}
