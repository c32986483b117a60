/* test_model.c - the whole model's gradients against finite differences,
 * for both user towers, on tiny configurations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "layers.h"
#include "model.h"
#include "tap.h"

/* A batch of B rows of L slots: padding first, random items, targets. */
static void random_batch(batch *bt, int64_t B, int64_t L, int64_t U, int64_t N, uint64_t *rng)
{
	batch_alloc(bt, B, L);
	bt->B = B;
	for (int64_t b = 0; b < B; b++) {
		bt->users[b] = (int32_t)(rng_next(rng) % U);
		int64_t pad = b == 0 ? 0 : (int64_t)(rng_next(rng) % L);
		for (int64_t t = 0; t < L; t++) {
			int in = t >= pad;
			bt->hist[b * L + t] = in ? (int32_t)(rng_next(rng) % N) : -1;
			bt->targets[b * L + t] = in && rng_next(rng) % 4 ? (int32_t)(rng_next(rng) % N) : -1;
		}
	}
}

/* Loss at the current weights, with the dropout masks of rng_seed. */
static double loss_at(model *m, const batch *bt, uint64_t rng_seed)
{
	uint64_t rng = rng_seed;
	int64_t n;
	return model_step_grad(m, bt, &rng, &n);
}

/* Side data of N items: 3 genres, years, titles of a few words; item 1
 * unseen (features alone). */
static void give_side(model *m, int64_t N)
{
	static char *names[3] = { "Comedy", "Drama", "War" };
	static uint8_t genres[64 * 3], seen[64];
	static int32_t year[64];
	static char buf[64][64], *titles[64];
	prep side = { .n_items = N, .n_genres = 3, .genre_names = names, .genres = genres,
		.year = year, .titles = titles };
	char err[256];
	for (int64_t i = 0; i < N; i++) {
		for (int g = 0; g < 3; g++)
			genres[i * 3 + g] = (i + g) % 3 == 0 || (i * g) % 5 == 1;
		year[i] = i % 4 ? 1930 + 7 * (int32_t)i : 0;
		snprintf(buf[i], sizeof buf[i], "The Movie %c%lld part %lld (19%02lld)",
			'a' + (int)(i % 3), (long long)i, (long long)(i % 2), (long long)(i % 100));
		titles[i] = buf[i];
		seen[i] = i != 1;
	}
	ok(model_set_item_side(m, &side, seen, err, sizeof err) == 0, "item side data (%s)", err);
}

/* The weights of tensor name, n of them. */
static float *tensor_of(model *m, const char *name, size_t *n)
{
	for (size_t i = 0; i < model_num_tensors(m); i++) {
		int rank;
		uint64_t dims[2];
		size_t off;
		if (strcmp(model_tensor(m, i, &rank, dims, &off), name) == 0) {
			*n = dims[0] * (rank > 1 ? dims[1] : 1);
			return model_weights(m) + off;
		}
	}
	*n = 0;
	return NULL;
}

/* The relative position biases (zero at the start) away from zero, a
 * bias of each head and distance its own, so that they count. */
static void give_rel_bias(model *m)
{
	char name[32];
	for (int i = 0; i < MAX_BLOCKS; i++) {
		size_t n;
		snprintf(name, sizeof name, "block%d.rel_bias", i);
		float *b = tensor_of(m, name, &n);
		for (size_t j = 0; b && j < n; j++)
			b[j] = 0.25f * (float)((int)((j * 7 + (size_t)i * 3) % 9) - 4);
	}
}

/* Users' side data: user 0 unknown (no users file line), the others of
 * both genders, several age bands and occupations. */
static void give_users(model *m, int64_t U)
{
	static uint8_t gender[64];
	static int32_t age[64], occupation[64];
	prep side = { .n_users = U, .gender = gender, .age = age, .occupation = occupation };
	char err[256];
	for (int64_t u = 0; u < U; u++) {
		gender[u] = u == 0 ? 0 : 1 + u % 2;
		age[u] = u == 0 ? 0 : (int32_t)(15 + 9 * u);
		occupation[u] = u == 0 ? 0 : (int32_t)(u * 7 % 21);
	}
	ok(model_set_user_side(m, &side, err, sizeof err) == 0, "user side data (%s)", err);
}

static void check_loss(const char *what, model_config c, int loss, int64_t M)
{
	char err[256] = "";
	float log_q[64];
	model *m = model_new(&c, err, sizeof err);
	if (!ok(m != NULL, "%s: model_new (%s)", what, m ? "" : err))
		return;
	if (model_has_features(&c))
		give_side(m, c.N);
	if (c.user_features)
		give_users(m, c.U);
	for (int i = 0; i < 64; i++)
		log_q[i] = -2.0f - 0.1f * i;
	sampler q;
	sampler_init_log_q(&q, log_q, c.N);
	model_set_loss(m, loss, M, &q, err, sizeof err);
	model_init_weights(m, 7);
	/* larger weights than at initialisation, so every path matters */
	float *w = model_weights(m);
	size_t P = model_num_params(m);
	uint64_t rng = 11;
	for (size_t i = 0; i < P; i++)
		w[i] += 0.1f * (float)(rng_uniform(&rng) - 0.5);
	if (c.rel_pos)
		give_rel_bias(m);
	batch bt;
	random_batch(&bt, 3, c.L, c.U, c.N, &rng);
	if (!ok(model_train_alloc(m, 3, 1, err, sizeof err) == 0, "%s: working memory (%s)", what, err))
		return;
	loss_at(m, &bt, 99);
	float *analytic = malloc(P * sizeof *analytic);
	memcpy(analytic, model_grads(m), P * sizeof *analytic);
	/* every tensor, a few of its entries */
	int bad = 0, checked = 0;
	double worst = 0;
	for (size_t t = 0; t < model_num_tensors(m); t++) {
		int rank;
		uint64_t dims[2];
		size_t off;
		const char *name = model_tensor(m, t, &rank, dims, &off);
		size_t n = dims[0] * (rank > 1 ? dims[1] : 1);
		/* the user features' rows: every entry, most of them unused;
		 * the relative position biases: every head and distance */
		int every = strcmp(name, "user_feat_emb") == 0 || strstr(name, "rel_bias");
		for (size_t k = 0; k < (every ? n : 6); k++) {
			size_t i = off + (every ? k : rng_next(&rng) % n);
			float save = w[i];
			double h = 3e-4; /* small: ReLU kinks stay out of reach */
			w[i] = save + (float)h;
			double lp = loss_at(m, &bt, 99);
			w[i] = save - (float)h;
			double lm = loss_at(m, &bt, 99);
			w[i] = save;
			double num = (lp - lm) / (2 * h), ana = analytic[i];
			double diff = fabs(num - ana), tol = 2e-3 + 2e-2 * fabs(num);
			checked++;
			if (diff > worst)
				worst = diff;
			if (diff > tol) {
				if (bad++ < 5)
					diag("%s %s[%zu]: numeric %.6g analytic %.6g", what, name, i - off, num, ana);
			}
		}
	}
	ok(bad == 0, "%s: %d gradients agree with finite differences (worst %.2g)", what, checked, worst);
	/* split over two threads, the gradients are the same sums (with
	 * dropout each thread draws its own masks) */
	if (c.dropout > 0)
		goto out;
	if (model_train_alloc(m, 3, 2, err, sizeof err) != 0)
		goto out;
	loss_at(m, &bt, 99);
	double far = 0;
	for (size_t i = 0; i < P; i++) {
		double d = fabs(model_grads(m)[i] - analytic[i]);
		far = d > far ? d : far;
	}
	ok(far < 1e-5, "%s: two threads give the gradients of one (max difference %.2g)", what, far);
out:
	free(analytic);
	batch_free(&bt);
	model_free(m);
	sampler_free(&q);
}

static void check(const char *what, model_config c)
{
	check_loss(what, c, LOSS_SOFTMAX, 0);
}

/* The forward pass that serves recommendations (only the last slot of
 * each row in the last block) against the one training uses: the loss of
 * a batch whose examples are the last slots, from the user and item
 * vectors, equals the training loss. */
static void check_inference(model_config c)
{
	char err[256];
	model *m = model_new(&c, err, sizeof err);
	uint64_t rng = 5;
	batch bt;
	if (model_has_features(&c))
		give_side(m, c.N);
	if (c.user_features)
		give_users(m, c.U);
	random_batch(&bt, 4, c.L, c.U, c.N, &rng);
	for (int64_t b = 0; b < 4; b++)
		for (int64_t t = 0; t < c.L; t++)
			bt.targets[b * c.L + t] = t == c.L - 1 ? (int32_t)((b * 3) % c.N) : -1;
	model_init_weights(m, 3);
	/* the feature rows start at zero: away from it, so that they count */
	size_t n_uf;
	float *uf = c.user_features ? tensor_of(m, "user_feat_emb", &n_uf) : NULL;
	for (size_t j = 0; uf && j < n_uf; j++)
		uf[j] = 0.05f * (float)((j * 7919) % 13) - 0.3f;
	if (c.rel_pos)
		give_rel_bias(m);
	model_train_alloc(m, 4, 1, err, sizeof err);
	int64_t n;
	double train_loss = model_step_grad(m, &bt, &rng, &n);
	float users[4 * 64], items[64 * 64];
	model_user_vectors(m, bt.users, bt.hist, 4, users);
	model_item_vectors(m, items);
	double loss = 0;
	for (int64_t b = 0; b < 4; b++) {
		double mx = -1e30, sum = 0, s[64];
		for (int64_t i = 0; i < c.N; i++) {
			s[i] = 0;
			for (int e = 0; e < c.E; e++)
				s[i] += users[b * c.E + e] * items[i * c.E + e];
			mx = s[i] > mx ? s[i] : mx;
		}
		for (int64_t i = 0; i < c.N; i++)
			sum += exp(s[i] - mx);
		loss += -(s[bt.targets[b * c.L + c.L - 1]] - mx - log(sum));
	}
	loss /= 4;
	ok(n == 4 && fabs(loss - train_loss) < 1e-5 * fabs(train_loss),
		"%s%s%s%s: recommendation vectors give the training loss (%.7f, %.7f)",
		c.arch == ARCH_SEED ? "seed" : "tt", model_has_features(&c) ? " with features" : "",
		c.user_features ? " with user features" : "",
		c.rel_pos ? " with a relative position bias" : "", loss, train_loss);
	batch_free(&bt);
	model_free(m);
}

/* A fresh model with the relative position bias (zero at the start) is
 * the model without it: the same loss and the same gradients of every
 * other tensor, bit for bit, and the same initial weights. */
static void check_rel_pos_fresh(model_config c)
{
	char err[256];
	model *m[2];
	double loss[2];
	batch bt;
	uint64_t rng = 21;
	random_batch(&bt, 3, c.L, c.U, c.N, &rng);
	for (int k = 0; k < 2; k++) {
		c.rel_pos = k;
		m[k] = model_new(&c, err, sizeof err);
		model_init_weights(m[k], 9);
		model_train_alloc(m[k], 3, 1, err, sizeof err);
		loss[k] = loss_at(m[k], &bt, 5);
	}
	int same = loss[0] == loss[1], tensors = 0, biases = 0;
	for (size_t i = 0; i < model_num_tensors(m[1]); i++) {
		int rank;
		uint64_t dims[2];
		size_t off, n, n0;
		const char *name = model_tensor(m[1], i, &rank, dims, &off);
		n = dims[0] * (rank > 1 ? dims[1] : 1);
		if (strstr(name, "rel_bias")) {
			biases++;
			for (size_t j = 0; j < n; j++)
				same &= model_weights(m[1])[off + j] == 0.0f;
			continue;
		}
		const float *w0 = tensor_of(m[0], name, &n0);
		size_t off0 = w0 ? (size_t)(w0 - model_weights(m[0])) : 0;
		same &= w0 && n0 == n &&
			memcmp(w0, model_weights(m[1]) + off, n * sizeof *w0) == 0 &&
			memcmp(model_grads(m[0]) + off0, model_grads(m[1]) + off, n * sizeof *w0) == 0;
		tensors++;
	}
	ok(same && biases == c.blocks && tensors == (int)model_num_tensors(m[0]),
		"relative position bias: a fresh model's weights, loss and gradients are the "
		"model's without it, bit for bit (%d tensors, %d zero biases)", tensors, biases);
	model_free(m[0]);
	model_free(m[1]);
	batch_free(&bt);
}

/* A part of the tt tower (c without dropout): its gradients under both
 * losses and with dropout, and its recommendation vectors. */
static void check_part(const char *what, model_config c)
{
	char name[128];
	check(what, c);
	snprintf(name, sizeof name, "%s, sampled softmax", what);
	check_loss(name, c, LOSS_SAMPLED, 4);
	snprintf(name, sizeof name, "%s and dropout", what);
	c.dropout = 0.3f;
	check(name, c);
	c.dropout = 0;
	check_inference(c);
}

/* Users outside the training data: their rows given, the same vectors as
 * for a training user of those features; of no history, the features'
 * rows alone; of no rows, the tower alone. */
static void check_user_vectors_of(model_config c)
{
	char err[256];
	model *m = model_new(&c, err, sizeof err);
	give_users(m, c.U);
	model_init_weights(m, 3);
	size_t n_uf;
	float *uf = tensor_of(m, "user_feat_emb", &n_uf);
	for (size_t j = 0; j < n_uf; j++)
		uf[j] = 0.01f * (float)(j % 17);
	model_train_alloc(m, 2, 1, err, sizeof err);
	int32_t users[2] = { 3, 4 }, hist[2 * 5] = { -1, 1, 2, 3, 4, -1, -1, -1, -1, -1 };
	float want[2 * 64], got[2 * 64], bare[2 * 64];
	model_user_vectors(m, users, hist, 2, want);
	/* give_users' users 3 and 4 */
	prep side = { .n_users = 5, .gender = (uint8_t[]){ 0, 2, 1, 2, 1 },
		.age = (int32_t[]){ 0, 24, 33, 42, 51 }, .occupation = (int32_t[]){ 0, 7, 14, 0, 7 } };
	int32_t rows[2 * USER_FEATURES];
	model_user_rows(&side, 3, rows);
	model_user_rows(&side, 4, rows + USER_FEATURES);
	model_user_vectors_of(m, rows, hist, 2, got);
	model_user_vectors_of(m, NULL, hist, 2, bare);
	int same = memcmp(want, got, c.E * sizeof *got) == 0; /* user 3: a history */
	double feat_only = 0, none = 0;
	for (int e = 0; e < c.E; e++) {
		float f = 0;
		for (int k = 0; k < USER_FEATURES; k++)
			f += rows[USER_FEATURES + k] >= 0 ? 0.01f * (float)((rows[USER_FEATURES + k] *
				c.E + e) % 17) : 0;
		feat_only = fmax(feat_only, fabs(got[c.E + e] - f));
		none = fmax(none, fabs(bare[c.E + e]));
	}
	ok(same && feat_only < 1e-6 && none == 0 && rows[0] == 1 && rows[1] == 2 + 3 &&
		rows[2] == 9 && rows[USER_FEATURES + 1] == 2 + 5,
		"user vectors of given features: a training user's; of no history, the features' rows "
		"(%.2g); of none, zero (%.2g)", feat_only, none);
	model_free(m);
}

/* The item vectors served for recommendation are the ones training
 * scores against: the item MLP's matrix products take the rows in chunks
 * of 256 (a product's rounding depends on its row count), so the vectors
 * are bit for bit those of the layers over each chunk. */
static void check_item_chunks(void)
{
	model_config c = { .arch = ARCH_TT, .U = 3, .N = 700, .E = 16, .F = 32, .NH = 2,
		.L = 4, .blocks = 1, .item_mlp = 1 };
	char err[256];
	model *m = model_new(&c, err, sizeof err);
	float *got = malloc(c.N * c.E * sizeof *got), *want = malloc(c.N * c.E * sizeof *want);
	float *h = malloc(256 * c.F * sizeof *h);
	model_init_weights(m, 7);
	const float *w = model_weights(m);
	const float *p[5] = { NULL };
	const char *names[5] = { "item_emb", "ifc1_w", "ifc1_b", "ifc2_w", "ifc2_b" };
	for (size_t i = 0; i < model_num_tensors(m); i++) {
		int rank;
		uint64_t dims[2];
		size_t off;
		const char *name = model_tensor(m, i, &rank, dims, &off);
		for (int j = 0; j < 5; j++)
			if (strcmp(name, names[j]) == 0)
				p[j] = w + off;
	}
	for (int64_t i = 0; i < c.N; i += 256) {
		size_t n = c.N - i < 256 ? c.N - i : 256;
		linear_forward(h, p[0] + i * c.E, p[1], p[2], n, c.E, c.F);
		relu_forward(h, h, n * c.F);
		linear_forward(want + i * c.E, h, p[3], p[4], n, c.F, c.E);
	}
	ok(model_item_vectors(m, got) == 0 && memcmp(got, want, c.N * c.E * sizeof *got) == 0,
		"item vectors: the item MLP over chunks of 256 items, as in training");
	free(got);
	free(want);
	free(h);
	model_free(m);
}

/* With the sampled loss a step updates only the item rows it touched:
 * its histories, targets and shared negatives (lazy Adam); the others
 * keep their weights, and their gradient is zero. */
static void check_touched_rows(void)
{
	char err[256];
	model_config c = { .arch = ARCH_TT, .U = 3, .N = 60, .E = 4, .F = 6, .NH = 2,
		.L = 5, .blocks = 1, .positions = 1 };
	model *m = model_new(&c, err, sizeof err);
	sampler q;
	sampler_init_log_q(&q, NULL, c.N);
	model_set_loss(m, LOSS_SAMPLED, 3, &q, err, sizeof err);
	model_init_weights(m, 1);
	model_train_alloc(m, 2, 2, err, sizeof err);
	batch bt;
	batch_alloc(&bt, 2, c.L);
	bt.B = 2;
	for (int64_t i = 0; i < 2 * c.L; i++) { /* items 0..4 only */
		bt.hist[i] = (int32_t)(i % 5);
		bt.targets[i] = (int32_t)((i + 1) % 5);
	}
	bt.users[0] = 0;
	bt.users[1] = 1;
	size_t P = model_num_params(m), E = c.E;
	float *before = malloc(P * sizeof *before);
	const float *w = model_weights(m), *g = model_grads(m);
	int64_t n;
	int rounds_ok = 1, total_changed = 0;
	for (int step = 1; step <= 3; step++) {
		uint64_t rng = 100 + step;
		memcpy(before, w, P * sizeof *before);
		model_step_grad(m, &bt, &rng, &n);
		model_adam(m, 0.01f, 0.9f, 0.999f, 1e-8f, 0.0f, step, err, sizeof err);
		int changed = 0, grads_outside = 0, all_five = 1;
		for (int64_t r = 0; r < c.N; r++) {
			size_t o = (size_t)r * E; /* item_emb comes first in tt */
			int moved = memcmp(before + o, w + o, E * sizeof *w) != 0;
			int has_grad = 0;
			for (size_t e = 0; e < E; e++)
				has_grad |= g[o + e] != 0.0f;
			changed += moved;
			if (r < 5)
				all_five &= moved;
			else
				grads_outside += has_grad && !moved;
		}
		/* rows 0..4 and at most the 3 negatives */
		rounds_ok &= all_five && changed <= 8 && grads_outside == 0;
		total_changed += changed;
	}
	ok(rounds_ok && total_changed > 15, "sampled loss: a step moves only the item rows "
		"it touched (%d row moves in 3 steps of 5 items and 3 negatives)", total_changed);
	free(before);
	batch_free(&bt);
	model_free(m);
	sampler_free(&q);
}

int main(void)
{
	model_config seed = { .arch = ARCH_SEED, .U = 5, .N = 7, .E = 4, .F = 6, .NH = 2, .L = 5 };
	check("seed tower", seed);
	model_config tt = { .arch = ARCH_TT, .U = 5, .N = 7, .E = 4, .F = 6, .NH = 2, .L = 5,
		.blocks = 2, .positions = 1 };
	check("tt tower", tt);
	tt.item_mlp = 1;
	check("tt tower with item MLP", tt);
	tt.dropout = 0.3f;
	check("tt tower with dropout", tt);
	tt.dropout = 0.0f;
	tt.item_mlp = 0;
	check_loss("sampled softmax with log-Q", tt, LOSS_SAMPLED, 4);
	check_loss("seed tower, sampled softmax", seed, LOSS_SAMPLED, 5);
	model_config feat = tt;
	feat.genres = 3;
	feat.year_buckets = FEATURE_YEAR_BUCKETS;
	feat.title_buckets = 11;
	feat.title_seed = 5;
	feat.id_dropout = 0.3f;
	check("tt tower with item features", feat);
	check_loss("item features, sampled softmax", feat, LOSS_SAMPLED, 4);
	feat.item_mlp = 1;
	check("tt tower with item features and item MLP", feat);
	feat.item_mlp = 0;
	feat.genres = 0;
	check("item features without genres", feat);
	model_config seedf = seed;
	seedf.genres = 3;
	seedf.title_buckets = 7;
	seedf.id_dropout = 0.5f;
	check("seed tower with item features", seedf);
	check_inference(seed);
	check_inference(tt);
	feat.genres = 3;
	feat.id_dropout = 0; /* training drops only the unseen item's id, as inference does */
	check_inference(feat);
	model_config users = tt;
	users.user_features = 1;
	check_part("tt tower with user features", users);
	check_user_vectors_of(users);
	model_config rel = tt;
	rel.rel_pos = 1;
	check_part("tt tower with a relative position bias", rel);
	rel.blocks = 1; /* the last block is inference's query-only one */
	check_inference(rel);
	rel.blocks = 2;
	check_rel_pos_fresh(rel);
	check_item_chunks();
	check_touched_rows();
	return done();
}
