# arduino-mk settings for the panel sketch; run from the sketch folder by ./Makefile,
# which names the board: BOARD_TAG=mega BOARD_SUB=atmega2560, or BOARD_TAG=uno.
BOARD_TAG    ?= uno
TARGET        = monitoring_panel
ARDUINO_DIR  ?= /usr/share/arduino
ARDMK_DIR    ?= /usr/share/arduino
AVR_TOOLS_DIR ?= /usr
ARDUINO_LIBS  =
MONITOR_PORT ?= /dev/ttyACM0
# Debian's avr-gcc 5.4 does not define DECIMAL_DIG, which the Arduino core expects.
CPPFLAGS     += -DDECIMAL_DIG=__DECIMAL_DIG__
CXXFLAGS_STD  = -std=gnu++11
include $(ARDMK_DIR)/Arduino.mk
