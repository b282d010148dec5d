export { CborTag, CborRaw, isMap, isBytes, isInt, type CborValue, type CborMap } from './types';
export { decode, CborReader, type DecodeLimits } from './decode';
export { encode, encodeHead, type EncodeOptions } from './encode';
