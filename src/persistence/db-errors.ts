/**
 * Whether a failed write is the record's fault (it will fail the same way every time) rather than the
 * database's (down, restarting, unreachable, schema not there yet). SQLSTATE class 22 is a data
 * exception and class 23 an integrity violation; everything else is worth retrying later, because
 * dropping records on an error that is not theirs would lose them.
 */
export function isRecordError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(code);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
