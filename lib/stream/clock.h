/*
 * clock.h - the one clock of the project: seconds of CLOCK_MONOTONIC, for
 * the pace of a run (cmd/cli.c's progress, the trainer's epochs) and the
 * profile of a step (prof.h).  Inline, as rng.h, so that it costs a
 * program no object.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <time.h>

static inline double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#endif
