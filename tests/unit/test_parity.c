/* test_parity.c - one batch through the seed architecture (or, with
 * --tt, the tt one: two blocks, slot embeddings, no dropout; with
 * --rel-pos too, each block's relative position bias; with --bf16, the
 * logits in bf16, as tt-fit --precision bf16), written out for
 * tests/parity_torch.py to replay in PyTorch.
 *
 *   test_parity [--tt [--rel-pos] [--bf16]] --dump FILE
 *
 * writes a tensor stream (kind=parity): every weight under its model
 * name, every gradient as grad.NAME, the batch (users, hist, targets) and
 * the loss (f64).  Run without arguments (as make check does) it skips:
 * tests/t2100-torch-parity.sh runs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "layers.h"
#include "model.h"

/* Rows of L slots: some left-padded, one all padding (row 2), one with a
 * single item (row 1), some slots without a target. */
static void random_batch(batch *bt, int64_t B, int64_t L, int64_t U, int64_t N,
	uint64_t *rng)
{
	bt->B = B;
	for (int64_t b = 0; b < B; b++) {
		bt->users[b] = (int32_t)(rng_next(rng) % U);
		int64_t pad = b == 0 ? 0 : b == 1 ? L - 1 : b == 2 ? L :
			(int64_t)(rng_next(rng) % L);
		for (int64_t t = 0; t < L; t++) {
			int in = t >= pad;
			bt->hist[b * L + t] = in ? (int32_t)(rng_next(rng) % N) : -1;
			bt->targets[b * L + t] = in && rng_next(rng) % 4 ?
				(int32_t)(rng_next(rng) % N) : -1;
		}
	}
	/* row 1 has a single item: make sure it is an example */
	bt->targets[1 * L + L - 1] = (int32_t)(rng_next(rng) % N);
}

static int write_tensors(tts_writer *w, model *m, const float *base, const char *prefix)
{
	for (size_t i = 0; i < model_num_tensors(m); i++) {
		int rank;
		uint64_t dims[2];
		size_t off;
		char name[TTS_MAX_NAME + 1];
		const char *n = model_tensor(m, i, &rank, dims, &off);
		snprintf(name, sizeof name, "%s%s", prefix, n);
		if (tts_write(w, name, TTS_F32, rank, dims, base + off))
			return -1;
	}
	return 0;
}

static int dump(const char *path, int tt, int rel_pos, int bf16)
{
	char err[256];
	model_config c = { .arch = ARCH_SEED, .U = 20, .N = 50, .E = 16, .F = 24,
		.NH = 2, .L = 8 };
	if (tt) {
		c.arch = ARCH_TT;
		c.blocks = 2;
		c.positions = 1;
		c.rel_pos = rel_pos;
	}
	int64_t B = 6, L = c.L;
	model *m = model_new(&c, err, sizeof err);
	if (!m) {
		fprintf(stderr, "test_parity: model_new: %s\n", err);
		return 1;
	}
	model_init_weights(m, 3);
	/* larger than at initialisation, so every path carries gradient */
	float *w = model_weights(m);
	uint64_t rng = 2024;
	for (size_t i = 0; i < model_num_params(m); i++)
		w[i] += 0.2f * (float)(rng_uniform(&rng) - 0.5);
	/* the biases (zero at the start) of either sign, as large as trained
	 * ones: each head and distance its own */
	for (size_t i = 0; i < model_num_tensors(m); i++) {
		int rank;
		uint64_t dims[2];
		size_t off;
		if (strstr(model_tensor(m, i, &rank, dims, &off), "rel_bias"))
			for (size_t j = 0; j < dims[0] * dims[1]; j++)
				w[off + j] = 0.3f * (float)((int)((j * 5 + i) % 7) - 3);
	}
	batch bt;
	if (bf16 && model_set_precision(m, PRECISION_BF16, err, sizeof err)) {
		fprintf(stderr, "test_parity: %s\n", err);
		return 1;
	}
	if (batch_alloc(&bt, B, L) || model_train_alloc(m, B, 1, NULL, 0)) {
		fprintf(stderr, "test_parity: out of memory\n");
		return 1;
	}
	random_batch(&bt, B, L, c.U, c.N, &rng);
	int64_t examples;
	uint64_t drop_rng = 1;
	double loss = model_step_grad(m, &bt, &drop_rng, &examples);

	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	tts_writer *tw = tts_writer_open(f, 0);
	uint64_t d1[1] = { (uint64_t)B }, d2[2] = { (uint64_t)B, (uint64_t)L };
	int rc = !tw || tts_write_meta(tw, bf16 ? "kind=parity\nprecision=bf16\n" : "kind=parity\n") ||
		write_tensors(tw, m, model_weights(m), "") ||
		write_tensors(tw, m, model_grads(m), "grad.") ||
		tts_write(tw, "users", TTS_I32, 1, d1, bt.users) ||
		tts_write(tw, "hist", TTS_I32, 2, d2, bt.hist) ||
		tts_write(tw, "targets", TTS_I32, 2, d2, bt.targets) ||
		tts_write(tw, "loss", TTS_F64, 0, NULL, &loss);
	if (rc) {
		fprintf(stderr, "test_parity: %s: %s\n", path,
			tw ? tts_writer_error(tw) : "cannot open a writer");
		if (tw)
			tts_writer_abort(tw);
	} else if (tts_writer_close(tw, err, sizeof err)) {
		fprintf(stderr, "test_parity: %s: %s\n", path, err);
		rc = 1;
	}
	if (fclose(f) != 0 && !rc) {
		perror(path);
		rc = 1;
	}
	batch_free(&bt);
	model_free(m);
	if (!rc)
		fprintf(stderr, "test_parity: %lld examples, loss %.9g\n",
			(long long)examples, loss);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	int tt = argc > 1 && strcmp(argv[1], "--tt") == 0;
	int rel = tt && argc > 2 && strcmp(argv[2], "--rel-pos") == 0;
	int bf16 = tt && argc > 2 + rel && strcmp(argv[2 + rel], "--bf16") == 0;
	int n = tt + rel + bf16;
	if (argc == 3 + n && strcmp(argv[1 + n], "--dump") == 0)
		return dump(argv[2 + n], tt, rel, bf16);
	if (argc != 1) {
		fprintf(stderr, "usage: test_parity [--tt [--rel-pos] [--bf16]] --dump FILE\n");
		return 2;
	}
	printf("1..0 # skip run by tests/t2100-torch-parity.sh\n");
	return 0;
}
