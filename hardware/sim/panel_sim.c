/*
 * panel_sim: runs the panel firmware on an emulated ATmega2560 (Arduino Mega
 * 2560) or ATmega328P (Arduino Uno), 16 MHz, with simavr, for tests and
 * benchmarks.
 *
 *   panel_sim [-m atmega2560] [-i PE4=1]... [-a 5=2500]... [-p PL3]... build-mega/monitoring_panel.elf
 *
 *   -m MCU       atmega328p (the default) or atmega2560
 *   -i PIN=L     drive an input pin from the start (a released button is 1)
 *   -a CH=MV     put MV millivolts on ADC channel CH from the start (a joystick at rest)
 *   -p PIN       a servo signal: report its pulse widths (below) instead of its edges
 *
 * UART0 is bridged to a pseudo-terminal; its name is printed first:
 *
 *   PTY /dev/pts/7
 *
 * The bridge is done here rather than with simavr's uart_pty part: in simavr
 * 1.6 that part stops passing input for good once more than its 512-byte
 * buffer arrives faster than the UART takes it (a burst of noise does it), and
 * it feeds the UART from its own thread. Here bytes reach the UART only while
 * its receive FIFO has room, at the pace the firmware reads them, all on the
 * emulator's thread.
 *
 * Every change of an output pin is printed as it happens, with the emulated
 * time in seconds:
 *
 *   PIN PD4 1 t=0.400125
 *
 * A servo pin (-p) is measured instead: whenever the width of its pulses
 * changes by a microsecond or more, the new width in microseconds, timed at the falling edge of the
 * first pulse of that width; 0 when the pulses stop (none for 25 ms):
 *
 *   PULSE PL3 1472.00 t=2.041503
 *
 * Every frame received from the host is printed when its newline reaches the
 * UART, timed when its '$' did (printable lines of up to 80 characters):
 *
 *   RX H,7,1200,900,90,90*3C t=2.019230
 *
 * Commands on standard input, one per line:
 *
 *   PIN PD2 0      drive an input pin low (1: high, e.g. a released button)
 *   PIN PD2 0 60000   the same, and back after 60000 us of emulated time (a press that
 *                  lasts as long for the firmware however far the emulator lags)
 *   ADC 0 2500     put 2500 mV on ADC channel 0 (the knob; channels 0-15 on a Mega)
 *   READ PD2       print the pin's input level: LEVEL PD2 1 t=...
 *   RESET          reset the MCU, as opening the port does on a real Uno
 *   QUIT           stop (so does the end of standard input)
 *
 * Emulated time is held to the wall clock: the emulator sleeps while it is
 * ahead and runs flat out while it is behind, so the firmware's millis() and
 * the host's timeouts measure the same seconds.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "avr_adc.h"
#include "avr_ioport.h"
#include "avr_uart.h"
#include "sim_avr.h"
#include "sim_cycle_timers.h"
#include "sim_elf.h"
#include "sim_irq.h"

#define FREQUENCY 16000000UL
#define SLICE_CYCLES (FREQUENCY / 4000) /* 250 us of emulated time per step */
#define MAX_PORTS 11
#define PULSE_TIMEOUT (FREQUENCY / 40) /* 25 ms without a rising edge: the pulses stopped */
#define MAX_SERVOS 4

/* The microcontrollers the firmware is built for, and the I/O ports each has. */
static const struct mcu_kind {
	const char *name;
	const char *ports;
	int adc_channels;
} MCUS[] = {
	{"atmega328p", "BCD", 8},
	{"atmega2560", "ABCDEFGHJKL", 16},
};
static const struct mcu_kind *mcu = &MCUS[0];

static avr_t *avr;
static avr_uart_t *uart0;
static avr_irq_t *uart0_in;
static int pty_master = -1;
DEFINE_FIFO(uint16_t, uart_fifo); /* the accessors for avr_uart_t's receive FIFO */

/* Bytes the firmware sent that the pty has not taken yet. */
static uint8_t tx_buf[8192];
static size_t tx_len;

typedef struct pin_ref {
	char port;
	int bit;
	int servo; /* index into servos[], or -1 */
} pin_ref;
static pin_ref pins[MAX_PORTS][8];

/* A servo signal pin, measured pulse by pulse. */
typedef struct servo_pin {
	char name[4];
	avr_cycle_count_t rose;   /* cycle of the last rising edge, 0 before the first */
	avr_cycle_count_t width;  /* cycles of the last reported width, 0 while there are no pulses */
} servo_pin;
static servo_pin servos[MAX_SERVOS];
static int nservos;

/* The frame being received from the host, for the RX lines. */
static char rx_line[81];
static size_t rx_len;
static int rx_framing;
static double rx_started;

static double monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double emulated_seconds(void)
{
	return (double)avr->cycle / (double)avr->frequency;
}

static int port_index(char port)
{
	return (int)(strchr(mcu->ports, port) - mcu->ports);
}

/* A servo's pulse ended: report its width if it changed by a microsecond or more (simavr's
 * timers make the edges of a steady pulse wander by a fraction of one). */
static void servo_fell(servo_pin *servo)
{
	if (!servo->rose)
		return;
	avr_cycle_count_t width = avr->cycle - servo->rose;
	avr_cycle_count_t diff = width > servo->width ? width - servo->width : servo->width - width;
	if (diff >= FREQUENCY / 1000000) {
		servo->width = width;
		printf("PULSE %s %.2f t=%.6f\n", servo->name, (double)width * 1e6 / FREQUENCY, emulated_seconds());
	}
}

/* Reports servos whose pulses have stopped. */
static void check_servos(void)
{
	for (int i = 0; i < nservos; i++) {
		servo_pin *servo = &servos[i];
		if (servo->width && avr->cycle - servo->rose > PULSE_TIMEOUT) {
			servo->width = 0;
			printf("PULSE %s 0 t=%.6f\n", servo->name, emulated_seconds());
		}
	}
}

/* Called by simavr whenever a port pin's level changes; inputs are not reported. */
static void pin_changed(struct avr_irq_t *irq, uint32_t value, void *param)
{
	pin_ref *ref = (pin_ref *)param;
	avr_ioport_state_t state;
	if (avr_ioctl(avr, AVR_IOCTL_IOPORT_GETSTATE(ref->port), &state) != 0)
		return;
	if (!((state.ddr >> ref->bit) & 1))
		return;
	if (ref->servo >= 0) {
		servo_pin *servo = &servos[ref->servo];
		if (value & 1)
			servo->rose = avr->cycle;
		else
			servo_fell(servo);
		return;
	}
	printf("PIN P%c%d %u t=%.6f\n", ref->port, ref->bit, value & 1, emulated_seconds());
}

static int parse_pin(const char *name, char *port, int *bit)
{
	if (strlen(name) != 3 || name[0] != 'P' || !name[1] || !strchr(mcu->ports, name[1]) || name[2] < '0' ||
	    name[2] > '7')
		return -1;
	*port = name[1];
	*bit = name[2] - '0';
	return 0;
}

/* Drives an input pin from outside, and keeps it there when the firmware writes its port. */
static void drive_pin(char port, int bit, int level)
{
	static uint8_t mask[MAX_PORTS], value[MAX_PORTS];
	int p = port_index(port);
	mask[p] |= (uint8_t)(1 << bit);
	value[p] = (uint8_t)((value[p] & ~(1 << bit)) | ((level ? 1 : 0) << bit));
	avr_ioport_external_t ext = {.name = port, .mask = mask[p], .value = value[p]};
	avr_ioctl(avr, AVR_IOCTL_IOPORT_SET_EXTERNAL(port), &ext);
	avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(port), bit), level ? 1 : 0);
}

/* A pin to drive back after a while: one slot per port pin. */
typedef struct timed_drive {
	char port;
	int bit;
	int level;
} timed_drive;
static timed_drive timed[MAX_PORTS][8];

static avr_cycle_count_t drive_back(struct avr_t *avr_, avr_cycle_count_t when, void *param)
{
	timed_drive *t = (timed_drive *)param;
	drive_pin(t->port, t->bit, t->level);
	return 0;
}

static int command(char *line)
{
	char name[16];
	unsigned a, b;
	char port;
	int bit;
	if (sscanf(line, "PIN %15s %u %u", name, &a, &b) == 3 && parse_pin(name, &port, &bit) == 0 && a <= 1 &&
	    b > 0) {
		timed_drive *t = &timed[port_index(port)][bit];
		*t = (timed_drive){.port = port, .bit = bit, .level = !a};
		avr_cycle_timer_cancel(avr, drive_back, t);
		drive_pin(port, bit, (int)a);
		avr_cycle_timer_register_usec(avr, b, drive_back, t);
	} else if (sscanf(line, "PIN %15s %u", name, &a) == 2 && parse_pin(name, &port, &bit) == 0 && a <= 1) {
		drive_pin(port, bit, (int)a);
	} else if (sscanf(line, "ADC %u %u", &a, &b) == 2 && (int)a < mcu->adc_channels && b <= 5500) {
		avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + a), b);
	} else if (sscanf(line, "READ %15s", name) == 1 && parse_pin(name, &port, &bit) == 0) {
		avr_ioport_state_t state;
		avr_ioctl(avr, AVR_IOCTL_IOPORT_GETSTATE(port), &state);
		printf("LEVEL %s %u t=%.6f\n", name, (state.pin >> bit) & 1, emulated_seconds());
	} else if (strncmp(line, "RESET", 5) == 0) {
		avr_reset(avr);
		for (int i = 0; i < nservos; i++)
			servos[i].rose = 0;
		printf("RESET t=%.6f\n", emulated_seconds());
	} else if (strncmp(line, "QUIT", 4) == 0) {
		return 1;
	} else if (line[0]) {
		fprintf(stderr, "panel_sim: unknown command: %s\n", line);
	}
	return 0;
}

/* The firmware wrote a byte to UDR0. */
static void uart_output(struct avr_irq_t *irq, uint32_t value, void *param)
{
	if (tx_len == sizeof(tx_buf))
		tx_len = 0; /* nobody has read for a long while: drop it, as a line would */
	tx_buf[tx_len++] = (uint8_t)value;
}

/* Keeps the frame the host is sending, to print it when it ends. */
static void note_received(uint8_t byte)
{
	if (byte == '$') {
		rx_framing = 1;
		rx_len = 0;
		rx_started = emulated_seconds();
	} else if (byte == '\n' || byte == '\r') {
		if (rx_framing) {
			rx_line[rx_len] = '\0';
			printf("RX %s t=%.6f\n", rx_line, rx_started);
		}
		rx_framing = 0;
	} else if (rx_framing) {
		if (byte < 0x20 || byte > 0x7e || rx_len == sizeof(rx_line) - 1)
			rx_framing = 0; /* noise, or too long to be a frame: not printed */
		else
			rx_line[rx_len++] = (char)byte;
	}
}

/* Moves bytes between the pty and UART0; never blocks. */
static void pump_uart(void)
{
	if (tx_len) {
		ssize_t n = write(pty_master, tx_buf, tx_len);
		if (n > 0) {
			memmove(tx_buf, tx_buf + n, tx_len - (size_t)n);
			tx_len -= (size_t)n;
		}
	}
	/* Only as much as the UART's FIFO holds: the rest waits in the pty, as on a wire. */
	while (!uart_fifo_isfull(&uart0->input)) {
		uint8_t byte;
		if (read(pty_master, &byte, 1) != 1)
			break;
		note_received(byte);
		avr_raise_irq(uart0_in, byte);
	}
}

static void open_pty(void)
{
	int slave;
	char name[128];
	if (openpty(&pty_master, &slave, name, NULL, NULL) < 0) {
		perror("panel_sim: openpty");
		exit(1);
	}
	struct termios tio;
	tcgetattr(slave, &tio);
	cfmakeraw(&tio);
	tcsetattr(slave, TCSANOW, &tio);
	/* The slave stays open here, so the master keeps working while no host has it open. */
	fcntl(pty_master, F_SETFL, fcntl(pty_master, F_GETFL) | O_NONBLOCK);
	printf("PTY %s\n", name);
}

static void connect_uart(void)
{
	for (avr_io_t *io = avr->io_port; io; io = io->next)
		if (io->kind && strcmp(io->kind, "uart") == 0 && ((avr_uart_t *)io)->name == '0')
			uart0 = (avr_uart_t *)io;
	if (!uart0) {
		fprintf(stderr, "panel_sim: no UART0 on this core\n");
		exit(1);
	}
	/* Keep the UART from also printing what the firmware sends on our stdout. */
	uint32_t flags = 0;
	avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
	flags &= ~AVR_UART_FLAG_STDIO;
	avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
	uart0_in = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), uart_output, NULL);
}

/* Reads whatever is on standard input; returns 1 when the emulator should stop. */
static int read_commands(void)
{
	static char buf[256];
	static size_t len;
	ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
	if (n == 0)
		return 1;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : 1;
	len += (size_t)n;
	buf[len] = '\0';
	char *start = buf, *nl;
	while ((nl = strchr(start, '\n')) != NULL) {
		*nl = '\0';
		if (command(start))
			return 1;
		start = nl + 1;
	}
	len = strlen(start);
	memmove(buf, start, len);
	if (len == sizeof(buf) - 1)
		len = 0; /* an overlong command line is dropped */
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: panel_sim [-m atmega328p|atmega2560] [-i PD2=1]... [-a 5=2500]... [-p PL3]... FIRMWARE.elf\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *initial[32], *analog[16], *servo_names[MAX_SERVOS];
	int ninitial = 0, nanalog = 0, nservo_names = 0;
	int opt;
	while ((opt = getopt(argc, argv, "m:i:a:p:")) != -1) {
		if (opt == 'm') {
			mcu = NULL;
			for (size_t i = 0; i < sizeof(MCUS) / sizeof(MCUS[0]); i++)
				if (strcmp(optarg, MCUS[i].name) == 0)
					mcu = &MCUS[i];
			if (!mcu)
				usage();
		} else if (opt == 'i' && ninitial < 32) {
			initial[ninitial++] = optarg;
		} else if (opt == 'a' && nanalog < 16) {
			analog[nanalog++] = optarg;
		} else if (opt == 'p' && nservo_names < MAX_SERVOS) {
			servo_names[nservo_names++] = optarg;
		} else {
			usage();
		}
	}
	if (optind != argc - 1)
		usage();

	setvbuf(stdout, NULL, _IOLBF, 0);

	elf_firmware_t firmware;
	memset(&firmware, 0, sizeof(firmware));
	if (elf_read_firmware(argv[optind], &firmware) != 0) {
		fprintf(stderr, "panel_sim: cannot read firmware %s\n", argv[optind]);
		return 1;
	}
	strcpy(firmware.mmcu, mcu->name);
	firmware.frequency = FREQUENCY;
	avr = avr_make_mcu_by_name(mcu->name);
	if (!avr) {
		fprintf(stderr, "panel_sim: simavr has no %s core\n", mcu->name);
		return 1;
	}
	avr_init(avr);
	avr->log = LOG_WARNING;
	avr_load_firmware(avr, &firmware);
	avr->frequency = FREQUENCY;
	avr->vcc = avr->avcc = avr->aref = 5000;

	for (int p = 0; mcu->ports[p]; p++) {
		for (int bit = 0; bit < 8; bit++) {
			pins[p][bit].port = mcu->ports[p];
			pins[p][bit].bit = bit;
			pins[p][bit].servo = -1;
			avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(mcu->ports[p]), bit),
			                        pin_changed, &pins[p][bit]);
		}
	}
	for (int i = 0; i < nservo_names; i++) {
		char port;
		int bit;
		if (parse_pin(servo_names[i], &port, &bit) != 0)
			usage();
		strcpy(servos[nservos].name, servo_names[i]);
		pins[port_index(port)][bit].servo = nservos++;
	}
	for (int i = 0; i < nanalog; i++) {
		unsigned channel, millivolts;
		if (sscanf(analog[i], "%u=%u", &channel, &millivolts) != 2 || (int)channel >= mcu->adc_channels ||
		    millivolts > 5500)
			usage();
		avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + channel), millivolts);
	}
	for (int i = 0; i < ninitial; i++) {
		char name[4] = {0};
		char port;
		int bit;
		if (strlen(initial[i]) != 5 || initial[i][3] != '=')
			usage();
		memcpy(name, initial[i], 3);
		if (parse_pin(name, &port, &bit) != 0)
			usage();
		drive_pin(port, bit, initial[i][4] == '1');
	}

	connect_uart();
	open_pty();

	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);

	const double start = monotonic_seconds();
	const avr_cycle_count_t start_cycle = avr->cycle;
	int stop = 0;
	while (!stop) {
		avr_cycle_count_t until = avr->cycle + SLICE_CYCLES;
		while (avr->cycle < until) {
			int state = avr_run(avr);
			if (state == cpu_Done || state == cpu_Crashed) {
				printf("STATE %s t=%.6f\n", state == cpu_Done ? "done" : "crashed", emulated_seconds());
				return 3;
			}
		}
		pump_uart();
		check_servos();
		/* Sleep off any lead over the wall clock, waking early for a command. */
		for (;;) {
			double ahead = (double)(avr->cycle - start_cycle) / FREQUENCY - (monotonic_seconds() - start);
			struct timeval timeout = {0, 0};
			if (ahead > 0) {
				timeout.tv_sec = (time_t)ahead;
				timeout.tv_usec = (suseconds_t)((ahead - (double)timeout.tv_sec) * 1e6);
			}
			fd_set readable;
			FD_ZERO(&readable);
			FD_SET(STDIN_FILENO, &readable);
			if (select(STDIN_FILENO + 1, &readable, NULL, NULL, &timeout) <= 0)
				break;
			if ((stop = read_commands()))
				break;
		}
	}
	return 0;
}
