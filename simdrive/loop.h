/* simdrive/loop.h: being written */
