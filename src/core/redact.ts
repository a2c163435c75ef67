/**
 * Credentials never reach output or logs. Every URL that Cleave prints goes through `redactUrl`,
 * and every error text coming from a driver goes through `redactText` (drivers echo connection strings).
 */
const URL_WITH_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]+)(?::([^@/\s]*))?@/gi;

export function redactUrl(url: string): string {
  return url.replace(URL_WITH_CREDENTIALS, (_match, scheme: string, user: string, password?: string) =>
    password === undefined ? `${scheme}${user}@` : `${scheme}${user}:***@`,
  );
}

// Both URL query parameters (?password=) and libpq keyword strings (host=h password=x).
const PASSWORD_PARAM = /((?:^|[?&\s])(?:password|sslpassword|pass)=)[^&\s]*/gi;

export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = redactUrl(text).replace(PASSWORD_PARAM, '$1***');
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
