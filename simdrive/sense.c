/* simdrive/sense.c: being written */
