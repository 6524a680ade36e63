/* Firmware version, reported in CAPABILITIES. */
#ifndef BT_VERSION_H
#define BT_VERSION_H

#define BT_FIRMWARE_VERSION "0.1.0"

#endif
