// The exhaustive sweep: every one of the 255 other values at every byte position. Run in
// Node only (tests/mutation-full.test.ts): in XS it would cost tens of billions of meter
// ticks. The XS run does the three-flip sweep of mutation.cases.ts instead. Signature
// bytes of example 0 are left to that sweep: each value there is just another signature,
// and 16 000 P-256 verifications would add nothing but time.
import { defineCases } from '../harness/device-case';
import { ok } from '../harness/check';
import { judge, setup, summary } from './mutation-support';

export default defineCases('SUIT exhaustive single-byte mutation (Node)', (add) => {
  add('libcsuit expAW (HMAC): every value at every byte', (env) => {
    const { env: cenv, bytes, policy, original, tally } = setup(env, 'libcsuit/suit_manifest_expAW.cbor', 'hmac:keys/libcsuit_hmac256.hex');
    for (let i = 0; i < bytes.length; i++) {
      for (let v = 0; v < 256; v++) {
        if (v === bytes[i]) continue;
        const m = bytes.slice();
        m[i] = v;
        judge(m, policy, cenv, original, `byte ${i} = ${v}`, tally);
      }
    }
    ok(tally.rejected + tally.sameMeaning === bytes.length * 255, 'every mutant judged');
    summary(env, 'expAW all values', tally);
  });

  add('draft example 0 (ES256): every value at every byte outside the 64 signature bytes', (env) => {
    const { env: cenv, bytes, policy, original, tally } = setup(env, 'draft37/example0_signed.cbor', 'keys/draft_appendixB_p256_public.pem');
    // the signature is the last item of the authentication wrapper: 64 bytes ending just
    // before the manifest member (key 03, bstr head 58 71, 113 bytes)
    const sigEnd = bytes.length - 113 - 3;
    for (let i = 0; i < bytes.length; i++) {
      if (i >= sigEnd - 64 && i < sigEnd) continue;
      for (let v = 0; v < 256; v++) {
        if (v === bytes[i]) continue;
        const m = bytes.slice();
        m[i] = v;
        judge(m, policy, cenv, original, `byte ${i} = ${v}`, tally);
      }
    }
    ok(tally.rejected > 40000, 'swept');
    summary(env, 'example0 all values', tally);
  });
});
