import { BinanceError, errors } from './binance-errors.js';
import { formatDecimal } from './decimal.js';
import { defaultCancelId, type OrderRef } from './matching-engine.js';
import { cancelledOrderJson, myTradeJson, newOrderJson, queriedOrderJson } from './order-json.js';
import type { OrderKind, OrderSide, TimeInForce } from './order-types.js';
import { RequestParams } from './request-params.js';
import { authenticateRest } from './signing.js';
import type { SymbolSpec } from './symbols.js';
import type { Venue } from './venue.js';

/**
 * The Binance spot REST subset ccxt uses (docs/binance-spot-emulator.md, section 2), as a
 * function of the request: no sockets here, so every route is testable directly.
 */
export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: string;
  readonly apiKey: string | undefined;
}

export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
}

type Handler = (venue: Venue, params: RequestParams, account: string) => unknown;

interface Route {
  readonly signed: boolean;
  readonly handler: Handler;
}

const DEPTH_LIMIT_DEFAULT = 100;
const DEPTH_LIMIT_MAX = 5000;

function symbolParam(venue: Venue, params: RequestParams): SymbolSpec {
  const spec = venue.spec(params.required('symbol'));
  if (!spec) throw errors.invalidSymbol();
  return spec;
}

function optionalSymbol(venue: Venue, params: RequestParams): SymbolSpec | undefined {
  const symbol = params.optional('symbol');
  if (symbol === undefined) return undefined;
  const spec = venue.spec(symbol);
  if (!spec) throw errors.invalidSymbol();
  return spec;
}

function orderRef(params: RequestParams): OrderRef {
  const orderId = params.integer('orderId');
  const clientOrderId = params.optional('origClientOrderId');
  if (orderId === undefined && clientOrderId === undefined) {
    throw new BinanceError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  }
  return orderId !== undefined ? { orderId } : { clientOrderId };
}

function exchangeInfo(venue: Venue, params: RequestParams): unknown {
  const only = optionalSymbol(venue, params);
  const listed = only ? [only] : venue.symbols;
  return {
    timezone: 'UTC',
    serverTime: venue.serverTime(),
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
    ],
    exchangeFilters: [],
    symbols: listed.map((spec) => ({
      symbol: spec.symbol,
      status: 'TRADING',
      baseAsset: spec.baseAsset,
      baseAssetPrecision: 8,
      quoteAsset: spec.quoteAsset,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
      icebergAllowed: false,
      ocoAllowed: false,
      otoAllowed: false,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: false,
      cancelReplaceAllowed: false,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: formatDecimal(spec.minPrice), maxPrice: formatDecimal(spec.maxPrice), tickSize: formatDecimal(spec.tickSize) },
        { filterType: 'LOT_SIZE', minQty: formatDecimal(spec.minQty), maxQty: formatDecimal(spec.maxQty), stepSize: formatDecimal(spec.stepSize) },
        { filterType: 'MARKET_LOT_SIZE', minQty: formatDecimal(spec.minQty), maxQty: formatDecimal(spec.maxQty), stepSize: formatDecimal(spec.stepSize) },
        {
          filterType: 'NOTIONAL', minNotional: formatDecimal(spec.minNotional), applyMinToMarket: true,
          maxNotional: formatDecimal(spec.maxNotional), applyMaxToMarket: false, avgPriceMins: 5,
        },
      ],
      permissions: [],
      permissionSets: [['SPOT']],
      defaultSelfTradePreventionMode: 'NONE',
      allowedSelfTradePreventionModes: ['NONE'],
    })),
  };
}

function depth(venue: Venue, params: RequestParams): unknown {
  const spec = symbolParam(venue, params);
  const limit = params.integer('limit') ?? DEPTH_LIMIT_DEFAULT;
  if (limit < 1 || limit > DEPTH_LIMIT_MAX) throw new BinanceError(400, -1100, `Illegal characters found in parameter 'limit'; legal range is '1' to '${DEPTH_LIMIT_MAX}'.`);
  const source = venue.source(spec.symbol);
  // depth of a symbol without a market: an empty book (users' orders are not public here)
  return source ? source.depthSnapshot(limit) : { lastUpdateId: 0, bids: [], asks: [] };
}

export function ticker24hJson(venue: Venue, spec: SymbolSpec): Record<string, unknown> {
  const closeTime = venue.marketTime(spec.symbol);
  const stats = venue.tickerStats(spec.symbol)?.snapshot(closeTime);
  const bid = venue.bestBid(spec.symbol);
  const ask = venue.bestAsk(spec.symbol);
  const open = stats?.open ?? 0n;
  const last = stats?.last ?? 0n;
  const change = last - open;
  const percent = open > 0n ? (Number(change) / Number(open)) * 100 : 0;
  const weighted = stats && stats.volume > 0n ? (stats.quoteVolume * 100_000_000n) / stats.volume : 0n;
  return {
    symbol: spec.symbol,
    priceChange: formatDecimal(change),
    priceChangePercent: percent.toFixed(3),
    weightedAvgPrice: formatDecimal(weighted),
    prevClosePrice: formatDecimal(open),
    lastPrice: formatDecimal(last),
    lastQty: formatDecimal(stats?.lastQty ?? 0n),
    bidPrice: formatDecimal(bid?.price ?? 0n),
    bidQty: formatDecimal(bid?.qty ?? 0n),
    askPrice: formatDecimal(ask?.price ?? 0n),
    askQty: formatDecimal(ask?.qty ?? 0n),
    openPrice: formatDecimal(open),
    highPrice: formatDecimal(stats?.high ?? 0n),
    lowPrice: formatDecimal(stats?.low ?? 0n),
    volume: formatDecimal(stats?.volume ?? 0n),
    quoteVolume: formatDecimal(stats?.quoteVolume ?? 0n),
    openTime: stats?.openTime ?? closeTime,
    closeTime,
    firstId: stats?.firstId ?? -1,
    lastId: stats?.lastId ?? -1,
    count: stats?.count ?? 0,
  };
}

function ticker24h(venue: Venue, params: RequestParams): unknown {
  const spec = optionalSymbol(venue, params);
  return spec ? ticker24hJson(venue, spec) : venue.symbols.map((each) => ticker24hJson(venue, each));
}

function bookTicker(venue: Venue, params: RequestParams): unknown {
  const one = (spec: SymbolSpec): unknown => {
    const bid = venue.bestBid(spec.symbol);
    const ask = venue.bestAsk(spec.symbol);
    return {
      symbol: spec.symbol,
      bidPrice: formatDecimal(bid?.price ?? 0n), bidQty: formatDecimal(bid?.qty ?? 0n),
      askPrice: formatDecimal(ask?.price ?? 0n), askQty: formatDecimal(ask?.qty ?? 0n),
    };
  };
  const spec = optionalSymbol(venue, params);
  return spec ? one(spec) : venue.symbols.map(one);
}

function account(venue: Venue, params: RequestParams, name: string): unknown {
  const omitZero = params.oneOf('omitZeroBalances', ['true', 'false'], () => errors.illegalCharacters('omitZeroBalances')) === 'true';
  const balances = [...venue.ledger.balances(name)]
    .filter(([, entry]) => !omitZero || entry.free + entry.locked > 0n)
    .map(([asset, entry]) => ({ asset, free: formatDecimal(entry.free), locked: formatDecimal(entry.locked) }));
  return {
    makerCommission: 10, takerCommission: 10, buyerCommission: 0, sellerCommission: 0,
    canTrade: true, canWithdraw: false, canDeposit: false, brokered: false, requireSelfTradePrevention: false, preventSor: false,
    updateTime: venue.ledger.updateTime(name),
    accountType: 'SPOT',
    balances,
    permissions: ['SPOT'],
    uid: 0,
  };
}

function newOrder(venue: Venue, params: RequestParams, name: string): unknown {
  const spec = symbolParam(venue, params);
  const side = params.oneOf<OrderSide>('side', ['BUY', 'SELL'], errors.invalidSide);
  if (side === undefined) throw errors.mandatoryMissing('side');
  const type = params.oneOf<OrderKind>('type', ['LIMIT', 'MARKET', 'LIMIT_MAKER'], errors.invalidOrderType);
  if (type === undefined) throw errors.mandatoryMissing('type');
  const timeInForce = params.oneOf<TimeInForce>('timeInForce', ['GTC', 'IOC', 'FOK'], errors.invalidTimeInForce);
  const respType = params.oneOf('newOrderRespType', ['ACK', 'RESULT', 'FULL'] as const, errors.invalidRespType) ?? (type === 'LIMIT' || type === 'MARKET' ? 'FULL' : 'ACK');
  const clientOrderId = params.optional('newClientOrderId');
  if (clientOrderId !== undefined && !/^[.A-Za-z0-9:/_-]{1,36}$/.test(clientOrderId)) {
    throw new BinanceError(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
  }
  params.oneOf('selfTradePreventionMode', ['NONE'], () => errors.unsupportedParameter('selfTradePreventionMode'));
  const price = params.decimal('price');
  const quantity = params.decimal('quantity');
  const quoteOrderQty = params.decimal('quoteOrderQty');
  params.assertAllRead();
  const { order, fills } = venue.engine.placeOrder({
    account: name, symbol: spec.symbol, side, type,
    ...(timeInForce !== undefined ? { timeInForce } : {}),
    ...(price !== undefined ? { price } : {}),
    ...(quantity !== undefined ? { quantity } : {}),
    ...(quoteOrderQty !== undefined ? { quoteOrderQty } : {}),
    ...(clientOrderId !== undefined ? { clientOrderId } : {}),
  });
  return newOrderJson(order, fills, respType);
}

function getOrder(venue: Venue, params: RequestParams, name: string): unknown {
  const spec = symbolParam(venue, params);
  const ref = orderRef(params);
  params.assertAllRead();
  return queriedOrderJson(venue.engine.getOrder(name, spec.symbol, ref));
}

function cancelOrder(venue: Venue, params: RequestParams, name: string): unknown {
  const spec = symbolParam(venue, params);
  const ref = orderRef(params);
  const cancelId = params.optional('newClientOrderId');
  params.oneOf('cancelRestrictions', ['ONLY_NEW', 'ONLY_PARTIALLY_FILLED'], () => errors.illegalCharacters('cancelRestrictions'));
  params.assertAllRead();
  const order = venue.engine.cancelOrder(name, spec.symbol, ref, cancelId);
  return cancelledOrderJson(order, cancelId ?? defaultCancelId(order), order.updateTime);
}

function openOrders(venue: Venue, params: RequestParams, name: string): unknown {
  const spec = optionalSymbol(venue, params);
  params.assertAllRead();
  return venue.engine.openOrders(name, spec?.symbol).map(queriedOrderJson);
}

/** Binance's allOrders by orderId page: the orders from `orderId` on, at most `limit` (default 500, max 1000). */
function allOrders(venue: Venue, params: RequestParams, name: string): unknown {
  const spec = symbolParam(venue, params);
  const fromId = params.integer('orderId') ?? 0;
  const limit = Math.min(Math.max(params.integer('limit') ?? 500, 1), 1000);
  params.assertAllRead();
  return venue.engine.allOrders(name, spec.symbol).filter((order) => order.orderId >= fromId).slice(0, limit).map(queriedOrderJson);
}

function cancelOpenOrders(venue: Venue, params: RequestParams, name: string): unknown {
  const spec = symbolParam(venue, params);
  params.assertAllRead();
  return venue.engine.cancelAll(name, spec.symbol).map((order) => cancelledOrderJson(order, defaultCancelId(order), order.updateTime));
}

function myTrades(venue: Venue, params: RequestParams, name: string): unknown {
  const spec = symbolParam(venue, params);
  const query = {
    orderId: params.integer('orderId'),
    startTime: params.integer('startTime'),
    endTime: params.integer('endTime'),
    fromId: params.integer('fromId'),
    limit: params.integer('limit'),
  };
  params.assertAllRead();
  const defined = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined));
  return venue.engine.myTrades(name, spec.symbol, defined).map(myTradeJson);
}

const publicRoute = (handler: (venue: Venue, params: RequestParams) => unknown): Route => ({
  signed: false,
  handler: (venue, params) => {
    const result = handler(venue, params);
    params.assertAllRead();
    return result;
  },
});

const ROUTES: Record<string, Route> = {
  'GET /api/v3/ping': publicRoute(() => ({})),
  'GET /api/v3/time': publicRoute((venue) => ({ serverTime: venue.serverTime() })),
  'GET /api/v3/exchangeInfo': publicRoute(exchangeInfo),
  'GET /api/v3/depth': publicRoute(depth),
  'GET /api/v3/ticker/24hr': publicRoute(ticker24h),
  'GET /api/v3/ticker/bookTicker': publicRoute(bookTicker),
  'GET /api/v3/account': { signed: true, handler: (venue, params, name) => { const result = account(venue, params, name); params.assertAllRead(); return result; } },
  'POST /api/v3/order': { signed: true, handler: newOrder },
  'GET /api/v3/order': { signed: true, handler: getOrder },
  'DELETE /api/v3/order': { signed: true, handler: cancelOrder },
  'GET /api/v3/openOrders': { signed: true, handler: openOrders },
  'DELETE /api/v3/openOrders': { signed: true, handler: cancelOpenOrders },
  'GET /api/v3/allOrders': { signed: true, handler: allOrders },
  'GET /api/v3/myTrades': { signed: true, handler: myTrades },
};

/** Answers one REST request; every failure becomes Binance's `{code,msg}` with its HTTP status. */
export function handleRest(venue: Venue, request: RestRequest): RestResponse {
  try {
    const rejection = venue.faults.takeRequestRejection();
    if (rejection === 429) throw errors.tooManyRequests();
    if (rejection === 418) throw errors.ipBanned(venue.serverTime() + 120_000);
    const route = ROUTES[`${request.method} ${request.path}`];
    if (!route) throw errors.unknownEndpoint(request.method, request.path);
    const params = new RequestParams(request.query, request.body);
    const account = route.signed ? authenticateRest(venue.ledger, request.apiKey, params.all, params.totalText, venue.serverTime()) : '';
    return { status: 200, body: route.handler(venue, params, account) };
  } catch (error) {
    if (error instanceof BinanceError) return { status: error.httpStatus, body: error.body() };
    const detail = error instanceof Error ? error.message : String(error);
    return { status: 500, body: errors.unknown(detail).body() };
  }
}
