import { notionalFloor } from './decimal.js';
import type { SymbolSpec } from './symbols.js';

/** The Binance filter an order violates, named as in `Filter failure: <name>`. */
export type FilterName = 'PRICE_FILTER' | 'LOT_SIZE' | 'MARKET_LOT_SIZE' | 'NOTIONAL';

export function checkPrice(spec: SymbolSpec, price: bigint): FilterName | undefined {
  if (price < spec.minPrice || price > spec.maxPrice) return 'PRICE_FILTER';
  if ((price - spec.minPrice) % spec.tickSize !== 0n) return 'PRICE_FILTER';
  return undefined;
}

export function checkQuantity(spec: SymbolSpec, quantity: bigint, market: boolean): FilterName | undefined {
  const failure: FilterName = market ? 'MARKET_LOT_SIZE' : 'LOT_SIZE';
  if (quantity < spec.minQty || quantity > spec.maxQty) return failure;
  if ((quantity - spec.minQty) % spec.stepSize !== 0n) return failure;
  return undefined;
}

export function checkNotional(spec: SymbolSpec, quoteAmount: bigint): FilterName | undefined {
  return quoteAmount < spec.minNotional || quoteAmount > spec.maxNotional ? 'NOTIONAL' : undefined;
}

/** The filters of a limit order (price, lot size, notional at the limit price), first failure wins. */
export function checkLimitOrder(spec: SymbolSpec, price: bigint, quantity: bigint): FilterName | undefined {
  return checkPrice(spec, price) ?? checkQuantity(spec, quantity, false) ?? checkNotional(spec, notionalFloor(price, quantity));
}
