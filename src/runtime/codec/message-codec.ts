/**
 * How one hot message type crosses a ring: a fixed binary layout (docs/codec.md) written
 * straight into the ring's shared memory and read back into a reused object.
 */
export interface MessageCodec<T, Name extends string = string> {
  /** u16 frame type, unique and stable forever (src/runtime/codec/message-types.ts). */
  readonly type: number;
  /** u8 layout version, bumped on any layout change; a decoder accepts exactly its own version. */
  readonly version: number;
  /** The message's name, also the `kind` the frame decoder reports. */
  readonly name: Name;
  /** Payload bytes for this message (fixed, except L2Delta which grows with levelCount). */
  size(msg: T): number;
  /** Writes `size(msg)` bytes at `offset`. Validates every field first and throws CodecError before writing anything. */
  encode(view: DataView, offset: number, msg: T): void;
  /**
   * Fills `out` from `length` payload bytes at `offset` and returns it. Throws CodecError on a
   * wrong length or an invalid value, leaving `out` untouched.
   */
  decode(view: DataView, offset: number, length: number, out: T): T;
  /** A zeroed instance to decode into (L2Delta's arrays hold L2_MAX_LEVELS levels). */
  create(): T;
}
