/* tests/unit/test_chap.c: being written */
