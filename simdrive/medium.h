/* simdrive/medium.h: being written */
