import { CodecError, badLength } from './codec-error.js';
import { MessageType } from './message-types.js';

/**
 * Rare control messages (configuration pushes, admin requests relayed to an actor) travel as
 * UTF-8 JSON in a frame of type CONTROL. They allocate, and that is fine off the hot path; the
 * size limit keeps one of them from taking a large share of a ring.
 */
export const CONTROL_TYPE = MessageType.CONTROL;
export const CONTROL_VERSION = 1;
export const CONTROL_MAX_BYTES = 16 * 1024;
const CONTROL = 'Control';

const utf8Encoder = new TextEncoder();
// fatal: malformed UTF-8 is an error rather than silently becoming U+FFFD.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The frame payload for `value`; throws CodecError when it has no JSON form or is too large. */
export function encodeControl(value: unknown, maxBytes: number = CONTROL_MAX_BYTES): Uint8Array {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new CodecError('bad-value', `${CONTROL}: value is not JSON-serializable (${(error as Error).message})`);
  }
  if (json === undefined) {
    throw new CodecError('bad-value', `${CONTROL}: a value of type ${typeof value} has no JSON form`);
  }
  const bytes = utf8Encoder.encode(json);
  if (bytes.length > maxBytes) throw badLength(CONTROL, `at most ${maxBytes}`, bytes.length);
  return bytes;
}

/** Parses a control payload in place (no copy of the shared memory); throws CodecError on bad length, UTF-8 or JSON. */
export function decodeControl(view: DataView, offset: number, length: number, maxBytes: number = CONTROL_MAX_BYTES): unknown {
  if (length > maxBytes) throw badLength(CONTROL, `at most ${maxBytes}`, length);
  if (length === 0) throw new CodecError('bad-json', `${CONTROL}: payload is empty, expected a JSON document`);
  let text: string;
  try {
    text = utf8Decoder.decode(new Uint8Array(view.buffer, view.byteOffset + offset, length));
  } catch (error) {
    throw new CodecError('bad-utf8', `${CONTROL}: payload of ${length} bytes is not valid UTF-8 (${(error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CodecError('bad-json', `${CONTROL}: payload is not valid JSON (${(error as Error).message})`);
  }
}
