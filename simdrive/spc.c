/* simdrive/spc.c: being written */
