/* simdrive/medium.c: being written */
