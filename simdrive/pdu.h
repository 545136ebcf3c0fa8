/* simdrive/pdu.h: being written */
