/* prof.c - per-phase time of training steps (prof.h). */
#include "prof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

int prof_on;
_Thread_local int prof_slot;
static double acc[MODEL_THREADS_MAX][PROF_PHASES];

void prof_start(void)
{
	const char *e = getenv("TT_PROFILE");
	prof_on = e && *e && strcmp(e, "0") != 0;
	memset(acc, 0, sizeof acc);
}

void prof_add(int phase, double seconds)
{
	int s = prof_slot >= 0 && prof_slot < MODEL_THREADS_MAX ? prof_slot : 0;
	acc[s][phase] += seconds;
}

int prof_line(char *buf, size_t len)
{
	if (!prof_on)
		return 0;
	const double *a = acc[0];
	double total = a[PROF_TOTAL] > 0 ? a[PROF_TOTAL] : 1e-30;
	double tower = a[PROF_STEP] - a[PROF_LOGITS] - a[PROF_ATTENTION] - a[PROF_FF] - a[PROF_QKVO];
	double rest = total - a[PROF_STEP] - a[PROF_GRADSUM] - a[PROF_ADAM] - a[PROF_WAIT];
	double others = 0;
	for (int t = 1; t < MODEL_THREADS_MAX; t++)
		others += acc[t][PROF_STEP] + acc[t][PROF_GRADSUM] + acc[t][PROF_ADAM];
#define PCT(x) (100.0 * (x) / total)
	return snprintf(buf, len, "profile (TT_PROFILE, thread 0): %.2f s in model_step_grad "
		"and model_adam; logits %.1f%%, attention %.1f%%, feed-forward %.1f%%, "
		"q/k/v/o %.1f%%, rest of the tower %.1f%%, gradient sum %.1f%%, Adam %.1f%%, "
		"waiting for threads %.1f%%, other %.1f%%; other threads busy %.2f s",
		a[PROF_TOTAL], PCT(a[PROF_LOGITS]), PCT(a[PROF_ATTENTION]), PCT(a[PROF_FF]),
		PCT(a[PROF_QKVO]), PCT(tower), PCT(a[PROF_GRADSUM]), PCT(a[PROF_ADAM]),
		PCT(a[PROF_WAIT]), PCT(rest), others);
#undef PCT
}
