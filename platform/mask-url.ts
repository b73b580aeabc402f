// Camera passwords must never reach a log line, an API answer or an error message
// (docs: "RTSP URLs are printed with the password masked"). Everything that prints a
// source URL or a line of ffmpeg's stderr goes through these two functions.

const MASK = '***';

// scheme://user:password@host[:port] — the password is taken greedily up to the LAST
// "@host" that is followed by the end of the authority, because people type raw "@",
// ":" and "/" into camera passwords and cameras accept them unencoded. The user name may
// hold "@" too (e-mail style accounts). If a path itself contains "@host", more than the
// password is masked: over-masking is the safe side.
const URL_WITH_PASSWORD =
  /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#"'<>]*):(\S*)@((?:\[[0-9a-f:.]+\]|[a-z0-9._~%-]+)(?::\d{1,5})?)(?=[/?#\s"'<>,;)\]]|$)/gi;

// Some cameras (old Dahua, some NVRs) take credentials in the query string instead.
const SECRET_QUERY_PARAM = /([?&](?:password|passwd|pwd|pass|token|secret|sign|auth)=)([^&#\s"'<>]*)/gi;

/** The URL with its password (and password-like query parameters) replaced by ***; the user name stays. */
export function maskUrl(url: string): string {
  return maskSecrets(url);
}

/**
 * Masks every credential-bearing URL inside a longer text (an ffmpeg stderr line, an
 * error message), plus each literal in `extraSecrets` (e.g. the decoded password, or an
 * RTMP stream key, which is a credential of the phone that pushes it).
 */
export function maskSecrets(text: string, extraSecrets: readonly string[] = []): string {
  let out = text.replace(
    URL_WITH_PASSWORD,
    (_m, scheme: string, user: string, _password: string, host: string) => `${scheme}${user}:${MASK}@${host}`,
  );
  out = out.replace(SECRET_QUERY_PARAM, (_m, name: string) => `${name}${MASK}`);
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...extraSecrets].sort((a, b) => b.length - a.length)) {
    // Very short literals would mask ordinary words and tell a reader the password is short.
    if (secret.length < 3) continue;
    out = out.split(secret).join(MASK);
  }
  return out;
}

/**
 * Literal forms of the credentials inside a URL, as they may be echoed back by tools:
 * the password as written (percent-encoded) and decoded. Feed them to maskSecrets.
 */
export function secretsOfUrl(url: string): string[] {
  const found: string[] = [];
  for (const m of url.matchAll(URL_WITH_PASSWORD)) {
    const raw = m[3] ?? '';
    if (!raw) continue;
    found.push(raw);
    try {
      const decoded = decodeURIComponent(raw);
      if (decoded !== raw) found.push(decoded);
    } catch {
      // A malformed %-sequence: the raw form is all there is.
    }
  }
  return found;
}

// Any scheme://[user@]host[:port][/path…]; the path ends at a space, a quote or closing
// punctuation, and a trailing ":" or "." belongs to the sentence ("…/main: 401 Unauthorized").
const ANY_URL =
  /\b([a-z][a-z0-9+.-]*):\/\/(?:[^\s@/?#"'<>]*@)?(\[[0-9a-f:.]+\]|[a-z0-9._~%-]+)(:\d{1,5})?(?:[/?#](?:[^\s"'<>()[\],;]*[^\s"'<>()[\],;:.!])?)?/gi;

/**
 * A text for the browser: no camera URL at all, masked or not ("no camera URL ever
 * reaches the browser"). Each URL becomes its scheme and address, e.g.
 * "rtsp://admin:***@10.0.0.5:554/sub: 401 Unauthorized" → "RTSP at 10.0.0.5:554: 401 Unauthorized".
 */
export function withoutUrls(text: string): string {
  return text.replace(
    ANY_URL,
    (_m, scheme: string, host: string, port: string | undefined) => `${scheme.toUpperCase()} at ${host}${port ?? ''}`,
  );
}

/** An error message fit for an API answer or a live event: secrets masked, URLs taken out. */
export function publicMessage(text: string, extraSecrets: readonly string[] = []): string {
  return withoutUrls(maskSecrets(text, extraSecrets));
}
