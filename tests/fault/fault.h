/* Fault injection by link-time wrapping (ld --wrap): a copy of pam_npmstage.so
 * is linked with every call below routed through a wrapper that fails the Nth
 * wrapped call of a run. The test program owns the control block (exported from
 * the executable); the module sees it through a weak reference. Test code. */
#ifndef NS_FAULT_H
#define NS_FAULT_H

struct ns_fault {
	long at;        /* fail the call with this 1-based index; 0: disarmed */
	long calls;     /* wrapped calls counted so far in this run */
	int hit;        /* the fault was injected */
	char what[64];  /* the function that failed, @ the caller's offset */
};

extern struct ns_fault ns_fault_ctl;

#endif
