/**
 * Frame type ids (the u16 in every ring frame header). Stable forever: a retired type keeps
 * its number unused, and a new message takes a new number. The high byte groups a family so a
 * hex dump is readable; 0 is the ring's padding frame and is never a message.
 * Layout versions live next to each layout (the family files), where a change must bump them.
 */
export const MessageType = {
  BOOK_TOP: 0x0101,
  L2_DELTA: 0x0102,
  TRADE: 0x0103,
  ORDER_INTENT: 0x0201,
  ORDER_COMMAND: 0x0202,
  EXECUTION_REPORT: 0x0203,
  FILL: 0x0204,
  TRADING_STATE_CHANGE: 0x0301,
  RISK_PANIC: 0x0302,
  CONTROL: 0x7f01,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
