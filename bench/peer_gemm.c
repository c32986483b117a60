/* peer_gemm.c - the machine's matrix-product rate at the shape of tt-fit's
 * logits: the three products of softmax_xent (lib/model/layers.c) for a
 * chunk of R rows against N items of width E, in fp32 (cblas_sgemm) and,
 * where the OpenBLAS loaded has it, in BF16 with fp32 accumulation
 * (cblas_sbgemm, only in builds with BUILD_BFLOAT16), on one thread.
 *
 *   peer_gemm [R N E [REPS]]       (default 512 3416 64 200)
 *
 * prints "sgemm GFLOP/s: X" and "sbgemm GFLOP/s: Y" (or that it is
 * absent), and "tt bf16 GFLOP/s: Z", tt's own bf16 kernel (lib/model/bf16.h)
 * on the same three products, operands packed beforehand as sgemm's are
 * not (or that this CPU has no AVX-512 BF16), the best of 5 runs of REPS repetitions each (the machine may be
 * shared: the best is the rate the core allows). */
#include <cblas.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bf16.h"

void openblas_set_num_threads(int);
typedef void sbgemm_fn(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE,
	blasint, blasint, blasint, float, const bfloat16 *, blasint, const bfloat16 *, blasint,
	float, float *, blasint);
typedef void tobf16_fn(blasint, const float *, blasint, bfloat16 *, blasint);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int R = argc > 3 ? atoi(argv[1]) : 512, N = argc > 3 ? atoi(argv[2]) : 3416;
	int E = argc > 3 ? atoi(argv[3]) : 64, reps = argc > 4 ? atoi(argv[4]) : 200;
	if (R < 1 || N < 1 || E < 1 || reps < 1) {
		fprintf(stderr, "usage: peer_gemm [R N E [REPS]]\n");
		return 2;
	}
	openblas_set_num_threads(1);
	sbgemm_fn *sbgemm = (sbgemm_fn *)dlsym(RTLD_DEFAULT, "cblas_sbgemm");
	tobf16_fn *tobf16 = (tobf16_fn *)dlsym(RTLD_DEFAULT, "cblas_sbstobf16");
	float *z = malloc(sizeof(float) * R * E), *v = malloc(sizeof(float) * N * E);
	float *g = malloc(sizeof(float) * R * N), *dz = malloc(sizeof(float) * R * E);
	float *dv = malloc(sizeof(float) * N * E);
	bfloat16 *zb = malloc(2 * (size_t)R * E), *vb = malloc(2 * (size_t)N * E);
	bfloat16 *gb = malloc(2 * (size_t)R * N), *vtb = malloc(2 * (size_t)N * E);
	bfloat16 *gtb = malloc(2 * (size_t)R * N), *ztb = malloc(2 * (size_t)R * E);
	if (!z || !v || !g || !dz || !dv || !zb || !vb || !gb || !vtb || !gtb || !ztb)
		return 1;
	for (size_t i = 0; i < (size_t)R * E; i++)
		z[i] = (float)rand() / RAND_MAX - 0.5f;
	for (size_t i = 0; i < (size_t)N * E; i++)
		v[i] = (float)rand() / RAND_MAX - 0.5f;
	for (size_t i = 0; i < (size_t)R * N; i++)
		g[i] = (float)rand() / RAND_MAX - 0.5f;
	if (sbgemm && tobf16) {
		tobf16(R * E, z, 1, zb, 1);
		tobf16(N * E, v, 1, vb, 1);
		tobf16(R * N, g, 1, gb, 1);
		tobf16(N * E, v, 1, vtb, 1);
		tobf16(R * N, g, 1, gtb, 1);
		tobf16(R * E, z, 1, ztb, 1);
	}
	double flops = 3.0 * 2.0 * R * N * E * reps;
	for (int prec = 0; prec < 2; prec++) {
		if (prec && !(sbgemm && tobf16)) {
			printf("sbgemm GFLOP/s: absent (this OpenBLAS was built without BUILD_BFLOAT16)\n");
			break;
		}
		double best = 1e30;
		for (int run = 0; run < 5; run++) {
			double t0 = now();
			for (int r = 0; r < reps; r++) {
				if (!prec) {
					/* logits (R,N) = z (R,E) . v^T; dz += G . v; dv += G^T . z */
					cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, N, E,
						1.0f, z, E, v, E, 0.0f, g, N);
					cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, E, N,
						1.0f, g, N, v, E, 1.0f, dz, E);
					cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, E, R,
						1.0f, g, N, z, E, 1.0f, dv, E);
				} else {
					sbgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, N, E,
						1.0f, zb, E, vb, E, 0.0f, g, N);
					sbgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, E, N,
						1.0f, gb, N, vtb, E, 1.0f, dz, E);
					sbgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, E, R,
						1.0f, gtb, N, ztb, E, 1.0f, dv, E);
				}
			}
			double t = now() - t0;
			best = t < best ? t : best;
		}
		printf("%s GFLOP/s: %.1f\n", prec ? "sbgemm" : "sgemm", flops / best / 1e9);
	}
	if (!bf16_supported()) {
		printf("tt bf16 GFLOP/s: absent (this CPU has no AVX-512 BF16)\n");
		return 0;
	}
	/* the products of softmax_xent_bf16: logits = z . v^T, dz += G . v,
	 * dv^T += z^T . G, each operand in its packing */
	size_t ke = bf16_pairs(E), kn = bf16_pairs(N), kr = bf16_pairs(R), pn = bf16_panels(N);
	uint32_t *vp = malloc(4 * pn * BF16_PANEL * ke), *vq = malloc(4 * bf16_panels(E) * BF16_PANEL * kn);
	uint32_t *zr = malloc(4 * R * ke), *zt = malloc(4 * E * kr), *gr = malloc(4 * R * kn);
	uint32_t *gp = malloc(4 * pn * BF16_PANEL * kr);
	float *dvt = calloc((size_t)E * N, sizeof *dvt);
	if (!vp || !vq || !zr || !zt || !gr || !gp || !dvt)
		return 1;
	bf16_pack_panels_t(vp, v, E, E, N);
	bf16_pack_panels(vq, BF16_PANEL * kn, v, E, N, E);
	bf16_pack_rows(zr, ke, z, E, R, E);
	bf16_pack_rows_t(zt, kr, z, E, E, R);
	bf16_pack_rows(gr, kn, g, N, R, N);
	bf16_pack_panels(gp, BF16_PANEL * kr, g, N, R, N);
	double best = 1e30;
	for (int run = 0; run < 5; run++) {
		double t0 = now();
		for (int r = 0; r < reps; r++) {
			bf16_gemm(g, N, zr, ke, vp, BF16_PANEL * ke, R, N, ke, 0);
			bf16_gemm(dz, E, gr, kn, vq, BF16_PANEL * kn, R, E, kn, 1);
			bf16_gemm(dvt, N, zt, kr, gp, BF16_PANEL * kr, E, N, kr, 1);
		}
		double t = now() - t0;
		best = t < best ? t : best;
	}
	printf("tt bf16 GFLOP/s: %.1f\n", flops / best / 1e9);
	return 0;
}
