/* tests/unit/test_sense.c: being written */
