// Monitoring Room indicator and control panel for an Arduino Uno.
//
// Lights the exposure light (green: every face hidden, red: a face is exposed),
// the LIVE light, one tally LED per camera and a bar of face LEDs, as the host
// tells it over USB serial; reports presses of the effect and camera buttons and
// turns of the strength knob. The wire format is described in
// hardware/PROTOCOL.md, the wiring in hardware/WIRING.md and pins.h.
//
// The loop never blocks: every delay is a comparison with millis(), output is
// written only when the transmit buffer has room, and the CPU idles between
// timer ticks. No heap is used. If no valid frame arrives for two seconds the
// panel shows its offline pattern on its own (exposure light blinking amber,
// LIVE blinking opposite, everything else dark) until the host returns.

#include <avr/sleep.h>
#include <avr/wdt.h>

#include "pins.h"

#define PROTOCOL_VERSION 1
#define FIRMWARE_VERSION "0.1.0"

const unsigned long BAUD = 115200;
const unsigned long HOST_TIMEOUT_MS = 2000;  // silence before the offline pattern
const unsigned long LAMP_TEST_MS = 400;      // every LED on after reset, to spot dead ones
const unsigned long BLINK_HALF_MS = 500;
const unsigned long DEBOUNCE_MS = 15;        // a button must read the same this long
const unsigned long KNOB_PERIOD_MS = 10;
const int KNOB_HYSTERESIS = 6;               // ADC steps; a few steps of noise are normal
const uint8_t BODY_MAX = 48;                 // longest frame body accepted
const uint8_t FIELDS_MAX = 8;

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
    out.put(",");
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
  if (errorPending != ERR_NONE) {
    out.start();
    out.put("ERR,");
    out.put(ERROR_NAMES[errorPending]);
    if (!trySend()) return;
    errorPending = ERR_NONE;
  }
}

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

int readKnob() {
  // Four samples averaged, ends snapped so the whole range stays reachable.
  int sum = 0;
  for (uint8_t i = 0; i < 4; i++) sum += analogRead(PIN_KNOB);
  int v = sum / 4;
  if (v <= 2) return 0;
  if (v >= 1021) return 1023;
  return v;
}

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

// ---------------------------------------------------------------------------
// Outputs

void setOutput(uint8_t i, bool on) {
  int8_t level = on ? 1 : 0;
  if (outputLevel[i] == level) return;
  outputLevel[i] = level;
  digitalWrite(outputPin[i], on ? HIGH : LOW);
}

void updateOutputs(unsigned long now) {
  if (now - bootMs < LAMP_TEST_MS) {
    for (uint8_t i = 0; i < OUT_COUNT; i++) setOutput(i, true);
    return;
  }
  bool online = heardHost && now - lastValidMs < HOST_TIMEOUT_MS;
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

  Serial.begin(BAUD);
  bootMs = millis();
  // Buttons held and the knob position at reset are where things start, not events.
  effectButton.raw = effectButton.stable = digitalRead(PIN_BUTTON_EFFECT) == LOW;
  cameraButton.raw = cameraButton.stable = digitalRead(PIN_BUTTON_CAMERA) == LOW;
  knobSent = readKnob();
  knobReadMs = bootMs;
  updateOutputs(bootMs);
}

void loop() {
  wdt_reset();
  unsigned long now = loopMs = millis();

  while (Serial.available() > 0) receive((char)Serial.read());
  pollButton(effectButton, effectPresses, now);
  pollButton(cameraButton, cameraPresses, now);
  pollKnob(now);
  updateOutputs(now);
  flushOutbox();

  // Idle until the next interrupt: the 1 ms timer tick or a received byte.
  set_sleep_mode(SLEEP_MODE_IDLE);
  sleep_enable();
  sleep_cpu();
  sleep_disable();
}
