/* harness/conformance.h - `harness conformance URL [--dataloss] [--junit FILE] [--list]
 * [-t GLOB]...`: MMC conformance checks against any iSCSI target (doc/harness-conformance.md).
 *
 * The contract:
 *
 * - argv[0] is "conformance"; the rest are the options above and one libiscsi URL
 *   (iscsi://HOST[:PORT]/IQN/LUN).  --list prints the check table and needs no URL.
 * - Non-destructive unless --dataloss; --dataloss refuses (exit 2) a medium that is not
 *   blank.  -t GLOB (repeatable) keeps the checks whose id matches one glob (fnmatch).
 * - Prints one table row per check (group, id, pass/fail/skip, note) and the summary
 *   "conformance: N passed, N failed, N skipped" on stdout; --junit FILE writes JUnit XML.
 * - Returns 0 when no check failed, 1 when one did or the target could not be reached,
 *   2 on a usage error or a refused --dataloss.
 */
#ifndef BURNLAB_HARNESS_CONFORMANCE_H
#define BURNLAB_HARNESS_CONFORMANCE_H

int hrn_conformance_main(int argc, char **argv);

#endif
