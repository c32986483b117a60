/*
 * prof.h - where a training step's time goes, when TT_PROFILE=1: the
 * phases below accumulate CLOCK_MONOTONIC time per thread, and
 * prof_line() says them in one line at the end of training.  Unset, each
 * timing point costs one predictable branch.
 */
#ifndef PROF_H
#define PROF_H

#include <stddef.h>
#include "clock.h"

enum prof_phase {
	PROF_LOGITS,    /* softmax_xent, shared_xent: the logits, their softmax and gradients */
	PROF_ATTENTION, /* attention_forward, attention_backward */
	PROF_FF,        /* linear layers of IC != OC: the feed-forward (and the seed's MLPs) */
	PROF_QKVO,      /* linear layers of IC == OC: q, k, v and the output projection */
	PROF_STEP,      /* worker_step, all of it: the rest of the tower is what the above leave */
	PROF_GRADSUM,   /* the workers' gradients summed */
	PROF_ADAM,      /* the optimiser */
	PROF_WAIT,      /* thread 0 waiting for the others to finish a parallel phase */
	PROF_TOTAL,     /* model_step_grad and model_adam, all of them */
	PROF_PHASES
};

extern int prof_on;      /* TT_PROFILE=1 in the environment, read by prof_start() */
extern _Thread_local int prof_slot; /* the worker a thread runs for */

/* Read TT_PROFILE and zero the counters. */
void prof_start(void);
void prof_add(int phase, double seconds);
/* One line of the share of each phase on thread 0, and the other threads'
 * busy time; 0 when profiling is off (buf untouched), else its length. */
int prof_line(char *buf, size_t len);

static inline double prof_now(void)
{
	return prof_on ? now_seconds() : 0.0;
}

/* double t0 = PROF_BEGIN(); ...; PROF_END(PROF_X, t0); */
#define PROF_BEGIN() prof_now()
#define PROF_END(phase, t0) do { if (prof_on) prof_add((phase), prof_now() - (t0)); } while (0)

#endif
