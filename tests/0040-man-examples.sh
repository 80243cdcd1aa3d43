#!/bin/sh
# The EXAMPLES of the man pages are tests: each `$ command` block must
# print exactly the lines shown under it.
. "$(dirname "$0")/lib.sh"
python3 "$TOP/tests/tools/man-examples.py" "$TOP"/man/*.[157]
