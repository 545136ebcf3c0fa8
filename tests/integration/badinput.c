/* tests/integration/badinput.c: being written */
