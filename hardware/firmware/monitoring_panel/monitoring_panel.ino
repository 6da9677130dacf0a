// Monitoring Room indicator and control panel for an Arduino Mega 2560 or Uno.
//
// Lights the exposure light (green: every face hidden, red: a face is exposed),
// the LIVE light, one tally LED per camera and a bar of face LEDs, as the host
// tells it over USB serial; reports presses of the effect and camera buttons and
// turns of the strength knob. On a Mega it also drives a pan-tilt camera head
// of two hobby servos, never faster than a set rate, and reports a joystick and
// a zoom rocker. The wire format is described in hardware/PROTOCOL.md, the wiring
// in hardware/WIRING.md and pins.h.
//
// The loop never blocks: every delay is a comparison with millis(), output is
// written only when the transmit buffer has room, and the CPU idles between
// timer ticks. No heap is used. If no valid frame arrives for two seconds the
// panel shows its offline pattern on its own (exposure light blinking amber,
// LIVE blinking opposite, everything else dark) and turns the camera head
// slowly to its park position, until the host returns.

#include <avr/sleep.h>
#include <avr/wdt.h>

#include "pins.h"

#define PROTOCOL_VERSION 2
#define FIRMWARE_VERSION "0.2.0"

// The camera head is built in when pins.h gives it pins (on a Mega).
#if defined(PIN_SERVO_PAN)
#define HAS_HEAD 1
#if !defined(PIN_SERVO_TILT) || !defined(PIN_STICK_PAN) || !defined(PIN_STICK_TILT) || \
    !defined(PIN_STICK_HOME) || !defined(PIN_ZOOM_IN) || !defined(PIN_ZOOM_OUT)
#error "pins.h: the camera head needs both servos, the joystick and the zoom buttons"
#endif
// The pulses come from Timer5's hardware PWM: no interrupt, so serial traffic
// never makes a servo twitch.
#if PIN_SERVO_PAN != 46 || PIN_SERVO_TILT != 45
#error "pins.h: the servos must be on D46 (OC5A) and D45 (OC5B), where Timer5 makes their pulses"
#endif
#else
#define HAS_HEAD 0
#endif

const unsigned long BAUD = 115200;
const unsigned long HOST_TIMEOUT_MS = 2000;  // silence before the offline pattern
const unsigned long LAMP_TEST_MS = 400;      // every LED on after reset, to spot dead ones
const unsigned long BLINK_HALF_MS = 500;
const unsigned long DEBOUNCE_MS = 15;        // a button must read the same this long
const unsigned long KNOB_PERIOD_MS = 10;
const int KNOB_HYSTERESIS = 6;               // ADC steps; a few steps of noise are normal
const uint8_t BODY_MAX = 48;                 // longest frame body accepted
const uint8_t FIELDS_MAX = 8;

#if HAS_HEAD
const uint16_t ANGLE_MAX = 1800;             // tenths of a degree: the servos turn 0-180 degrees
const uint16_t SERVO_MIN_US = 544;           // pulse for 0 degrees (as the Arduino Servo library)
const uint16_t SERVO_MAX_US = 2400;          // pulse for 180 degrees
const uint16_t SERVO_PERIOD_US = 20000;      // 50 pulses a second
const uint16_t RATE_MAX = 180;               // degrees per second: the fastest the head is turned
const uint16_t PARK_RATE = 30;               // degrees per second on the way to park
const uint16_t PARK_DEFAULT = 900;           // park angle until the host names one: the middle
const unsigned long POSITION_PERIOD_MS = 100;  // position reports while the head moves
const unsigned long STICK_PERIOD_MS = 10;
const unsigned long STICK_REPEAT_MS = 200;   // an off-centre reading is sent again this often
const int STICK_CENTRE = 512;
const int STICK_CENTRE_SPREAD = 100;         // a reading at reset further off is not a stick at rest
const int STICK_DEAD = 40;                   // ADC steps either side of the centre that read as rest
const int8_t STICK_STEP = 4;                 // percent; smaller changes are not sent
#endif

const uint8_t TALLY_PINS[] = {PIN_TALLY_1, PIN_TALLY_2, PIN_TALLY_3, PIN_TALLY_4};
const uint8_t FACE_PINS[] = {PIN_FACES_1, PIN_FACES_2, PIN_FACES_3,
                             PIN_FACES_4, PIN_FACES_5, PIN_FACES_6};
const uint8_t TALLY_COUNT = sizeof(TALLY_PINS);
const uint8_t FACE_COUNT = sizeof(FACE_PINS);

// Every output, in one list so the lamp test and the change filter cover them all.
enum Output : uint8_t {
  OUT_GREEN, OUT_RED, OUT_LIVE, OUT_LINK, OUT_TALLY, OUT_FACES = OUT_TALLY + TALLY_COUNT,
  OUT_COUNT = OUT_FACES + FACE_COUNT
};
uint8_t outputPin[OUT_COUNT];
int8_t outputLevel[OUT_COUNT];  // -1 until first written

// What the host asked the panel to show.
struct Shown {
  bool valid;  // false until a state frame arrives, and again after the host went quiet
  bool exposed;
  bool live;
  uint8_t tally;
  uint8_t faces;
  uint8_t cameras;
} shown;

bool heardHost = false;
unsigned long lastValidMs = 0;
unsigned long bootMs = 0;
unsigned long loopMs = 0;  // millis() at the start of this pass; every comparison uses it

// Receiver: '$' starts a frame, '\n' ends it; anything else outside a frame is noise.
enum RxMode : uint8_t { RX_IDLE, RX_FRAME, RX_DISCARD };
RxMode rxMode = RX_IDLE;
char body[BODY_MAX + 1];
uint8_t bodyLen = 0;
uint8_t discardReason = 0;  // an ErrorCode, reported when the line ends

// Outbox: what still has to be sent, kept as flags and counters so nothing waits
// on the serial line and nothing is allocated.
enum ErrorCode : uint8_t { ERR_NONE, ERR_CRC, ERR_LONG, ERR_BYTE, ERR_UNKNOWN, ERR_ARGS };
const char *const ERROR_NAMES[] = {"", "crc", "long", "byte", "unknown", "args"};
bool readyPending = true;
bool ackPending = false;
uint16_t ackSeq = 0;
uint8_t errorPending = ERR_NONE;
uint8_t effectPresses = 0;
uint8_t cameraPresses = 0;
bool knobPending = false;
#if HAS_HEAD
bool positionPending = false;
uint8_t homePresses = 0;
bool stickPending = false;
#endif

struct Button {
  uint8_t pin;
  bool stable;    // debounced: true while pressed
  bool raw;
  unsigned long changedMs;
};
Button effectButton = {PIN_BUTTON_EFFECT, false, false, 0};
Button cameraButton = {PIN_BUTTON_CAMERA, false, false, 0};

int knobSent = 0;
unsigned long knobReadMs = 0;

#if HAS_HEAD
// One servo of the head. Angles are kept in thousandths of a degree, so that a rate
// in degrees per second is exactly the step per millisecond.
struct Axis {
  int32_t at;      // where the pulses point the servo now
  int32_t target;  // where it is going
  uint16_t rate;   // degrees per second
};
Axis panAxis, tiltAxis;
uint16_t parkPan = PARK_DEFAULT, parkTilt = PARK_DEFAULT;  // tenths of a degree
bool pulsing = false;   // no pulses (the servos limp) until the host first speaks of the head
bool parking = false;   // moving to park on the board's own account, the host being silent
bool wasMoving = false;
unsigned long slewMs = 0;
unsigned long positionMs = 0;

Button homeButton = {PIN_STICK_HOME, false, false, 0};
Button zoomInButton = {PIN_ZOOM_IN, false, false, 0};
Button zoomOutButton = {PIN_ZOOM_OUT, false, false, 0};
int stickCentrePan = STICK_CENTRE, stickCentreTilt = STICK_CENTRE;
int8_t stickSent[3] = {0, 0, 0};  // pan, tilt, zoom: percent of full speed
unsigned long stickReadMs = 0;
unsigned long stickSentMs = 0;
#endif

// ---------------------------------------------------------------------------
// Frames: $<body>*<CRC-8 of body, two hex digits>\n

uint8_t crc8(const char *s, uint8_t n) {
  uint8_t crc = 0;  // polynomial 0x07, initial value 0 (CRC-8/SMBUS)
  for (uint8_t i = 0; i < n; i++) {
    crc ^= (uint8_t)s[i];
    for (uint8_t b = 0; b < 8; b++) {
      crc = (crc & 0x80) ? (uint8_t)((crc << 1) ^ 0x07) : (uint8_t)(crc << 1);
    }
  }
  return crc;
}

struct Frame {
  char text[40];
  uint8_t len;
  void start() { text[0] = '$'; len = 1; }
  void put(const char *s) { while (*s && len < sizeof(text) - 5) text[len++] = *s++; }
  void put(unsigned int v) {
    char digits[6];
    uint8_t n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v && n < sizeof(digits));
    while (n && len < sizeof(text) - 5) text[len++] = digits[--n];
  }
  void putSigned(int v) {
    if (v < 0 && len < sizeof(text) - 5) text[len++] = '-';
    put((unsigned)(v < 0 ? -v : v));
  }
  void finish() {
    static const char HEX_DIGITS[] = "0123456789ABCDEF";
    uint8_t crc = crc8(text + 1, len - 1);
    text[len++] = '*';
    text[len++] = HEX_DIGITS[crc >> 4];
    text[len++] = HEX_DIGITS[crc & 0x0F];
    text[len++] = '\n';
  }
};
Frame out;

// Sends the frame in `out` if the transmit buffer has room for all of it.
bool trySend() {
  out.finish();
  if (Serial.availableForWrite() < out.len) return false;
  Serial.write((const uint8_t *)out.text, out.len);
  return true;
}

void flushOutbox() {
  if (readyPending) {
    out.start();
    out.put("READY,");
    out.put((unsigned)PROTOCOL_VERSION);
    out.put(",");
    out.put(FIRMWARE_VERSION);
    out.put(",");
    out.put((unsigned)TALLY_COUNT);
    out.put(",");
    out.put((unsigned)FACE_COUNT);
    out.put(HAS_HEAD ? ",1," : ",0,");
    out.put((unsigned)knobSent);
    if (!trySend()) return;
    readyPending = false;
  }
  if (ackPending) {
    out.start();
    out.put("A,");
    out.put((unsigned)ackSeq);
    out.put(shown.valid ? ",1" : ",0");
    if (!trySend()) return;
    ackPending = false;
  }
#if HAS_HEAD
  if (positionPending) {
    out.start();
    out.put("HP,");
    out.put((unsigned)(panAxis.at / 100));
    out.put(",");
    out.put((unsigned)(tiltAxis.at / 100));
    out.put(wasMoving ? ",1" : ",0");
    if (!trySend()) return;
    positionPending = false;
    positionMs = loopMs;
  }
#endif
  while (effectPresses) {
    out.start();
    out.put("EV,effect");
    if (!trySend()) return;
    effectPresses--;
  }
  while (cameraPresses) {
    out.start();
    out.put("EV,camera");
    if (!trySend()) return;
    cameraPresses--;
  }
  if (knobPending) {
    out.start();
    out.put("EV,knob,");
    out.put((unsigned)knobSent);
    if (!trySend()) return;
    knobPending = false;
  }
#if HAS_HEAD
  while (homePresses) {
    out.start();
    out.put("EV,home");
    if (!trySend()) return;
    homePresses--;
  }
  if (stickPending) {
    out.start();
    out.put("EV,stick,");
    out.putSigned(stickSent[0]);
    out.put(",");
    out.putSigned(stickSent[1]);
    out.put(",");
    out.putSigned(stickSent[2]);
    if (!trySend()) return;
    stickPending = false;
  }
#endif
  if (errorPending != ERR_NONE) {
    out.start();
    out.put("ERR,");
    out.put(ERROR_NAMES[errorPending]);
    if (!trySend()) return;
    errorPending = ERR_NONE;
  }
}

#if HAS_HEAD
// ---------------------------------------------------------------------------
// The camera head

// Timer5 counts half microseconds; a pin stays high for its compare value + 1 counts.
uint16_t pulseCounts(int32_t millidegrees) {
  const uint32_t span = 2UL * (SERVO_MAX_US - SERVO_MIN_US);
  return (uint16_t)(2UL * SERVO_MIN_US + span * (uint32_t)millidegrees / (ANGLE_MAX * 100UL) - 1);
}

void writePulses() {
  OCR5A = pulseCounts(panAxis.at);
  OCR5B = pulseCounts(tiltAxis.at);
}

void startPulses() {
  if (pulsing) return;
  pulsing = true;
  slewMs = loopMs;
  writePulses();
  TCNT5 = 0;
  // Fast PWM with ICR5 as top; pins high from 0 until the compare match; clock / 8.
  TCCR5A = _BV(COM5A1) | _BV(COM5B1) | _BV(WGM51);
  TCCR5B = _BV(WGM53) | _BV(WGM52) | _BV(CS51);
}

void aim(Axis &axis, uint16_t angle, uint16_t rate) {
  if (rate == 0) {
    axis.target = axis.at;  // stop this axis where it is
    return;
  }
  axis.target = (int32_t)angle * 100;
  axis.rate = rate > RATE_MAX ? RATE_MAX : rate;
}

void park() {
  parking = true;
  aim(panAxis, parkPan, PARK_RATE);
  aim(tiltAxis, parkTilt, PARK_RATE);
}

void slew(Axis &axis, unsigned long elapsedMs) {
  int32_t step = (int32_t)axis.rate * (int32_t)elapsedMs;
  if (axis.at < axis.target) {
    axis.at = axis.target - axis.at > step ? axis.at + step : axis.target;
  } else if (axis.at > axis.target) {
    axis.at = axis.at - axis.target > step ? axis.at - step : axis.target;
  }
}

void updateHead(unsigned long now, bool online) {
  if (!pulsing) return;
  if (!online && !parking) park();
  unsigned long elapsed = now - slewMs;
  slewMs = now;
  if (elapsed > 100) elapsed = 100;  // never a jump, whatever held the loop up
  slew(panAxis, elapsed);
  slew(tiltAxis, elapsed);
  writePulses();
  bool moving = panAxis.at != panAxis.target || tiltAxis.at != tiltAxis.target;
  if (moving != wasMoving || (moving && now - positionMs >= POSITION_PERIOD_MS)) positionPending = true;
  wasMoving = moving;
}
#endif

// ---------------------------------------------------------------------------
// Parsing a received body in place.

int8_t hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parseNumber(const char *s, uint16_t maxValue, uint16_t *value) {
  if (!*s) return false;
  uint32_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return false;
    v = v * 10 + (uint32_t)(*s - '0');
    if (v > maxValue) return false;
  }
  *value = (uint16_t)v;
  return true;
}

void handleBody() {
  // Checksum: the last '*' is followed by exactly two hex digits.
  if (bodyLen < 4 || body[bodyLen - 3] != '*') { errorPending = ERR_CRC; return; }
  int8_t hi = hexValue(body[bodyLen - 2]);
  int8_t lo = hexValue(body[bodyLen - 1]);
  uint8_t n = bodyLen - 3;
  if (hi < 0 || lo < 0 || crc8(body, n) != (uint8_t)((hi << 4) | lo)) {
    errorPending = ERR_CRC;
    return;
  }
  body[n] = '\0';

  char *field[FIELDS_MAX];
  uint8_t count = 0;
  field[count++] = body;
  for (char *p = body; *p; p++) {
    if (*p == ',') {
      if (count == FIELDS_MAX) { errorPending = ERR_ARGS; return; }
      *p = '\0';
      field[count++] = p + 1;
    }
  }

  // A frame that passed its checksum proves the host is there, whatever it says.
  heardHost = true;
  lastValidMs = loopMs;

  uint16_t v[6];
#if HAS_HEAD
  if (strcmp(field[0], "H") == 0) {
    // Turn the head: target angles in tenths of a degree, rates in degrees per second.
    if (count != 6 || !parseNumber(field[1], 65535, &v[0]) || !parseNumber(field[2], ANGLE_MAX, &v[1]) ||
        !parseNumber(field[3], ANGLE_MAX, &v[2]) || !parseNumber(field[4], 999, &v[3]) ||
        !parseNumber(field[5], 999, &v[4])) {
      errorPending = ERR_ARGS;
      return;
    }
    startPulses();
    aim(panAxis, v[1], v[3]);
    aim(tiltAxis, v[2], v[4]);
    parking = false;
    ackSeq = v[0];
    ackPending = true;
    positionPending = true;
    return;
  }
  if (strcmp(field[0], "K") == 0) {
    // Where to park when the host falls silent.
    if (count != 4 || !parseNumber(field[1], 65535, &v[0]) || !parseNumber(field[2], ANGLE_MAX, &v[1]) ||
        !parseNumber(field[3], ANGLE_MAX, &v[2])) {
      errorPending = ERR_ARGS;
      return;
    }
    parkPan = v[1];
    parkTilt = v[2];
    if (!pulsing) {
      // The head was parked here when the host left it last, so the first pulses hold it there.
      panAxis.at = panAxis.target = (int32_t)parkPan * 100;
      tiltAxis.at = tiltAxis.target = (int32_t)parkTilt * 100;
      startPulses();
    } else if (parking) {
      park();
    }
    ackSeq = v[0];
    ackPending = true;
    positionPending = true;
    return;
  }
#endif
  if (strcmp(field[0], "HELLO") == 0) {
    // Answered whatever version the host speaks: the host decides compatibility.
    readyPending = true;
  } else if (strcmp(field[0], "P") == 0) {
    if (count != 2 || !parseNumber(field[1], 65535, &v[0])) { errorPending = ERR_ARGS; return; }
    ackSeq = v[0];
    ackPending = true;
  } else if (strcmp(field[0], "S") == 0) {
    if (count != 7 || !parseNumber(field[1], 65535, &v[0]) || !parseNumber(field[2], 1, &v[1]) ||
        !parseNumber(field[3], 1, &v[2]) || !parseNumber(field[4], 15, &v[3]) ||
        !parseNumber(field[5], 999, &v[4]) || !parseNumber(field[6], 16, &v[5]) || v[5] == 0) {
      errorPending = ERR_ARGS;
      return;
    }
    shown.exposed = v[1];
    shown.live = v[2];
    shown.tally = (uint8_t)v[3];
    shown.faces = v[4] > 255 ? 255 : (uint8_t)v[4];
    shown.cameras = (uint8_t)v[5];
    shown.valid = true;
    ackSeq = v[0];
    ackPending = true;
  } else {
    errorPending = ERR_UNKNOWN;
  }
}

void receive(char c) {
  if (c == '$') {  // a new frame always starts here, whatever came before
    rxMode = RX_FRAME;
    bodyLen = 0;
    return;
  }
  if (c == '\n' || c == '\r') {
    if (rxMode == RX_FRAME) {
      body[bodyLen] = '\0';
      handleBody();
    } else if (rxMode == RX_DISCARD) {
      errorPending = discardReason;
    }
    rxMode = RX_IDLE;
    return;
  }
  if (rxMode != RX_FRAME) return;
  if (bodyLen >= BODY_MAX || c < 0x20 || c > 0x7E) {
    discardReason = bodyLen >= BODY_MAX ? ERR_LONG : ERR_BYTE;
    rxMode = RX_DISCARD;  // drop the rest of this line
    return;
  }
  body[bodyLen++] = c;
}

// ---------------------------------------------------------------------------
// Inputs

void pollButton(Button &b, uint8_t &presses, unsigned long now) {
  bool raw = digitalRead(b.pin) == LOW;
  if (raw != b.raw) {
    b.raw = raw;
    b.changedMs = now;
  } else if (raw != b.stable && now - b.changedMs >= DEBOUNCE_MS) {
    b.stable = raw;
    if (raw && presses < 255) presses++;
  }
}

int readAnalog(uint8_t pin) {
  // Four samples averaged, ends snapped so the whole range stays reachable.
  int sum = 0;
  for (uint8_t i = 0; i < 4; i++) sum += analogRead(pin);
  int v = sum / 4;
  if (v <= 2) return 0;
  if (v >= 1021) return 1023;
  return v;
}

int readKnob() { return readAnalog(PIN_KNOB); }

void pollKnob(unsigned long now) {
  if (now - knobReadMs < KNOB_PERIOD_MS) return;
  knobReadMs = now;
  int v = readKnob();
  int diff = v > knobSent ? v - knobSent : knobSent - v;
  bool atEnd = (v == 0 || v == 1023) && v != knobSent;
  if (diff >= KNOB_HYSTERESIS || atEnd) {
    knobSent = v;
    knobPending = true;
  }
}

#if HAS_HEAD
// A joystick axis as a speed: percent of full speed either way, 0 near the centre.
int8_t stickPercent(int raw, int centre) {
  int off = raw - centre;
  if (off > -STICK_DEAD && off < STICK_DEAD) return 0;
  long travel = off > 0 ? 1023 - centre - STICK_DEAD : centre - STICK_DEAD;
  long percent = (long)(off > 0 ? off - STICK_DEAD : off + STICK_DEAD) * 100 / travel;
  if (percent >= 97) return 100;  // the end of travel is full speed, whatever the pot reaches
  if (percent <= -97) return -100;
  return (int8_t)percent;
}

int8_t zoomPercent() {
  if (zoomInButton.stable == zoomOutButton.stable) return 0;
  return zoomInButton.stable ? 100 : -100;
}

// Reports the stick and the zoom rocker when they change, and again every
// STICK_REPEAT_MS while off centre, so a lost frame never leaves the camera turning.
void pollStick(unsigned long now) {
  if (now - stickReadMs < STICK_PERIOD_MS) return;
  stickReadMs = now;
  int8_t v[3] = {stickPercent(readAnalog(PIN_STICK_PAN), stickCentrePan),
                 stickPercent(readAnalog(PIN_STICK_TILT), stickCentreTilt), zoomPercent()};
  bool changed = false;
  bool active = false;
  for (uint8_t i = 0; i < 3; i++) {
    int diff = v[i] > stickSent[i] ? v[i] - stickSent[i] : stickSent[i] - v[i];
    bool crossed = (v[i] == 0) != (stickSent[i] == 0) || ((v[i] == 100 || v[i] == -100) && diff);
    if (diff >= STICK_STEP || crossed) changed = true;
    if (stickSent[i] != 0) active = true;
  }
  if (changed || (active && now - stickSentMs >= STICK_REPEAT_MS)) {
    for (uint8_t i = 0; i < 3; i++) stickSent[i] = v[i];
    stickPending = true;
    stickSentMs = now;
  }
}

int stickCentre(uint8_t pin) {
  int v = readAnalog(pin);
  // A stick held over at reset would make its rest read as a push: assume the nominal centre.
  return v < STICK_CENTRE - STICK_CENTRE_SPREAD || v > STICK_CENTRE + STICK_CENTRE_SPREAD ? STICK_CENTRE : v;
}

#endif

// ---------------------------------------------------------------------------
// Outputs

void setOutput(uint8_t i, bool on) {
  int8_t level = on ? 1 : 0;
  if (outputLevel[i] == level) return;
  outputLevel[i] = level;
  digitalWrite(outputPin[i], on ? HIGH : LOW);
}

bool hostOnline(unsigned long now) { return heardHost && now - lastValidMs < HOST_TIMEOUT_MS; }

void updateOutputs(unsigned long now) {
  if (now - bootMs < LAMP_TEST_MS) {
    for (uint8_t i = 0; i < OUT_COUNT; i++) setOutput(i, true);
    return;
  }
  bool online = hostOnline(now);
  if (!online) shown.valid = false;  // after silence, wait for a fresh state
  if (!shown.valid) {
    bool blink = (now / BLINK_HALF_MS) % 2 == 0;
    setOutput(OUT_GREEN, blink);
    setOutput(OUT_RED, blink);
    setOutput(OUT_LIVE, !blink);
    setOutput(OUT_LINK, online);
    for (uint8_t i = 0; i < TALLY_COUNT; i++) setOutput(OUT_TALLY + i, false);
    for (uint8_t i = 0; i < FACE_COUNT; i++) setOutput(OUT_FACES + i, false);
    return;
  }
  setOutput(OUT_GREEN, !shown.exposed);
  setOutput(OUT_RED, shown.exposed);
  setOutput(OUT_LIVE, shown.live);
  setOutput(OUT_LINK, true);
  for (uint8_t i = 0; i < TALLY_COUNT; i++) {
    setOutput(OUT_TALLY + i, i == shown.tally && i < shown.cameras);
  }
  for (uint8_t i = 0; i < FACE_COUNT; i++) setOutput(OUT_FACES + i, i < shown.faces);
}

// ---------------------------------------------------------------------------

void setup() {
  wdt_enable(WDTO_1S);
  outputPin[OUT_GREEN] = PIN_EXPOSURE_GREEN;
  outputPin[OUT_RED] = PIN_EXPOSURE_RED;
  outputPin[OUT_LIVE] = PIN_LIVE;
  outputPin[OUT_LINK] = PIN_LINK;
  for (uint8_t i = 0; i < TALLY_COUNT; i++) outputPin[OUT_TALLY + i] = TALLY_PINS[i];
  for (uint8_t i = 0; i < FACE_COUNT; i++) outputPin[OUT_FACES + i] = FACE_PINS[i];
  for (uint8_t i = 0; i < OUT_COUNT; i++) {
    pinMode(outputPin[i], OUTPUT);
    outputLevel[i] = -1;
  }
  pinMode(PIN_BUTTON_EFFECT, INPUT_PULLUP);
  pinMode(PIN_BUTTON_CAMERA, INPUT_PULLUP);
#if HAS_HEAD
  // No pulses until the host speaks of the head: the Arduino core set Timer5 up for
  // analogWrite, so it is stopped and given the servo period here.
  TCCR5A = 0;
  TCCR5B = 0;
  ICR5 = 2 * SERVO_PERIOD_US - 1;
  digitalWrite(PIN_SERVO_PAN, LOW);
  digitalWrite(PIN_SERVO_TILT, LOW);
  pinMode(PIN_SERVO_PAN, OUTPUT);
  pinMode(PIN_SERVO_TILT, OUTPUT);
  panAxis = {(int32_t)PARK_DEFAULT * 100, (int32_t)PARK_DEFAULT * 100, PARK_RATE};
  tiltAxis = panAxis;
  pinMode(PIN_STICK_HOME, INPUT_PULLUP);
  pinMode(PIN_ZOOM_IN, INPUT_PULLUP);
  pinMode(PIN_ZOOM_OUT, INPUT_PULLUP);
#endif

  Serial.begin(BAUD);
  bootMs = millis();
  // Buttons held and the knob position at reset are where things start, not events.
  effectButton.raw = effectButton.stable = digitalRead(PIN_BUTTON_EFFECT) == LOW;
  cameraButton.raw = cameraButton.stable = digitalRead(PIN_BUTTON_CAMERA) == LOW;
  knobSent = readKnob();
  knobReadMs = bootMs;
#if HAS_HEAD
  homeButton.raw = homeButton.stable = digitalRead(PIN_STICK_HOME) == LOW;
  stickCentrePan = stickCentre(PIN_STICK_PAN);
  stickCentreTilt = stickCentre(PIN_STICK_TILT);
  stickReadMs = bootMs;
#endif
  updateOutputs(bootMs);
}

void loop() {
  wdt_reset();
  unsigned long now = loopMs = millis();

  while (Serial.available() > 0) receive((char)Serial.read());
  pollButton(effectButton, effectPresses, now);
  pollButton(cameraButton, cameraPresses, now);
  pollKnob(now);
#if HAS_HEAD
  uint8_t zoomPresses = 0;  // the zoom buttons count while held, not per press
  pollButton(homeButton, homePresses, now);
  pollButton(zoomInButton, zoomPresses, now);
  pollButton(zoomOutButton, zoomPresses, now);
  pollStick(now);
  updateHead(now, hostOnline(now));
#endif
  updateOutputs(now);
  flushOutbox();

  // Idle until the next interrupt: the 1 ms timer tick or a received byte.
  set_sleep_mode(SLEEP_MODE_IDLE);
  sleep_enable();
  sleep_cpu();
  sleep_disable();
}
