/* tests/unit/test_pdu.c: being written */
