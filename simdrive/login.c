/* simdrive/login.c: being written */
