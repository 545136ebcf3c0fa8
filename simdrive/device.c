/* simdrive/device.c: being written */
