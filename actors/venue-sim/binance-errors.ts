import type { FilterName } from './filters.js';

/**
 * A rejection in Binance's shape `{code, msg}` with the HTTP status Binance uses for it.
 * The messages are Binance's own where ccxt matches them exactly (section 4 of
 * docs binance-spot-emulator.md), so ccxt raises the same exception class it would live.
 */
export class BinanceError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    readonly msg: string,
  ) {
    super(msg);
    this.name = 'BinanceError';
  }

  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.msg };
  }
}

export const errors = {
  unknown: (detail: string) => new BinanceError(500, -1000, `An unknown error occurred while processing the request. ${detail}`),
  tooManyRequests: () =>
    new BinanceError(429, -1003, 'Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. Please use WebSocket Streams for live updates to avoid polling the API.'),
  ipBanned: (untilMs: number) =>
    new BinanceError(418, -1003, `Way too many requests; IP(127.0.0.1) banned until ${untilMs}. Please use WebSocket Streams for live updates to avoid bans.`),
  timestampOutsideRecvWindow: () => new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  timestampAhead: () => new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  invalidSignature: () => new BinanceError(400, -1022, 'Signature for this request is not valid.'),
  illegalCharacters: (param: string) =>
    new BinanceError(400, -1100, `Illegal characters found in parameter '${param}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`),
  duplicateParameter: (param: string) => new BinanceError(400, -1101, `Duplicate values for a parameter detected: '${param}'.`),
  mandatoryMissing: (param: string) =>
    new BinanceError(400, -1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  notAllParametersRead: (read: number, sent: number, unread: readonly string[]) =>
    new BinanceError(400, -1104, `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${sent}'. Unknown: ${unread.join(', ')}.`),
  unsupportedParameter: (param: string) => new BinanceError(400, -1106, `Parameter '${param}' sent when not required.`),
  tooMuchPrecision: (param: string) => new BinanceError(400, -1111, `Parameter '${param}' has too much precision.`),
  invalidTimeInForce: () => new BinanceError(400, -1115, 'Invalid timeInForce.'),
  invalidOrderType: () => new BinanceError(400, -1116, 'Invalid orderType.'),
  invalidSide: () => new BinanceError(400, -1117, 'Invalid side.'),
  invalidSymbol: () => new BinanceError(400, -1121, 'Invalid symbol.'),
  invalidRespType: () => new BinanceError(400, -1127, 'Invalid newOrderRespType.'),
  optionalCombination: (detail: string) => new BinanceError(400, -1128, `Combination of optional parameters invalid. ${detail}`),
  badRecvWindow: () => new BinanceError(400, -1131, 'recvWindow must be less than 60000'),
  invalidQuantity: () => new BinanceError(400, -1013, 'Invalid quantity.'),
  filterFailure: (filter: FilterName) => new BinanceError(400, -1013, `Filter failure: ${filter}`),
  insufficientBalance: () => new BinanceError(400, -2010, 'Account has insufficient balance for requested action.'),
  wouldMatchAndTake: () => new BinanceError(400, -2010, 'Order would immediately match and take.'),
  duplicateOrder: () => new BinanceError(400, -2010, 'Duplicate order sent.'),
  unknownOrderOnCancel: () => new BinanceError(400, -2011, 'Unknown order sent.'),
  orderDoesNotExist: () => new BinanceError(400, -2013, 'Order does not exist.'),
  apiKeyFormatInvalid: () => new BinanceError(401, -2014, 'API-key format invalid.'),
  apiKeyRejected: () => new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  unknownEndpoint: (method: string, path: string) => new BinanceError(404, -1000, `Unknown endpoint: ${method} ${path}.`),
  malformedBody: (detail: string) => new BinanceError(400, -1100, `Malformed request: ${detail}`),
} as const;
