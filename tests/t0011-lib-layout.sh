#!/bin/sh
test_description='lib/ in folders by pipeline stage: each includes its own and earlier stages only'
. "$(dirname "$0")/test-lib.sh"

# The stages in pipeline order, as the Makefile builds them.
stages=$(sed -n 's/^LIB_DIRS = //p' "$TOP/Makefile")

# later_includes ROOT: "FILE HEADER" for each include, in a folder of
# ROOT, of a header in a later stage's folder (or in none).
later_includes() {
	i=0
	for s in $stages; do
		i=$((i + 1))
		for f in "$1/$s"/*.[ch]; do
			sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
				j=0 found=
				for t in $stages; do
					j=$((j + 1))
					[ -f "$1/$t/$h" ] && found=$j
				done
				[ -n "$found" ] && [ "$found" -le $i ] && continue
				echo "$s/$(basename "$f") $h"
			done
		done
	done
}

test_expect_success 'every folder of lib/ is a stage the Makefile builds' '
	test -n "$stages" &&
	printf "%s\n" $stages | sort >expect &&
	(cd "$TOP/lib" && ls -d */ | tr -d /) | sort >actual &&
	test_cmp expect actual &&
	! ls "$TOP"/lib/*.[ch] 2>/dev/null
'

test_expect_success 'no two files in lib/ share a name (headers are found by name, objects archived by it)' '
	(cd "$TOP/lib" && ls */*.[ch]) | sed "s,.*/,," | sort | uniq -d >dups &&
	test_cmp /dev/null dups
'

test_expect_success 'no folder includes a header of a later stage' '
	later_includes "$TOP/lib" >later &&
	test_cmp /dev/null later
'

test_expect_success 'an include of a later stage is found' '
	cp -R "$TOP/lib" copy &&
	printf "#include \"rec.h\"\n" >>copy/stream/error.c &&
	printf "#include \"model.h\"\n" >>copy/data/prep.h &&
	printf "#include \"nowhere.h\"\n" >>copy/model/dist.c &&
	later_includes copy >later &&
	cat >expect <<-EOF &&
	stream/error.c rec.h
	data/prep.h model.h
	model/dist.c nowhere.h
	EOF
	test_cmp expect later
'

test_done
