// Device-side codecs of the transports, as a case table (Node and XS): CoAP messages and
// block options, MQTT packets and the update channel's chunk framing, payload names from
// manifest URIs. Hostile input gets typed errors (security invariant 5).
import { defineCases } from '../harness/device-case';
import { bytesEqual, deepEqual, equal, ok, throwsCode } from '../harness/check';
import {
  CON, ACK, GET, CONTENT, OPT_BLOCK2, OPT_SIZE2, blockOption, blockSize, decodeMessage, encodeMessage, findOption, readBlock,
  szxFor, uintOf, uintOption, uriOptions, uriPathOf, uriQueryOf,
} from '../../modules/coap/message';
import {
  CONNECT, PUBLISH, SUBSCRIBE, PacketReader, decodePublish, encodeConnect, encodePublish, encodeSubscribe,
} from '../../modules/mqtt/packet';
import { decodeChunk, encodeChunk } from '../../modules/mqtt/update-channel';
import { payloadName } from '../../modules/agent/transport';

export default defineCases('transport codecs', (add) => {
  add('CoAP: a block request round-trips with path, query, Block2 and Size2', () => {
    const bytes = encodeMessage({
      type: CON, code: GET, messageId: 0x1234, token: Uint8Array.of(9, 8, 7, 6),
      options: uriOptions('/xsuit-sim/app-v2.js?d=dev-1').concat([blockOption(OPT_BLOCK2, { num: 1023, more: false, szx: 6 }), uintOption(OPT_SIZE2, 0)]),
      payload: new Uint8Array(0),
    });
    const m = decodeMessage(bytes);
    equal(m.type, CON, 'type');
    equal(m.messageId, 0x1234, 'message id');
    equal(uriPathOf(m), 'xsuit-sim/app-v2.js', 'path');
    deepEqual(uriQueryOf(m), { d: 'dev-1' }, 'query');
    deepEqual(readBlock(findOption(m, OPT_BLOCK2) as Uint8Array), { num: 1023, more: false, szx: 6 }, 'block2');
    equal(uintOf(m, OPT_SIZE2), 0, 'size2');
  });

  add('CoAP: a piggybacked response with a 1024-byte payload', () => {
    const payload = new Uint8Array(1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
    const m = decodeMessage(encodeMessage({ type: ACK, code: CONTENT, messageId: 1, token: Uint8Array.of(1), options: [uintOption(OPT_SIZE2, 1048576)], payload }));
    equal(m.code, CONTENT, 'code');
    equal(uintOf(m, OPT_SIZE2), 1048576, 'size2');
    bytesEqual(m.payload, payload, 'payload');
  });

  add('CoAP: block sizes and hostile messages', () => {
    equal(blockSize(szxFor(1024)), 1024, 'szx 6');
    throwsCode(() => szxFor(1000), 'coap-block-size', 'not a power of two');
    throwsCode(() => readBlock(Uint8Array.of(7)), 'coap-malformed', 'szx 7');
    throwsCode(() => readBlock(Uint8Array.of(1, 2, 3, 4)), 'coap-malformed', '4-byte block option');
    throwsCode(() => decodeMessage(Uint8Array.of(0x40, 1, 0)), 'coap-malformed', 'short header');
    throwsCode(() => decodeMessage(Uint8Array.of(0x4f, 1, 0, 0)), 'coap-malformed', 'token length 15');
    throwsCode(() => decodeMessage(Uint8Array.of(0x40, 1, 0, 0, 0xe0, 0xff)), 'coap-malformed', 'truncated extended delta');
    throwsCode(() => decodeMessage(Uint8Array.of(0x40, 1, 0, 0, 0x1d, 200, 1)), 'coap-malformed', 'option longer than the datagram');
    throwsCode(() => decodeMessage(Uint8Array.of(0x40, 1, 0, 0, 0xff)), 'coap-malformed', 'empty payload after marker');
  });

  add('MQTT: CONNECT with credentials, SUBSCRIBE and PUBLISH split from one stream', () => {
    const stream = [
      encodeConnect({ clientId: 'dev-1', username: 'fleet', password: Uint8Array.of(1, 2), keepAlive: 30, cleanSession: true }),
      encodeSubscribe(5, [{ topic: 'xsuit/cls/manifest', qos: 1 }]),
      encodePublish({ topic: 'xsuit/cls/data/dev-1', payload: encodeChunk(4096, 65536, new Uint8Array(3000).fill(7)), qos: 0, retain: false, dup: false, packetId: 0 }),
    ];
    let size = 0;
    for (const s of stream) size += s.length;
    const all = new Uint8Array(size);
    let at = 0;
    for (const s of stream) { all.set(s, at); at += s.length; }
    const reader = new PacketReader(65536);
    // arrives in awkward pieces, as TCP delivers it
    for (let i = 0; i < all.length; i += 777) reader.push(all.slice(i, Math.min(all.length, i + 777)));
    const types: number[] = [];
    let last;
    for (let p = reader.next(); p; p = reader.next()) { types.push(p.type); last = p; }
    deepEqual(types, [CONNECT, SUBSCRIBE, PUBLISH], 'packet types');
    const pub = decodePublish(last as NonNullable<typeof last>);
    equal(pub.topic, 'xsuit/cls/data/dev-1', 'topic');
    const chunk = decodeChunk(pub.payload);
    equal(chunk.offset, 4096, 'offset');
    equal(chunk.total, 65536, 'total');
    equal(chunk.bytes.length, 3000, 'chunk bytes');
  });

  add('MQTT: hostile lengths and QoS are typed errors', () => {
    const big = new PacketReader(1024);
    big.push(Uint8Array.of(0x30, 0x80, 0x80, 0x01));
    throwsCode(() => big.next(), 'mqtt-too-large', 'over the packet limit');
    const endless = new PacketReader(1 << 30);
    endless.push(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x7f));
    throwsCode(() => endless.next(), 'mqtt-malformed', '5-byte remaining length');
    throwsCode(() => decodePublish({ type: PUBLISH, flags: 6, body: Uint8Array.of(0, 1, 0x61, 0, 1) }), 'mqtt-malformed', 'QoS 3');
    throwsCode(() => decodePublish({ type: PUBLISH, flags: 0, body: Uint8Array.of(0, 9, 0x61) }), 'mqtt-malformed', 'topic past the end');
    throwsCode(() => decodeChunk(Uint8Array.of(1, 2, 3)), 'mqtt-chunk', 'short chunk');
  });

  add('payload names from manifest URIs', () => {
    equal(payloadName('coap://updates.example.com/app-v2.js'), 'app-v2.js', 'coap URI');
    equal(payloadName('https://cdn.example.com/fw/v3/image.bin?sig=1#x'), 'image.bin', 'query and fragment');
    equal(payloadName('app.bin'), 'app.bin', 'bare name');
    throwsCode(() => payloadName('coap://updates.example.com'), 'agent-bad-uri', 'no path');
    ok(true, 'done');
  });
});
