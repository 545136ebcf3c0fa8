/* simdrive/target.c: being written */
