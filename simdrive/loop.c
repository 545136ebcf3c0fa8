/* simdrive/loop.c: being written */
