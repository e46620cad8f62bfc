// Secrets recognised by their shape inside any string: tokens with a
// well-known prefix, JWTs, PEM private keys, Authorization schemes,
// credentials in URLs and connection strings, secret-named URL/form
// parameters, "name": value pairs of JSON written into text, and
// secret-named lines (.env, YAML, headers: lineShapes.ts).
//
// Only the secret is replaced, by MARKER, so the rest of the text is kept:
// "postgres://[redacted]@db:5432/app", "https://x.io/cb?token=[redacted]&a=1".
// A string that is nothing but a secret becomes MARKER.
//
// Every pattern is linear in the text: literal starts, bounded or
// unambiguous repetitions, token starts only at a token boundary.
import { maskAuthorization, maskSecretLines } from "./lineShapes";
import { MARKER, type SecretName } from "./marker";

export { MARKER, type SecretName };

/** Token shapes, each documented by what issues it. */
const TOKEN_SHAPES: readonly string[] = [
  "(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}", // Stripe secret and restricted keys
  "whsec_[A-Za-z0-9]{16,}", // Stripe webhook signing secrets
  "gh[pousr]_[A-Za-z0-9]{20,}", // GitHub tokens
  "github_pat_[A-Za-z0-9_]{20,}", // GitHub fine-grained tokens
  "xox[abposre]-[A-Za-z0-9-]{10,}", // Slack tokens
  "xapp-[A-Za-z0-9-]{10,}", // Slack app tokens
  "(?:AKIA|ASIA)[A-Z0-9]{16}", // AWS access key ids
  "AIza[A-Za-z0-9_-]{30,}", // Google API keys
  "ya29\\.[A-Za-z0-9_-]{20,}", // Google OAuth access tokens
  "GOCSPX-[A-Za-z0-9_-]{20,}", // Google OAuth client secrets
  "gl(?:pat|dt|rt|ptt|cbt|soat|ft)-[A-Za-z0-9_-]{20,}", // GitLab tokens
  "npm_[A-Za-z0-9]{30,}", // npm tokens
  "sk-(?:proj|ant|svcacct|admin)-[A-Za-z0-9_-]{20,}", // OpenAI and Anthropic keys
  "sk-[A-Za-z0-9]{32,}", // OpenAI keys (older format)
  "SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}", // SendGrid keys
  "shp(?:at|ss|ca|pa)_[A-Fa-f0-9]{32}", // Shopify tokens
  "hf_[A-Za-z0-9]{30,}", // Hugging Face tokens
  "pypi-[A-Za-z0-9_-]{50,}", // PyPI tokens
  "do[por]_v1_[a-f0-9]{64}", // DigitalOcean tokens
  "sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}", // Square tokens
  "SK[0-9a-f]{32}", // Twilio API keys
  "(?:prod|dev|preview):[a-z0-9-]{3,64}\\|[A-Za-z0-9+/=_-]{20,}", // Convex deploy and admin keys
  "eyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*", // JWTs: header.payload.signature
  // Webhook URLs whose path is the secret: the host is kept (group 1).
  "(hooks\\.slack\\.com/services/|discord(?:app)?\\.com/api/webhooks/)[A-Za-z0-9/_-]{10,}",
];

// A token starts where no token character precedes it, so one run of
// characters is tried once, not at each of its positions; the tail takes the
// whole run so no part of a longer token is left behind.
const TOKENS = new RegExp(`(?<![A-Za-z0-9_-])(?:${TOKEN_SHAPES.join("|")})[A-Za-z0-9_-]*`, "g");

// -----BEGIN ... PRIVATE KEY----- (RSA, EC, OPENSSH, ENCRYPTED, PGP ... BLOCK).
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;

// "Bearer <token>" / "Basic <base64>" (an Authorization header's value).
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=-]+)/gi;

// name=value after ?, &, #, ; (URL queries and fragments, form bodies,
// connection strings like "Server=x;Password=y") or at the start of the text.
const PARAM = /(^|[?&#;])( ?)([A-Za-z0-9_.\-[\]%]{1,64})=("[^"\n]{0,4096}"|[^&#;\s"'<>]*)/g;

// "name": as JSON written inside a longer text; its value is read by hand
// (jsonValueEnd) so a long or unterminated string costs one pass.
const JSON_NAME = /(?<!\\)"((?:[^"\\\n]|\\.){1,64})"\s*:\s*/g;

/** Schemes whose authority ends at the first "/", "?" or "#"; in any other (connection strings) it ends at the last "@". */
const WEB_SCHEMES = new Set(["http", "https", "ws", "wss"]);
const MAX_AUTHORITY = 2048;

function isSchemeChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) ||
    code === 43 || code === 45 || code === 46 // + - .
  );
}

function endsUrl(char: string): boolean {
  return char <= " " || char === '"' || char === "'" || char === "<" || char === ">" || char === "`";
}

/**
 * scheme://user:password@host -> scheme://[redacted]@host: the whole user info
 * goes. Without a password only web URLs lose it (https://<token>@host); a
 * bare user name elsewhere (ssh://git@host, postgres://app@host) is kept.
 */
function maskUserInfo(text: string): string {
  let found = text.indexOf("://");
  if (found < 0) return text;
  let out = "";
  let copied = 0;
  while (found >= 0) {
    let schemeStart = found;
    while (schemeStart > 0 && found - schemeStart < 32 && isSchemeChar(text.charCodeAt(schemeStart - 1))) schemeStart--;
    const start = found + 3;
    let end = start;
    if (schemeStart < found) {
      const web = WEB_SCHEMES.has(text.slice(schemeStart, found).toLowerCase());
      const limit = Math.min(text.length, start + MAX_AUTHORITY);
      let at = -1;
      for (; end < limit; end++) {
        const char = text[end]!;
        if (endsUrl(char)) break;
        if (web && (char === "/" || char === "?" || char === "#")) break;
        if (char === "@") at = end;
      }
      const info = at > start ? text.slice(start, at) : "";
      if (info !== "" && info !== MARKER && (web || info.includes(":"))) {
        out += text.slice(copied, start) + MARKER;
        copied = at;
      }
    }
    found = text.indexOf("://", Math.max(end, start));
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function decodeName(name: string): string {
  if (!name.includes("%")) return name;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

function unquoteJson(text: string): string {
  if (!text.includes("\\")) return text;
  try {
    return String(JSON.parse(`"${text}"`));
  } catch {
    return text;
  }
}

/** A private key block, from its BEGIN line to its END line (or the end of the text). */
function maskPem(text: string): string {
  let out = "";
  let copied = 0;
  PEM_BEGIN.lastIndex = 0;
  for (let begin = PEM_BEGIN.exec(text); begin !== null; begin = PEM_BEGIN.exec(text)) {
    PEM_END.lastIndex = PEM_BEGIN.lastIndex;
    const end = PEM_END.exec(text);
    out += text.slice(copied, begin.index) + MARKER;
    copied = end === null ? text.length : PEM_END.lastIndex;
    PEM_BEGIN.lastIndex = copied;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Digits, ".", "e", "E", "+", "-". */
function isNumberChar(code: number): boolean {
  return isDigit(code) || code === 46 || code === 101 || code === 69 || code === 43 || code === 45;
}

/** Where a JSON string or number starting at `start` ends (exclusive), or -1 if none starts there. */
function jsonValueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === 34) {
    for (let i = start + 1; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 92) i++;
      else if (code === 34) return i + 1;
      else if (code === 10) return -1;
    }
    return -1;
  }
  const digits = first === 45 ? start + 1 : start; // "-"
  if (!isDigit(text.charCodeAt(digits))) return -1;
  let i = digits;
  const limit = Math.min(text.length, digits + 64);
  while (i < limit && isNumberChar(text.charCodeAt(i))) i++;
  return i;
}

/** "password": "x" inside text -> "password": "[redacted]". */
function maskJsonPairs(text: string, isSecretName: SecretName): string {
  let out = "";
  let copied = 0;
  JSON_NAME.lastIndex = 0;
  for (let match = JSON_NAME.exec(text); match !== null; match = JSON_NAME.exec(text)) {
    const start = JSON_NAME.lastIndex;
    const end = jsonValueEnd(text, start);
    if (end < 0) continue;
    JSON_NAME.lastIndex = end;
    const value = text.slice(start, end);
    const bare = value.startsWith('"') ? unquoteJson(value.slice(1, -1)) : value;
    if (bare === "" || bare === MARKER || !isSecretName(unquoteJson(match[1]!), bare)) continue;
    out += text.slice(copied, start) + `"${MARKER}"`;
    copied = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** An Authorization value inside a longer text must look like a credential, not a word ("Basic plan"). */
function looksLikeCredential(token: string): boolean {
  return token.length >= 8 && (/\d/.test(token) || (token.length >= 16 && /[._~+/=]/.test(token)));
}

/** Whether the text holds a token of a known shape (a JWT, an API key...). */
export function containsToken(text: string): boolean {
  TOKENS.lastIndex = 0;
  const found = TOKENS.test(text);
  TOKENS.lastIndex = 0;
  return found;
}

/** The text with every secret it holds replaced by MARKER (the same string if none). */
export function maskSecretText(text: string, isSecretName: SecretName): string {
  let out = text;
  if (out.includes("PRIVATE KEY")) out = maskPem(out);
  if (out.includes("://")) out = maskUserInfo(out);
  // Each rule below needs a ":" or a "=": most prose has neither and is scanned once for each.
  const colon = out.includes(":");
  const equals = out.includes("=");
  // Lines first: a .env line's value runs to the end of its line ("a#b&c"), a query's stops at "&" or "#".
  if ((colon && (out.includes(": ") || out.includes(":\t"))) || (equals && out.includes("\n"))) out = maskSecretLines(out, isSecretName);
  if (equals) {
    out = out.replace(PARAM, (match, sep: string, space: string, name: string, value: string) => {
      const bare = value.startsWith('"') ? value.slice(1, -1) : value;
      if (bare === "" || bare === MARKER || !isSecretName(decodeName(name), bare)) return match;
      return `${sep}${space}${name}=${MARKER}`;
    });
  }
  if (colon && out.includes('"')) out = maskJsonPairs(out, isSecretName);
  if ((colon || equals) && (out.includes("uthorization") || out.includes("UTHORIZATION"))) out = maskAuthorization(out);
  const whole = out.trim();
  out = out.replace(AUTH_SCHEME, (match, scheme: string, space: string, token: string) =>
    match === whole || looksLikeCredential(token) ? `${scheme}${space}${MARKER}` : match,
  );
  if (out.length >= 16) out = out.replace(TOKENS, (_match, keep: string | undefined) => (keep ?? "") + MARKER);
  return out;
}
