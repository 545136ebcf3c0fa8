/* simdrive/text.c: being written */
