#include "lib/ring.h"
#include "lib/string.h"

void ring_init(struct ring *r, void *buf, uint64_t size)
{
	r->buf = buf;
	r->size = size;
	r->written = 0;
}

uint64_t ring_oldest(const struct ring *r)
{
	return r->written > r->size ? r->written - r->size : 0;
}

void ring_write(struct ring *r, const void *data, uint64_t len)
{
	const uint8_t *src = data;
	if (r->size == 0)
		return;
	if (len > r->size) { /* only the last size bytes can stay */
		r->written += len - r->size;
		src += len - r->size;
		len = r->size;
	}
	while (len) {
		uint64_t at = r->written % r->size;
		uint64_t n = r->size - at < len ? r->size - at : len;
		memcpy(r->buf + at, src, n);
		r->written += n;
		src += n;
		len -= n;
	}
}

uint64_t ring_read(const struct ring *r, uint64_t *pos, void *out, uint64_t max, uint64_t *lost)
{
	uint8_t *dst = out;
	uint64_t oldest = ring_oldest(r), done = 0;
	if (lost)
		*lost = *pos < oldest ? oldest - *pos : 0;
	if (*pos < oldest)
		*pos = oldest;
	if (*pos > r->written) /* a position from the future: nothing to read */
		return 0;
	while (done < max && *pos < r->written) {
		uint64_t at = *pos % r->size;
		uint64_t n = r->size - at;
		if (n > r->written - *pos)
			n = r->written - *pos;
		if (n > max - done)
			n = max - done;
		memcpy(dst + done, r->buf + at, n);
		done += n;
		*pos += n;
	}
	return done;
}
