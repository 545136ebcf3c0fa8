/* harness/run.h - `harness run`: the scenario runner (doc/harness.md section 7). */
#ifndef HRN_RUN_H
#define HRN_RUN_H

/* argv[0] is "run".  Returns the exit status: 0 all passed, 1 a scenario failed,
 * 2 usage error. */
int hrn_run_main(int argc, char **argv);

/* `harness parse FILE...`: parse only and print the errors (exit 0 when none, 1 when
 * any file has errors).  For the harness's own tests. */
int hrn_parse_main(int argc, char **argv);

#endif
