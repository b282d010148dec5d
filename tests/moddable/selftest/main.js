// Runs in mcsim (plain JS: this file is not part of the repository's TypeScript check,
// which has no Moddable typings). Inputs come from the build config (hex strings made
// by the jest side with node:crypto); results go to stdout as "selftest: ..." lines.
import config from "mc/config";
import Time from "time";
import { moddableCrypto } from "../../../hosts/esp32/crypto";
import { nobleCrypto } from "../../../modules/crypto/noble";
import { XsuitError, isXsuitError } from "../../../modules/errors/errors";

const hex = (s) => Uint8Array.from(String(s).match(/../g) ?? [], (h) => parseInt(h, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
let passed = 0, failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed++; else failed++;
  trace(`selftest: ${ok ? "ok" : "FAIL"} ${name}${detail ? ` (${detail})` : ""}\n`);
}
function flip(b, i) { const c = b.slice(); c[i] ^= 1; return c; }

const c = moddableCrypto;
const abc = toHex(c.sha256().update(ascii("abc")).digest());
check("sha256 abc", abc === "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", abc);
const split = c.sha256().update(ascii("a")).update(new Uint8Array(ascii("xbcx")).subarray(1, 3)).digest();
check("sha256 streaming over subarray views", toHex(split) === abc);
const mac = toHex(c.hmacSha256(ascii("Jefe"), ascii("what do ya want for nothing?")));
check("hmac-sha256 RFC 4231 case 2", mac === "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", mac);
const longKey = toHex(c.hmacSha256(new Uint8Array(131).fill(0xaa), ascii("Test Using Larger Than Block-Size Key - Hash Key First")));
check("hmac-sha256 RFC 4231 case 6 (long key)", longKey === "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", longKey);

const msg = hex(config.st_msg), p256key = hex(config.st_p256_pub), p256c = hex(config.st_p256_pub_c), p256sig = hex(config.st_p256_sig);
check("p256 valid", c.verifyP256(p256key, msg, p256sig) === true);
check("p256 valid, compressed key", c.verifyP256(p256c, msg, p256sig) === true);
check("p256 tampered message", c.verifyP256(p256key, flip(msg, 0), p256sig) === false);
check("p256 tampered signature", c.verifyP256(p256key, msg, flip(p256sig, 40)) === false);
const zero = p256sig.slice(); zero.fill(0, 0, 32);
check("p256 r = 0 refused", c.verifyP256(p256key, msg, zero) === false);
check("p256 key off the curve refused", c.verifyP256(flip(p256key, 64), msg, p256sig) === false);
check("p256 short signature refused", c.verifyP256(p256key, msg, p256sig.subarray(0, 63)) === false);

const edkey = hex(config.st_ed_pub), edsig = hex(config.st_ed_sig);
check("ed25519 valid", c.verifyEd25519(edkey, msg, edsig) === true);
check("ed25519 tampered message", c.verifyEd25519(edkey, flip(msg, 3), edsig) === false);
check("ed25519 tampered signature", c.verifyEd25519(edkey, msg, flip(edsig, 10)) === false);

let err;
try { throw new XsuitError("selftest-code", "thrown on Moddable", 4); } catch (e) { err = e; }
check("XsuitError can be constructed on Moddable (frozen Error.prototype)", isXsuitError(err) && err.code === "selftest-code" && err.reason === 4, String(err));

// P-256 verify cost: native ECDSA vs the portable JS backend, same run, same inputs.
const rounds = Number(config.st_rounds ?? 5);
function time(crypto) {
  const t0 = Time.ticks;
  for (let i = 0; i < rounds; i++) if (!crypto.verifyP256(p256key, msg, p256sig)) return -1;
  return (Time.ticks - t0) / rounds;
}
const nativeMs = time(moddableCrypto), jsMs = time(nobleCrypto);
trace(`selftest: p256 verify ms native ${nativeMs.toFixed(1)} js ${jsMs.toFixed(1)} ratio ${(jsMs / nativeMs).toFixed(2)}\n`);
check("p256 timing ran", nativeMs > 0 && jsMs > 0);
trace(`selftest: done ${passed} passed, ${failed} failed\n`);
