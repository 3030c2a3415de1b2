import { CodecError, FRAME_ERROR_REASONS, type FrameErrorReason } from './codec-error.js';
import { CONTROL_MAX_BYTES, CONTROL_TYPE, CONTROL_VERSION, decodeControl } from './control-frame.js';
import type { MessageCodec } from './message-codec.js';
import { HOT_MESSAGE_CODECS, assertDistinctLayouts, formatType, type HotMessageCodec } from './registry.js';

type FrameOf<C> = C extends MessageCodec<infer T, infer Name> ? { readonly kind: Name; readonly message: T } : never;
export interface ControlFrame { readonly kind: 'Control'; message: unknown }
/** What a frame turned out to be; narrow on `kind`. */
export type DecodedFrame = FrameOf<HotMessageCodec> | ControlFrame;

interface Route {
  readonly version: number;
  readonly name: string;
  readonly frame: DecodedFrame;
  /** Decodes the payload into `frame.message`. */
  readonly decodeInto: (view: DataView, offset: number, length: number) => void;
}

export interface FrameDecoderOptions {
  controlMaxBytes?: number;
}

/**
 * The reader side of every ring: turns (type, version, payload) into a message, or refuses
 * the frame with a counted, explained error. It never throws, so one bad frame cannot take
 * down an actor's read loop.
 *
 * No allocation per frame: each (type, version) owns one reusable DecodedFrame, and a call
 * returns that same object refilled. A returned frame is therefore valid until the next
 * frame of the same type is decoded; copy what must outlive that.
 */
export class FrameDecoder {
  private readonly routes = new Map<number, Route[]>();
  private readonly counts: Record<FrameErrorReason, number>;
  private rejectedTotal = 0;
  /** The most recent refusal, with a message naming type, version and what was expected. */
  lastError: CodecError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    assertDistinctLayouts(HOT_MESSAGE_CODECS);
    for (const codec of HOT_MESSAGE_CODECS) this.addRoute(codec.type, routeFor(codec));
    const controlMaxBytes = options.controlMaxBytes ?? CONTROL_MAX_BYTES;
    const control: ControlFrame = { kind: 'Control', message: null };
    this.addRoute(CONTROL_TYPE, {
      version: CONTROL_VERSION,
      name: control.kind,
      frame: control,
      decodeInto(view, offset, length) {
        control.message = decodeControl(view, offset, length, controlMaxBytes);
      },
    });
    this.counts = Object.fromEntries(FRAME_ERROR_REASONS.map((reason) => [reason, 0])) as Record<FrameErrorReason, number>;
  }

  /** The message in this frame, or null when the frame was refused (see lastError and rejections()). */
  decode(type: number, version: number, view: DataView, offset: number, length: number): DecodedFrame | null {
    const routes = this.routes.get(type);
    if (routes === undefined) return this.reject('unknown-type', `unknown frame type ${formatType(type)} (version ${version}, length ${length}); known types: ${this.knownTypes()}`);
    let route: Route | undefined;
    for (let i = 0; i < routes.length; i++) {
      if (routes[i]!.version === version) route = routes[i];
    }
    if (route === undefined) {
      return this.reject('unknown-version', `${routes[0]!.name} (type ${formatType(type)}): unknown version ${version} (length ${length}); this reader knows version ${routes.map((r) => r.version).join(', ')}`);
    }
    if (!(offset >= 0 && length >= 0 && offset + length <= view.byteLength)) {
      return this.reject('bad-length', `${route.name} (type ${formatType(type)} version ${version}): payload at offset ${offset} with length ${length} lies outside the ${view.byteLength}-byte buffer`);
    }
    try {
      route.decodeInto(view, offset, length);
      return route.frame;
    } catch (error) {
      const context = `frame type ${formatType(type)} version ${version} length ${length}`;
      if (error instanceof CodecError) return this.reject(error.reason, `${context}: ${error.message}`, error);
      return this.reject('decoder-failure', `${context}: ${route.name} decoder failed unexpectedly (${String(error)})`, error);
    }
  }

  /** Refusals so far for one reason, or in total. */
  rejected(reason?: FrameErrorReason): number {
    return reason === undefined ? this.rejectedTotal : this.counts[reason];
  }

  /** A snapshot of the per-reason refusal counters. */
  rejections(): Record<FrameErrorReason, number> {
    return { ...this.counts };
  }

  private addRoute(type: number, route: Route): void {
    const routes = this.routes.get(type);
    if (routes === undefined) this.routes.set(type, [route]);
    else routes.push(route);
  }

  private reject(reason: FrameErrorReason, message: string, cause?: unknown): null {
    this.counts[reason]++;
    this.rejectedTotal++;
    this.lastError = new CodecError(reason, message, cause === undefined ? undefined : { cause });
    return null;
  }

  private knownTypes(): string {
    return [...this.routes].map(([type, routes]) => `${formatType(type)} ${routes[0]!.name}`).join(', ');
  }
}

function routeFor<C extends HotMessageCodec>(codec: C): Route {
  // The cast bridges the registry's union to this one codec's own message type.
  const typed = codec as unknown as MessageCodec<unknown, C['name']>;
  const frame = { kind: typed.name, message: typed.create() } as DecodedFrame;
  return {
    version: typed.version,
    name: typed.name,
    frame,
    decodeInto(view, offset, length) {
      typed.decode(view, offset, length, frame.message);
    },
  };
}
