/* Firmware version, reported in CAPABILITIES. */
#ifndef BT_VERSION_H
#define BT_VERSION_H

#define BT_FIRMWARE_VERSION "0.2.0"

#endif
