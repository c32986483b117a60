#!/bin/sh
test_description='every program: --help and its man page list the same options; pages lint clean'
. "$(dirname "$0")/test-lib.sh"

# The long options a program's --help lists (lines that start with an
# option), and those its page describes (.It Fl lines).
help_options() {
	"$1" --help | grep -E '^ +(-[a-zA-Z0-9], )?--' |
		grep -oE -- '--[a-z][a-z0-9-]*' | head -c 100000 | sort -u
}
page_options() {
	grep -E '^\.It Fl' "$TOP/man/$1.1" | grep -oE -- 'Fl -[a-z][a-z0-9-]*' |
		sed 's/^Fl -/--/' | sort -u
}

for p in "$TOP"/bin/*; do
	name=$(basename "$p")
	test_expect_success "$name: --help and man page agree" "
		help_options $name >help.$name &&
		page_options $name >page.$name &&
		test -s help.$name &&
		test_cmp help.$name page.$name
	"
	test_expect_success "$name: --help exits 0 on stdout, a bad option exits 2" "
		$name --help >out 2>err && test -s out && ! test -s err &&
		{ $name --no-such-option >out 2>err; test \$? = 2; } &&
		test_grep \"Try '$name --help'\" err
	"
	test_expect_success "$name: --version" "
		$name --version >out &&
		test_grep \"^$name \\(tt\\) [0-9]\" out
	"
done

test_expect_success 'every page lints clean' '
	mandoc -Tlint -W warning "$TOP"/man/*.[1-9]
'

test_expect_success 'every program has a page, and tt(7) names it' '
	for p in "$TOP"/bin/*; do
		n=$(basename "$p") &&
		test -f "$TOP/man/$n.1" &&
		grep -q "Xr $n 1" "$TOP/man/tt.7" || { echo "missing: $n"; return 1; }
	done
'

test_done
