/* test_metrics.c - HR, recall, precision, NDCG and MRR of several targets
 * a user, by hand; one target gives the leave-one-out numbers exactly. */
#include <math.h>
#include <string.h>

#include "metrics.h"
#include "tap.h"

static int near(double x, double y)
{
	return fabs(x - y) < 1e-12;
}

/* Two users, N = 8, K 1, 2, 4: user A's targets {1, 3, 5} are at ranks 1
 * and 3 of its list (its target 5 is not listed); user B's one target 7 at
 * rank 0. */
static void test_several(void)
{
	metrics m;
	metrics_result r;
	char err[128];
	int ks[] = { 4, 1, 2 };
	int32_t la[] = { 0, 1, 2, 3 }, ta[] = { 5, 3, 1, 3 };
	int32_t lb[] = { 7, 6, 5, 4 }, tb[] = { 7 };
	ok(metrics_init(&m, ks, 3, 8, err, sizeof err) == 0, "metrics_init");
	metrics_add_targets(&m, la, 4, ta, 4);
	metrics_add_targets(&m, lb, 4, tb, 1);
	metrics_finish(&m, &r);
	ok(r.users == 2 && r.multi == 1, "2 users, 1 of several targets");
	ok(near(r.hr[0], 0.5) && near(r.hr[1], 1) && near(r.hr[2], 1),
		"HR@1 1/2 (B), @2 and @4 1");
	/* A: recall 0, 1/3, 2/3 (3 distinct targets, the repeat once); B: 1 */
	ok(near(r.recall[0], 0.5) && near(r.recall[1], (1.0 / 3 + 1) / 2) &&
		near(r.recall[2], (2.0 / 3 + 1) / 2), "recall@1 1/2, @2 2/3, @4 5/6");
	/* hits: A 0, 1, 2; B 1, 1, 1 */
	ok(near(r.precision[0], 0.5) && near(r.precision[1], 2.0 / 4) &&
		near(r.precision[2], 3.0 / 8), "precision@1 1/2, @2 2/4, @4 3/8");
	double ia2 = 1 + 1 / log2(3.0), ia4 = ia2 + 1 / log2(4.0);
	double da2 = 1 / log2(3.0), da4 = da2 + 1 / log2(5.0);
	ok(near(r.ndcg[0], 0.5) && near(r.ndcg[1], (da2 / ia2 + 1) / 2) &&
		near(r.ndcg[2], (da4 / ia4 + 1) / 2),
		"NDCG: A's DCG over the DCG of min(3, K) targets first");
	ok(near(r.mrr_at[0], 0.5) && near(r.mrr_at[1], (0.5 + 1) / 2) &&
		near(r.mrr, (0.5 + 1) / 2), "MRR: A's first hit at rank 1, B's at 0");
	ok(near(r.coverage[0], 2.0 / 8) && near(r.coverage[2], 1), "coverage as before");
	metrics_free(&m);
}

/* One target a user: recall is HR, precision HR / K, NDCG and HR the
 * same bits as metrics_add's. */
static void test_one_target(void)
{
	metrics a, b;
	metrics_result ra, rb;
	char err[128];
	int ks[] = { 1, 3, 10 };
	int32_t lists[4][3] = { { 4, 1, 2 }, { 1, 0, 5 }, { 1, 2, 4 }, { 3, 4, 5 } };
	int32_t targets[4] = { 4, 5, 0, 5 };
	metrics_init(&a, ks, 3, 6, err, sizeof err);
	metrics_init(&b, ks, 3, 6, err, sizeof err);
	for (int u = 0; u < 4; u++) {
		metrics_add(&a, lists[u], 3, targets[u]);
		metrics_add_targets(&b, lists[u], 3, &targets[u], 1);
	}
	metrics_finish(&a, &ra);
	metrics_finish(&b, &rb);
	int same = 1, equal = 1;
	for (int i = 0; i < 3; i++) {
		same &= ra.hr[i] == rb.hr[i] && ra.ndcg[i] == rb.ndcg[i] &&
			ra.mrr_at[i] == rb.mrr_at[i] && ra.coverage[i] == rb.coverage[i];
		equal &= ra.recall[i] == ra.hr[i] && near(ra.precision[i], ra.hr[i] / ra.ks[i]);
	}
	ok(same, "metrics_add and one target the same, bit for bit");
	ok(equal && ra.multi == 0, "recall = HR, precision = HR / K");
	ok(near(ra.ndcg[2], (1 + 1 / log2(4.0) + 1 / log2(4.0)) / 4), "NDCG@10 by hand");
	metrics_free(&a);
	metrics_free(&b);
}

/* A list shorter than K, a user without a list, a user without targets. */
static void test_edges(void)
{
	metrics m;
	metrics_result r;
	char err[128];
	int ks[] = { 2, 5 };
	int32_t l[] = { 2, -1 }, t[] = { 2, 4 };
	metrics_init(&m, ks, 2, 6, err, sizeof err);
	metrics_add_targets(&m, l, 2, t, 2);
	metrics_add_targets(&m, NULL, 0, t, 2);
	metrics_add_targets(&m, l, 2, t, 0);
	metrics_finish(&m, &r);
	ok(r.users == 2 && r.multi == 2, "no targets: not a user");
	ok(near(r.recall[1], 0.25) && near(r.ndcg[1], 1 / (1 + 1 / log2(3.0)) / 2) &&
		near(r.precision[1], 1.0 / 10), "K beyond the list: its hits, over K");
	metrics_free(&m);
}

int main(void)
{
	test_several();
	test_one_target();
	test_edges();
	return done();
}
