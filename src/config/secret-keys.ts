/**
 * Which config keys hold secrets. One list serves two rules: such a key may not be
 * written in a YAML file (secrets come from the environment or from a file named by a
 * `<key>_file` entry), and the logger redacts it wherever it appears in a log record.
 */
export const SECRET_KEY_NAMES = [
  'apiKey', 'api_key',
  'secret', 'apiSecret', 'api_secret', 'secretKey', 'secret_key',
  'password', 'passphrase',
  'privateKey', 'private_key',
  'token', 'accessToken', 'access_token',
  'authorization', 'Authorization',
] as const;

const SECRET_KEY_SET = new Set<string>(SECRET_KEY_NAMES.map((k) => k.toLowerCase()));

/** True for a key that holds a secret value (case-insensitive, exact names only). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_SET.has(key.toLowerCase());
}

/** The suffix that turns a secret key into "read the secret from this file". */
export const SECRET_FILE_SUFFIX = '_file';

/** `api_key_file` -> `api_key`; undefined when the key is not a secret-file reference. */
export function secretKeyOfFileKey(key: string): string | undefined {
  if (!key.endsWith(SECRET_FILE_SUFFIX)) return undefined;
  const base = key.slice(0, -SECRET_FILE_SUFFIX.length);
  return isSecretKey(base) ? base : undefined;
}
