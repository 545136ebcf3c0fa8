/* simdrive/chap.c: being written */
