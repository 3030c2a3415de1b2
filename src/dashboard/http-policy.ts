/**
 * The dashboard's HTTP rules, apart from the server so they are tested as tables: the security
 * headers every response carries, where a request's token may come from, and which requests are
 * allowed to reach the feed or the trip button.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { tokenMatches } from './token.js';

export const TOKEN_COOKIE = 'bot4_dashboard';

/**
 * Strict CSP: only this origin's own script, style and socket; no inline script or style, no
 * plugins, no framing, no form posts, no <base> rewrites.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** The token a request carries: `?token=`, the cookie the page got on its first load, or `Authorization: Bearer`. */
export function presentedTokens(url: URL, headers: IncomingHttpHeaders): string[] {
  const tokens: string[] = [];
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) tokens.push(fromQuery);
  const cookie = cookieValue(headers.cookie, TOKEN_COOKIE);
  if (cookie !== undefined) tokens.push(cookie);
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) tokens.push(auth.slice('Bearer '.length).trim());
  return tokens;
}

/** Every token the request carries must be the right one (a wrong one next to a right one is refused too). */
export function isAuthorised(expected: string, url: URL, headers: IncomingHttpHeaders): boolean {
  const tokens = presentedTokens(url, headers);
  return tokens.length > 0 && tokens.every((t) => tokenMatches(expected, t));
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * A browser sends Origin on WebSocket handshakes and POSTs: it must be this server's own, so another
 * site open in the same browser cannot read the feed or press the trip button with the cookie.
 * No Origin (curl, a script) is allowed: such a client had to present the token itself.
 */
export function originAllowed(headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  return headers.host !== undefined && (origin === `http://${headers.host}` || origin === `https://${headers.host}`);
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}
