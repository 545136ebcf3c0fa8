/* simdrive/serial.h: being written */
