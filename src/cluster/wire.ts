/**
 * What a cross-node edge puts on the wire (docs/cluster.md, "What crosses the wire").
 *
 * The payload is the ring frame itself: a 4-byte header (frame type u16, layout version u16,
 * little-endian, as in the ring's frame header) and the frame's payload bytes, unchanged. The
 * route is the subject: `<prefix>.<md|op>.<to node>.<to actor>.<from node>.<from actor>`, so a
 * receiver knows the sender before it reads a byte, and refuses a frame from a node or an actor
 * it was not configured to hear from.
 *
 * Market data (book tops, L2 deltas, trades) travels on core NATS subjects: at most once, and a
 * late quote is worth less than the next one. Everything else (intents, order commands,
 * execution reports, fills, trading-state changes, risk panics, controls) travels on a
 * JetStream stream, acknowledged, with a message id for the server's de-duplication.
 */
import { MessageType } from '../runtime/codec/message-types.js';
import type { DecodedFrame } from '../runtime/codec/frame-decoder.js';

export const WIRE_HEADER_BYTES = 4;

export type EdgeClass = 'md' | 'op';

const MARKET_DATA_TYPES: ReadonlySet<number> = new Set([MessageType.BOOK_TOP, MessageType.L2_DELTA, MessageType.TRADE]);

export function edgeClassOf(frameType: number): EdgeClass {
  return MARKET_DATA_TYPES.has(frameType) ? 'md' : 'op';
}

/** Copies one ring frame into a wire payload (a fresh buffer: NATS keeps it until sent). */
export function encodeWireFrame(type: number, version: number, view: DataView, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(WIRE_HEADER_BYTES + length);
  const header = new DataView(out.buffer);
  header.setUint16(0, type, true);
  header.setUint16(2, version, true);
  out.set(new Uint8Array(view.buffer, view.byteOffset + offset, length), WIRE_HEADER_BYTES);
  return out;
}

export interface WireFrame {
  readonly type: number;
  readonly version: number;
  /** The frame payload (a view into the message's bytes). */
  readonly payload: Uint8Array;
}

export class WireFrameError extends Error {
  override readonly name = 'WireFrameError';
}

export function decodeWireFrame(data: Uint8Array): WireFrame {
  if (data.byteLength < WIRE_HEADER_BYTES) throw new WireFrameError(`a wire frame needs a ${WIRE_HEADER_BYTES}-byte header (type, version); got ${data.byteLength} bytes`);
  const header = new DataView(data.buffer, data.byteOffset, WIRE_HEADER_BYTES);
  return { type: header.getUint16(0, true), version: header.getUint16(2, true), payload: data.subarray(WIRE_HEADER_BYTES) };
}

export interface Route {
  readonly cls: EdgeClass;
  readonly toNode: string;
  readonly toActor: string;
  readonly fromNode: string;
  readonly fromActor: string;
}

export function edgeSubject(prefix: string, route: Route): string {
  return `${prefix}.${route.cls}.${route.toNode}.${route.toActor}.${route.fromNode}.${route.fromActor}`;
}

/** Every edge into `node` of one class: `<prefix>.<cls>.<node>.>`. */
export function inboundSubjects(prefix: string, cls: EdgeClass, node: string): string {
  return `${prefix}.${cls}.${node}.>`;
}

/** The route in a subject, or a sentence saying why it is not one of ours. */
export function parseEdgeSubject(prefix: string, subject: string): Route | string {
  const tokens = subject.split('.');
  if (tokens.length !== 6 || tokens[0] !== prefix) return `subject "${subject}" is not <${prefix}>.<md|op>.<to node>.<to actor>.<from node>.<from actor>`;
  const [, cls, toNode, toActor, fromNode, fromActor] = tokens as [string, string, string, string, string, string];
  if (cls !== 'md' && cls !== 'op') return `subject "${subject}": edge class "${cls}" is neither md nor op`;
  return { cls, toNode, toActor, fromNode, fromActor };
}

/**
 * The JetStream message id of an order-path frame: the same order, report or fill published
 * twice (a producer's retry, a restarted actor sending again) is stored once. Intents are named
 * by strategy and intent id, commands by venue, client order id and action, reports by order,
 * status and filled quantity, fills by venue, trade and order. Other frames (controls, panics,
 * state changes) are unique per publish: `fallback` (sender, boot, sequence).
 */
export function dedupId(frame: DecodedFrame | null, fallback: string): string {
  if (frame === null) return fallback;
  switch (frame.kind) {
    case 'OrderIntent':
      return `intent:${frame.message.strategy}:${frame.message.intentId}`;
    case 'OrderCommand':
      return `cmd:${frame.message.venue}:${frame.message.orderId}:${frame.message.action}`;
    case 'ExecutionReport':
      return `report:${frame.message.venue}:${frame.message.orderId}:${frame.message.status}:${frame.message.cumQty}:${frame.message.leavesQty}`;
    case 'Fill':
      return `fill:${frame.message.venue}:${frame.message.tradeId}:${frame.message.orderId}`;
    default:
      return fallback;
  }
}

/** Market data's conflation key: a newer frame of the same kind for the same venue and instrument replaces an unsent older one. */
export function conflationKey(frame: DecodedFrame | null, type: number): string {
  if (frame === null) return `${type}`;
  switch (frame.kind) {
    case 'BookTop':
    case 'L2Delta':
    case 'Trade':
      return `${type}:${frame.message.venue}:${frame.message.instrument}`;
    default:
      return `${type}`;
  }
}
