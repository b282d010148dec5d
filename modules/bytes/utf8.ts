// Strict UTF-8 (RFC 3629) without relying on TextEncoder/TextDecoder, which not every
// XS build has. Overlong forms, surrogates and code points above U+10FFFF are errors.
import { XsuitError } from '../errors/errors';

export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

function bad(at: number): never {
  throw new XsuitError('utf8-invalid', `invalid UTF-8 at byte ${at}`, 1);
}

export function utf8Decode(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let c: number;
    let n: number;
    let min: number;
    if (b < 0x80) { s += String.fromCharCode(b); i++; continue; }
    else if (b >= 0xc2 && b <= 0xdf) { c = b & 0x1f; n = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { c = b & 0x0f; n = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { c = b & 0x07; n = 3; min = 0x10000; }
    else bad(i);
    if (i + n >= bytes.length) bad(i); // truncated sequence
    for (let k = 1; k <= n; k++) {
      const cont = bytes[i + k];
      if ((cont & 0xc0) !== 0x80) bad(i + k);
      c = (c << 6) | (cont & 63);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) bad(i);
    if (c >= 0x10000) {
      c -= 0x10000;
      s += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
    } else {
      s += String.fromCharCode(c);
    }
    i += n + 1;
  }
  return s;
}
