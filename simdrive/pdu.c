/* simdrive/pdu.c: being written */
