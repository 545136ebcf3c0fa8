#!/bin/bash
# Being written: target NOP-In pings and login timeout (see badinput's timer-* cases).
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
skip "timer cases not written yet"
