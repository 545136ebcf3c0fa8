/* simdrive/main.c: being written */
