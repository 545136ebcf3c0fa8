# tests/bench/goal.sh - sourced by the benchmarks that judge goals: `goal TEXT OK`
# prints "goal met: TEXT" when OK is 1, else "GOAL MISSED: TEXT" and sets MISSED=1.
# A goal not met is printed, never a failure: speed goals are measured by `make bench`,
# not asserted by `make check` (README.md).
MISSED=0
goal() {
	if [ "$2" = 1 ]; then echo "  goal met:    $1"; else echo "  GOAL MISSED: $1"; MISSED=1; fi
}
