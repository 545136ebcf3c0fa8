/* tests/unit/test_crc32c.c: being written */
