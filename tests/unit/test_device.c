/* tests/unit/test_device.c: being written */
