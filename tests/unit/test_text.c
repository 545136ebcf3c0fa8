/* tests/unit/test_text.c: being written */
