/*
 * fuzz_side.c - libFuzzer target for the side data parsers (lib/data/side.c):
 * byte 0 chooses movies (0), users (1) or an id map (2); the rest is the
 * file.
 */
#include <stdint.h>
#include <stdio.h>
#include "side.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	FILE *f = fmemopen((void *)(data + 1), size - 1, "rb");
	if (!f)
		return 0;
	char err[512];
	switch (data[0] % 3) {
	case 0: {
		item_side s = { 0 };
		if (item_side_read(f, "fuzz", &s, err, sizeof err) == 0)
			item_side_free(&s);
		break;
	}
	case 1: {
		user_side s = { 0 };
		if (user_side_read(f, "fuzz", &s, err, sizeof err) == 0)
			user_side_free(&s);
		break;
	}
	default: {
		id_map m = { 0 };
		if (id_map_read(f, "fuzz", &m, err, sizeof err) == 0)
			id_map_free(&m);
		break;
	}
	}
	fclose(f);
	return 0;
}
