// Interim (1xx) responses from the origin (RFC 9110 section 15.2): "A client
// MUST be able to parse one or more 1xx responses received prior to a final
// response". workerd's fetch() does not: it resolves with the first 1xx
// (102 Processing, 103 Early Hints) as if it were final, and hands over the
// rest of the connection - the final response's status line, header section
// and framed body, raw - as that response's body, ending only when the
// origin closes the connection (tests/conformance/platform_limits.mjs,
// check 4). finalResponse() recovers the final response from those bytes,
// so an origin that sends interim responses never fails a request. The
// interim responses themselves are dropped: a worker cannot send a 1xx to
// its client, and an interim response is never stored (RFC 9111 section 3:
// only final responses are).

const MAX_HEAD = 65536; // bytes of one header section
const MAX_INTERIM = 16; // interim responses before the final one
const NULL_BODY = new Set([204, 205, 304]);
const latin1 = new TextDecoder('latin1');

/** The origin's answer could not be read: treated like a failed fetch. */
export class InterimResponseError extends Error {}

function isInterim(status) {
  return status >= 100 && status <= 199 && status !== 101;
}

// The bytes of the connection after the interim response, read as needed.
class Bytes {
  constructor(reader) {
    this.reader = reader;
    this.buf = new Uint8Array(0);
  }

  async more() {
    const { done, value } = await this.reader.read();
    if (done) return false;
    const next = new Uint8Array(this.buf.length + value.length);
    next.set(this.buf);
    next.set(value, this.buf.length);
    this.buf = next;
    return true;
  }

  // Index of the first CRLF at or after `from`, -1 when none yet.
  crlf(from = 0) {
    for (let i = from; i + 1 < this.buf.length; i++) if (this.buf[i] === 13 && this.buf[i + 1] === 10) return i;
    return -1;
  }

  take(n) {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  cancel() {
    this.reader.cancel().catch(() => {});
  }
}

// RFC 9112 section 2.1 / 4: status-line CRLF *( field-line CRLF ) CRLF.
async function readHead(bytes) {
  let end;
  while ((end = headEnd(bytes.buf)) < 0) {
    if (bytes.buf.length > MAX_HEAD) throw new InterimResponseError('origin header section too large');
    if (!(await bytes.more())) throw new InterimResponseError('origin closed the connection before its final response');
  }
  const lines = latin1.decode(bytes.take(end + 4)).slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] ([1-5][0-9]{2})(?: ([\t\x20-\x7e\x80-\xff]*))?$/.exec(lines[0]);
  if (!m) throw new InterimResponseError('origin sent an invalid status line');
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    // No obs-fold (RFC 9112 5.2) and no whitespace before the colon (5.1).
    if (colon <= 0 || /[\s]/.test(line[0]) || /\s$/.test(line.slice(0, colon))) {
      throw new InterimResponseError('origin sent an invalid field line');
    }
    try {
      headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
    } catch {
      throw new InterimResponseError('origin sent an invalid field line');
    }
  }
  return { status: Number(m[1]), statusText: m[2] ?? '', headers };
}

function headEnd(buf) {
  for (let i = 0; i + 3 < buf.length; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  }
  return -1;
}

// RFC 9112 section 6.3: the body's length. Chunked transfer coding, a
// Content-Length, or everything until the connection closes.
function framing(headers) {
  const te = headers.get('transfer-encoding');
  if (te !== null) {
    const codings = te.split(',').map((c) => c.trim().toLowerCase());
    if (codings[codings.length - 1] !== 'chunked') return { kind: 'close' };
    if (codings.length > 1) throw new InterimResponseError('origin sent an unsupported transfer coding');
    return { kind: 'chunked' };
  }
  const cl = headers.get('content-length');
  if (cl === null) return { kind: 'close' };
  const values = new Set(cl.split(',').map((v) => v.trim()));
  const [only] = values;
  if (values.size !== 1 || !/^[0-9]{1,15}$/.test(only)) throw new InterimResponseError('origin sent an invalid Content-Length');
  return { kind: 'length', remaining: Number(only) };
}

// The body as a stream: the framed bytes, then the connection is let go.
function bodyStream(bytes, frame) {
  let chunk = -1; // chunked: bytes left in the current chunk, -1 = read a size line
  let trailers = false;
  const done = (controller) => {
    bytes.cancel();
    controller.close();
  };
  return new ReadableStream({
    async pull(controller) {
      for (;;) {
        if (frame.kind === 'length') {
          if (frame.remaining === 0) return done(controller);
          if (bytes.buf.length) {
            const part = bytes.take(Math.min(frame.remaining, bytes.buf.length));
            frame.remaining -= part.length;
            controller.enqueue(part.slice());
            return;
          }
        } else if (frame.kind === 'chunked') {
          if (trailers) {
            // RFC 9112 7.1.2: trailer fields, then an empty line; dropped.
            const eol = bytes.crlf();
            if (eol === 0) {
              bytes.take(2);
              return done(controller);
            }
            if (eol > 0) {
              bytes.take(eol + 2);
              continue;
            }
          } else if (chunk < 0) {
            const eol = bytes.crlf();
            if (eol >= 0) {
              const line = latin1.decode(bytes.take(eol + 2)).slice(0, eol);
              const m = /^([0-9a-fA-F]{1,8})[\t ]*(?:;.*)?$/.exec(line);
              if (!m) throw new InterimResponseError('origin sent an invalid chunk size');
              chunk = parseInt(m[1], 16);
              if (chunk === 0) trailers = true;
              continue;
            }
            if (bytes.buf.length > MAX_HEAD) throw new InterimResponseError('origin sent an invalid chunk size');
          } else if (chunk === 0) {
            // The CRLF after a chunk's data.
            if (bytes.buf.length >= 2) {
              if (bytes.buf[0] !== 13 || bytes.buf[1] !== 10) throw new InterimResponseError('origin sent an invalid chunk');
              bytes.take(2);
              chunk = -1;
              continue;
            }
          } else if (bytes.buf.length) {
            const part = bytes.take(Math.min(chunk, bytes.buf.length));
            chunk -= part.length; // at 0: the CRLF after the data comes next
            controller.enqueue(part.slice());
            return;
          }
        } else if (bytes.buf.length) {
          controller.enqueue(bytes.take(bytes.buf.length).slice());
          return;
        }
        if (!(await bytes.more())) {
          if (frame.kind === 'close') return controller.close();
          throw new InterimResponseError('origin closed the connection inside the body');
        }
      }
    },
    cancel() {
      bytes.cancel();
    },
  });
}

/**
 * The origin's final response. A response that is not interim is returned
 * as it is; for an interim one (see above) the final response is read from
 * its body. Rejects with InterimResponseError when those bytes are not a
 * valid HTTP/1.1 response.
 * @param {Response} resp what fetch() resolved with
 * @param {string} method the request's method (a HEAD answer has no body)
 */
export async function finalResponse(resp, method) {
  if (!isInterim(resp.status)) return resp;
  if (!resp.body) throw new InterimResponseError(`origin answered ${resp.status} with nothing after it`);
  const bytes = new Bytes(resp.body.getReader());
  try {
    for (let interim = 1; ; interim++) {
      const { status, statusText, headers } = await readHead(bytes);
      if (isInterim(status)) {
        if (interim >= MAX_INTERIM) throw new InterimResponseError('origin sent too many interim responses');
        continue;
      }
      if (status === 101) throw new InterimResponseError('origin switched protocols');
      if (method === 'HEAD' || NULL_BODY.has(status)) {
        bytes.cancel();
        return new Response(null, { status, statusText, headers });
      }
      const frame = framing(headers);
      // The body is handed over decoded; other hop-by-hop fields are
      // dropped where every origin response's are (response_headers.js).
      headers.delete('transfer-encoding');
      return new Response(bodyStream(bytes, frame), { status, statusText, headers });
    }
  } catch (err) {
    bytes.cancel();
    throw err;
  }
}
