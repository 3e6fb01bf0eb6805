/* A byte ring: the newest `size` bytes of a stream that may be written forever. Readers
 * keep their own position in the stream, so several can follow it, and learn how much
 * they missed when the writer overtook them. No allocation: the caller hands the buffer. */
#ifndef KEEL_LIB_RING_H
#define KEEL_LIB_RING_H

#include <stdint.h>

struct ring {
	uint8_t *buf;
	uint64_t size;
	uint64_t written; /* bytes written since ring_init: the stream position of the end */
};

void ring_init(struct ring *r, void *buf, uint64_t size);
/* Appends len bytes; when the ring is full the oldest bytes go. */
void ring_write(struct ring *r, const void *data, uint64_t len);
/* Copies up to max bytes of the stream from *pos on into out and advances *pos. If *pos is
 * older than the oldest byte kept, reading starts there and *lost (if not NULL) says how
 * many bytes were skipped. Returns the number of bytes copied. */
uint64_t ring_read(const struct ring *r, uint64_t *pos, void *out, uint64_t max, uint64_t *lost);
/* Stream position of the oldest byte still in the ring. */
uint64_t ring_oldest(const struct ring *r);

#endif
