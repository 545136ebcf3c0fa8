/* simdrive/chap.h: being written */
