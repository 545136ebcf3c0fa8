/* tests/unit/test_login.c: being written */
