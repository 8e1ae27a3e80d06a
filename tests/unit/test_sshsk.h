/* The parts of test_sshsk (one cmocka program) that live in test_sshsk_openssh.c. */
#ifndef TEST_SSHSK_H
#define TEST_SSHSK_H

void test_armor(void **state);
void test_wire(void **state);
void test_fresh_signatures(void **state);
void test_openssh_accepts(void **state);

#endif
