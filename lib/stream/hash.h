/*
 * hash.h - 64-bit FNV-1a over bytes: the fingerprint of a model's weights
 * and ids (its identity, carried by every stream made from it).  Chained:
 * pass the last result as h to hash one thing after another.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_START 0xcbf29ce484222325ULL

static inline uint64_t fnv1a64(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

#endif
