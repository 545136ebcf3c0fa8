/* tests/integration/iclient.c: being written */
