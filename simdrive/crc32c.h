/* simdrive/crc32c.h: being written */
