/* simdrive/device-private.h: being written */
