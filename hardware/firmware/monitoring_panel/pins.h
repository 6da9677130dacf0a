// Pin map of the Monitoring Room panel, on an Arduino Mega 2560 or an Arduino Uno.
//
// This file is the one place the wiring is written down: the firmware includes
// it, and hardware/pinmap.py reads it for the wiring diagram, the emulator tests
// and the latency benchmark. Keep one `#define PIN_... <pin>  // <kind>:<colour> <label>`
// per line so those readers understand it.
//
// Kinds: led (with its colour), button (to GND, internal pull-up), knob (potentiometer
// wiper), onboard (the board's own LED on D13), servo (signal wire, with its colour),
// stick (one axis of a joystick: potentiometer wiper).
//
// The indicators and controls use the same pins on both boards: the Mega repeats the
// Uno's header, so a panel wired for an Uno moves to a Mega wire for wire. The camera
// head needs more pins than an Uno has left (it has A5 only), so it is fitted on a
// Mega only; hardware/WIRING.md says why.

#ifndef MONITORING_PANEL_PINS_H
#define MONITORING_PANEL_PINS_H

#define PIN_BUTTON_EFFECT    2   // button:black  Effect button (cycles the effect)
#define PIN_BUTTON_CAMERA    3   // button:black  Camera button (next camera)
#define PIN_EXPOSURE_GREEN   4   // led:green     Exposure light, green (all faces hidden)
#define PIN_EXPOSURE_RED     5   // led:red       Exposure light, red (a face exposed)
#define PIN_LIVE             6   // led:red       LIVE light
#define PIN_TALLY_1          7   // led:yellow    Tally, camera 1
#define PIN_TALLY_2          8   // led:yellow    Tally, camera 2
#define PIN_TALLY_3          9   // led:yellow    Tally, camera 3
#define PIN_TALLY_4          10  // led:yellow    Tally, camera 4
#define PIN_FACES_1          11  // led:white     Face bar, 1 face
#define PIN_FACES_2          12  // led:white     Face bar, 2 faces
#define PIN_FACES_3          A1  // led:white     Face bar, 3 faces
#define PIN_FACES_4          A2  // led:white     Face bar, 4 faces
#define PIN_FACES_5          A3  // led:white     Face bar, 5 faces
#define PIN_FACES_6          A4  // led:white     Face bar, 6 or more faces
#define PIN_LINK             13  // onboard:amber Link (on while the host is heard)
#define PIN_KNOB             A0  // knob:blue     Strength knob

#if defined(__AVR_ATmega2560__)
// The camera head. The servo pulses come from Timer5's hardware PWM, so the servos
// must stay on D46 (OC5A) and D45 (OC5B).
#define PIN_SERVO_PAN        46  // servo:orange  Pan servo signal (OC5A)
#define PIN_SERVO_TILT       45  // servo:orange  Tilt servo signal (OC5B)
#define PIN_STICK_PAN        A5  // stick:black   Joystick left-right (pan speed)
#define PIN_STICK_TILT       A6  // stick:black   Joystick up-down (tilt speed)
#define PIN_STICK_HOME       22  // button:black  Joystick push (camera home)
#define PIN_ZOOM_IN          23  // button:black  Zoom in
#define PIN_ZOOM_OUT         24  // button:black  Zoom out
#endif

#endif
