import type { FrameEncoder } from '../../src/runtime/actor-definition.js';

/** A bench-only frame: one uint32 sequence number (type 901, outside the product's ids). */
export const SEQ_FRAME_TYPE = 901;
export const seqFrame: FrameEncoder<number> = {
  type: SEQ_FRAME_TYPE,
  version: 1,
  size: () => 4,
  encode: (view, offset, seq) => view.setUint32(offset, seq, true),
};
