/* Status codes of the training engine and the modules under it (model parser, layers, schedule,
 * planner). The engine does not know the protocol: the protocol handler (device.c) maps these to
 * the wire's error codes. */
#ifndef BT_STATUS_H
#define BT_STATUS_H

typedef enum bt_status {
    BT_STATUS_OK = 0,
    BT_STATUS_BAD_INPUT = 1, /* malformed blob or configuration, argument out of range */
    BT_STATUS_NOT_READY = 2, /* no model loaded, nothing accumulated to step */
    BT_STATUS_NO_MEMORY = 3, /* the plan does not fit the arena */
    BT_STATUS_INTERNAL = 4,  /* misaligned arena, a bug */
    BT_STATUS_NON_FINITE = 5, /* a loss, gradient or optimiser step would be NaN or infinite: refused */
} bt_status;

#endif
