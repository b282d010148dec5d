// `xsuit inspect`: an envelope as a readable tree with SUIT names for every key, each
// command sequence decoded, digests in hex and text fields as text. It authenticates
// nothing: it shows what the bytes say, and whether the claimed digest matches.
import { readFileSync } from 'node:fs';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { parseArgs } from '../../authoring/cli/args';
import { decode, CborTag, type CborValue } from '../../../modules/cbor/index';
import { parseEnvelope, parseSequence, suitNames as N, type Command } from '../../../modules/suit/index';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { toHex } from '../../../modules/bytes/hex';
import { bytesEqual } from '../../../modules/bytes/compare';
import { ALG_NAMES } from '../../../modules/trust/anchors';
import { isXsuitError } from '../../../modules/errors/errors';

/** A JSON-able tree node: a label and either a value or children. */
interface Node { label: string; value?: unknown; children?: Node[] }

const DIGEST_ALGS: Record<number, string> = { [-16]: 'sha-256', [-18]: 'shake128', [-43]: 'sha-384', [-44]: 'sha-512' };
const PRINTABLE = /^[\x20-\x7e]*$/;

function bytesText(b: Uint8Array): string {
  const ascii = String.fromCharCode(...b.subarray(0, 64));
  return b.length > 0 && b.length <= 64 && PRINTABLE.test(ascii) ? `h'${toHex(b)}' ("${ascii}")` : `h'${toHex(b)}'`;
}

function valueText(v: CborValue): string {
  if (v instanceof Uint8Array) return bytesText(v);
  if (v instanceof CborTag) return `${v.tag}(${valueText(v.value)})`;
  if (Array.isArray(v)) return `[${v.map(valueText).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${valueText(k)}: ${valueText(x)}`).join(', ')}}`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function digestText(v: CborValue): string {
  const d = v instanceof Uint8Array ? tryDecode(v) : v;
  if (Array.isArray(d) && typeof d[0] === 'number' && d[1] instanceof Uint8Array) return `${DIGEST_ALGS[d[0]] ?? d[0]} ${toHex(d[1])}`;
  return valueText(v);
}

function tryDecode(b: Uint8Array): CborValue {
  try { return decode(b); } catch { return b; }
}

function paramNode(label: CborValue, v: CborValue): Node {
  const name = typeof label === 'number' ? N.PARAM_NAMES[label] ?? `parameter-${label}` : valueText(label);
  if (label === N.Param.imageDigest) return { label: name, value: digestText(v) };
  if (v instanceof Uint8Array && (label === N.Param.version || label === N.Param.waitInfo || label === N.Param.componentMetadata)) {
    return { label: name, value: valueText(tryDecode(v)) };
  }
  return { label: name, value: valueText(v) };
}

function commandNodes(cmds: Command[]): Node[] {
  return cmds.map((c) => {
    const name = N.COMMAND_NAMES[c.op];
    if (c.op === N.Cmd.overrideParameters || c.op === N.Cmd.setParameters) {
      return { label: name, children: c.arg instanceof Map ? [...c.arg].map(([k, v]) => paramNode(k, v)) : [] };
    }
    if (c.op === N.Cmd.overrideMultiple && c.arg instanceof Map) {
      return { label: name, children: [...c.arg].map(([i, m]) => ({ label: `component ${valueText(i)}`, children: m instanceof Map ? [...m].map(([k, v]) => paramNode(k, v)) : [] })) };
    }
    if (c.op === N.Cmd.tryEach) {
      return { label: name, children: (c.nested ?? []).map((s, i) => s ? { label: `option ${i}`, children: commandNodes(s) } : { label: `option ${i}`, value: 'nil (always succeeds)' }) };
    }
    if (c.op === N.Cmd.runSequence) return { label: name, children: commandNodes(c.nested?.[0] ?? []) };
    if (c.op === N.Cmd.setComponentIndex || c.op === N.Cmd.copyParams) return { label: name, value: valueText(c.arg) };
    return { label: name, value: `report-policy ${valueText(c.arg)}` };
  });
}

function sequenceNode(label: string, bytes: Uint8Array): Node {
  try {
    return { label, children: commandNodes(parseSequence(bytes)) };
  } catch (e) {
    return { label, value: `undecodable sequence: ${(e as Error).message}` };
  }
}

function textEntries(map: Map<CborValue, CborValue>, names: Record<number, string>): Node[] {
  return [...map].map(([k, v]): Node => {
    if (typeof k === 'number') return { label: names[k] ?? `text-${k}`, value: valueText(v) };
    if (typeof k === 'string' && v instanceof Map) return { label: `language ${JSON.stringify(k)}`, children: textEntries(v, N.TEXT_KEY_NAMES) };
    if (Array.isArray(k) && v instanceof Map) return { label: `component ${valueText(k)}`, children: textEntries(v, N.TEXT_COMPONENT_KEY_NAMES) };
    return { label: valueText(k), value: valueText(v) };
  });
}

function textNode(text: Map<CborValue, CborValue>): Node {
  return { label: 'text', children: textEntries(text, N.TEXT_KEY_NAMES) };
}

function authBlockNode(block: Uint8Array, i: number): Node {
  const v = tryDecode(block);
  if (!(v instanceof CborTag) || !Array.isArray(v.value) || !(v.value[0] instanceof Uint8Array)) return { label: `block ${i}`, value: bytesText(block) };
  const kind = v.tag === 18 ? 'COSE_Sign1' : v.tag === 17 ? 'COSE_Mac0' : `tag ${v.tag}`;
  const prot = v.value[0].length ? tryDecode(v.value[0]) : new Map();
  const alg = prot instanceof Map ? prot.get(1) : undefined;
  const children: Node[] = [{ label: 'alg', value: typeof alg === 'number' ? `${ALG_NAMES[alg] ?? 'unknown'} (${alg})` : valueText(alg ?? null) }];
  const hdrs = [prot, v.value[1]];
  for (const h of hdrs) if (h instanceof Map && h.get(4) instanceof Uint8Array) children.push({ label: 'kid', value: bytesText(h.get(4) as Uint8Array) });
  if (v.value[3] instanceof Uint8Array) children.push({ label: kind === 'COSE_Mac0' ? 'tag' : 'signature', value: toHex(v.value[3]) });
  return { label: `${kind} #${i}`, children };
}

function inspectTree(bytes: Uint8Array): Node {
  const e = parseEnvelope(bytes, nobleCrypto);
  const m = e.manifest;
  const auth: Node = { label: 'authentication-wrapper', children: [] };
  if (e.claimedDigest) {
    const matches = bytesEqual(e.claimedDigest.bytes, e.computedDigest);
    auth.children!.push({ label: 'digest', value: `${DIGEST_ALGS[e.claimedDigest.alg] ?? e.claimedDigest.alg} ${toHex(e.claimedDigest.bytes)} (${matches ? 'matches the manifest' : `DOES NOT MATCH: manifest is ${toHex(e.computedDigest)}`})` });
  } else auth.value = 'absent';
  e.authBlocks.forEach((b, i) => auth.children!.push(authBlockNode(b, i + 1)));
  if (e.authBlocks.length === 0 && e.claimedDigest) auth.children!.push({ label: 'authentication blocks', value: 'none (unsigned)' });

  const man: Node[] = [
    { label: 'manifest-version', value: m.version },
    { label: 'manifest-sequence-number', value: m.sequence },
  ];
  const common: Node[] = [{ label: 'components', children: m.components.map((c, i) => ({ label: `${i}`, value: `[${c.map(bytesText).join(', ')}]` })) }];
  if (m.dependencies.size) common.push({ label: 'dependencies', children: [...m.dependencies].map(([i, d]) => ({ label: `${i}`, value: d.prefix ? `prefix [${d.prefix.map(bytesText).join(', ')}]` : 'no prefix' })) });
  if (m.shared) common.push(sequenceNode('shared-sequence', m.shared));
  man.push({ label: 'common', children: common });
  if (m.referenceUri) man.push({ label: 'reference-uri', value: m.referenceUri });
  if (m.manifestComponentId) man.push({ label: 'manifest-component-id', value: `[${m.manifestComponentId.map(bytesText).join(', ')}]` });
  const known = new Set<CborValue>([1, 2, 3, 4, 5]);
  for (const [k, v] of m.raw) {
    if (known.has(k)) continue;
    const name = typeof k === 'number' ? N.MANIFEST_KEY_NAMES[k] ?? `manifest-key-${k}` : valueText(k);
    if (typeof k === 'number' && m.severedDigests.has(k)) {
      const state = e.severable[k];
      const node: Node = { label: `${name} (severable)`, value: `digest ${digestText(v)}; ${state === 'present' ? 'present in the envelope' : 'severed (absent)'}` };
      const body = m.sections.get(k);
      if (body && k !== N.Man.text && k !== N.Man.coswid) node.children = [sequenceNode('sequence', body)];
      man.push(node);
    } else if (k === N.Man.text && m.text) man.push(textNode(m.text));
    else if (typeof k === 'number' && m.sections.has(k) && k !== N.Man.coswid) man.push(sequenceNode(name, m.sections.get(k)!));
    else man.push({ label: name, value: v instanceof Uint8Array ? valueText(tryDecode(v)) : valueText(v) });
  }
  if (m.text && m.severedDigests.has(N.Man.text)) man.push(textNode(m.text));

  const top: Node[] = [auth, { label: `manifest (${e.manifestBytes.length} bytes, sha-256 ${toHex(e.computedDigest)})`, children: man }];
  for (const [k, v] of e.envelope) {
    if (k === 2 || k === 3) continue;
    if (typeof k === 'string') top.push({ label: `integrated payload ${JSON.stringify(k)}`, value: `${(v as Uint8Array).length} bytes` });
    else if (typeof k === 'number' && N.ENVELOPE_KEY_NAMES[k]) top.push({ label: `${N.ENVELOPE_KEY_NAMES[k]} (severed member)`, value: `${(v as Uint8Array).length} bytes` });
    else top.push({ label: `envelope-key-${valueText(k)}`, value: valueText(v) });
  }
  return { label: `SUIT_Envelope${e.tagged ? ' (tag 107)' : ' (untagged)'}, ${bytes.length} bytes — NOT authenticated by inspect`, children: top };
}

function render(node: Node, indent = ''): string[] {
  const head = `${indent}${node.label}${node.value !== undefined ? `: ${node.value}` : ''}`;
  return [head, ...(node.children ?? []).flatMap((c) => render(c, `${indent}  `))];
}

export const command: CliCommand = {
  name: 'inspect',
  summary: 'show a SUIT envelope as a readable tree (names, commands, digests, text)',
  usage: `usage: xsuit inspect ENVELOPE [--json]

Prints the envelope as a tree: the authentication wrapper (digest, COSE blocks, algs,
kids), the manifest with the SUIT name of every key, every command sequence decoded
command by command, parameters with digests in hex, text fields, severable members and
integrated payloads. inspect does NOT check signatures: use xsuit verify for that.
Exit 0 when the envelope decodes, 1 when it is malformed, 2 on usage or I/O errors.

options:
  --json   print the tree as one JSON object ({label, value?, children?})

example:
  xsuit inspect build/update.suit`,
  async run(args, io) {
    const p = parseArgs(args, [{ name: 'json' }], 'inspect');
    if (p.positional.length !== 1) throw new UsageError('give exactly one ENVELOPE file');
    const bytes = new Uint8Array(readFileSync(p.positional[0]));
    let tree: Node;
    try {
      tree = inspectTree(bytes);
    } catch (e) {
      if (!isXsuitError(e)) throw e;
      if (p.switches.has('json')) io.out(JSON.stringify({ ok: false, error: { code: e.code, message: e.message } }));
      io.err(`xsuit inspect: ${p.positional[0]}: malformed (${e.message})`);
      return 1;
    }
    if (p.switches.has('json')) io.out(JSON.stringify({ ok: true, tree }));
    else io.out(render(tree).join('\n'));
    return 0;
  },
};
