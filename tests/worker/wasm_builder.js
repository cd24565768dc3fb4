// A tiny WebAssembly binary writer for failure-injection tests: modules
// that speak the wrong ABI version or trap inside a call.

const I32 = 0x7f;

function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n) {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const name = (s) => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));

/** Body that returns an i32 constant. */
export const returns = (value) => [0x41, ...sleb(value)];
/** Body that traps. */
export const traps = () => [0x00];

/**
 * Builds a module exporting `memory` and the given functions.
 * @param {Array<{name: string, params: number, body: number[]}>} funcs
 *   each takes `params` i32 (f64 for params named in f64Params) and returns i32
 */
export function buildModule(funcs) {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec([[I32]])]);
  const typeSec = section(1, vec(types));
  const funcSec = section(3, vec(funcs.map((_, i) => uleb(i))));
  const memSec = section(5, vec([[0x00, ...uleb(1)]]));
  const exports = [[...name('memory'), 0x02, 0x00], ...funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])];
  const expSec = section(7, vec(exports));
  const bodies = funcs.map((f) => {
    const body = [0x00, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const codeSec = section(10, vec(bodies));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...typeSec, ...funcSec, ...memSec, ...expSec, ...codeSec]);
}

export const T = { I32, F64: 0x7c };
