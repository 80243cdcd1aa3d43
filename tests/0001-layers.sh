#!/bin/sh
# 0001-layers: lib/'s layer rule (lib/README, "Layers") holds: includes
# follow it, only prog/ objects print or exit, and venue names stay in
# venue/ and sim/.  Each check is also run on a copy of the tree with one
# violation planted, to show that it can fail.
. "$(dirname "$0")/lib.sh"

LAYERS="python3 $TOP/tests/tools/layers.py"
OBJ=$MKT_BIN/../lib

ok_quiet() {
	"$@" >"$T/why" 2>&1 || { sed 's/^/# /' "$T/why"; return 1; }
}
fails() {
	! "$@" >"$T/why" 2>&1 && [ -s "$T/why" ]
}

check "every include in lib/ follows the layer rule" \
	ok_quiet $LAYERS "$TOP"
check "no object outside lib/prog/ prints or exits" \
	ok_quiet $LAYERS --objects "$OBJ" "$TOP"
check "no venue name in code outside lib/venue/ and lib/sim/" \
	ok_quiet $LAYERS --venues "$TOP"

# The planted violations, in a copy of lib/ and its README.
mkdir -p "$T/tree" && cp -R "$TOP/lib" "$T/tree/" && mkdir -p "$T/tree/cmd"
printf '#include "store/journal.h"\n' >>"$T/tree/lib/market/book.h"
check "a market/ header including store/ is refused" fails $LAYERS "$T/tree"
check "the refusal names the file and the include" \
	grep -q 'market/book.h:.*may not include .store/journal.h.' "$T/why"

cp "$TOP/lib/market/book.h" "$T/tree/lib/market/book.h"
printf '#include "nosuch.h"\n' >>"$T/tree/lib/base/buf.h"
check "an include outside its own directory without a layer is refused" \
	fails $LAYERS "$T/tree"

mkdir -p "$T/obj/market"
printf 'void f(void);\n#include <stdlib.h>\nvoid f(void) { exit(1); }\n' \
	>"$T/x.c"
cc -c -o "$T/obj/market/x.o" "$T/x.c"
check "a market/ object calling exit is refused" \
	fails $LAYERS --objects "$T/obj" "$TOP"
mkdir -p "$T/obj/prog" && mv "$T/obj/market/x.o" "$T/obj/prog/x.o"
check "a prog/ object calling exit is allowed" \
	ok_quiet $LAYERS --objects "$T/obj" "$TOP"

# A tree of two files: a venue name in market/ code and one in venue/.
mkdir -p "$T/v/lib/market" "$T/v/lib/venue" "$T/v/cmd"
cp "$TOP/lib/README" "$T/v/lib/"
printf '/* binance */\nstatic const char *v = "bybit";\n' \
	>"$T/v/lib/market/v.c"
printf 'static const char *w = "binance";\n' >"$T/v/lib/venue/w.c"
check "a venue name in market/ code is refused, in a comment it is not" \
	fails $LAYERS --venues "$T/v"
is "$(grep -c 'venue name' "$T/why")" 1 "only the venue name in code is named"
done_testing
