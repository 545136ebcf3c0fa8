/* simdrive/target.h: being written */
