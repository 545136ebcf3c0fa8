/* tests/fuzz/fuzz.h - the libFuzzer entry points every fuzz target defines
 * (tests/fuzz/README.md).  The same target links either with libFuzzer (make fuzz,
 * clang) or with tests/fuzz/standalone.c (make check, any compiler). */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* One input; must not keep state between calls that changes what the next input does. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional, once before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* For targets whose code reads or writes paths (tests/fuzz/fuzz-tmp.c): a private
 * directory under $TMPDIR, made by the first call; every file in it and the directory
 * go at exit.  fuzz_tmp_clean removes its files now (between inputs). */
const char *fuzz_tmp_dir(void);
void fuzz_tmp_clean(void);
/* Writes data to NAME in that directory and returns its path (the same buffer every
 * call, one file at a time). */
const char *fuzz_input_file(const char *name, const uint8_t *data, size_t size);

#endif
