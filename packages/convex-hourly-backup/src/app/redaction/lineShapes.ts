// Secrets named at the start of a line of text: .env files (DB_PASSWORD=x),
// YAML and header dumps (password: x, X-Api-Key: x), and Authorization
// values of any scheme anywhere in a text (Authorization: Token x). The name
// is judged as a key would be; only the value is replaced, the rest of the
// text (other lines, the name, the scheme) is kept.
//
// Linear in the text: each line is tried once, with bounded prefixes and names.
import { MARKER, type SecretName } from "./marker";

// A name at the start of a line (indented, after "export " or a YAML "- "), then "=" or ": ", then the rest of the line.
const LINE = /^([ \t]{0,64}(?:export[ \t]+|-[ \t]+)?)([A-Za-z_][A-Za-z0-9_.-]{0,63})([ \t]*(?:=|:(?=[ \t]))[ \t]*)([^\r\n]*)/gm;

// Authorization: <scheme> <credential> (or a bare credential), in headers, curl commands, JSON or YAML.
const AUTHORIZATION = /(?<![\w-])((?:proxy-)?authorization)(["']?[ \t]*[:=][ \t]*["']?)(?:([A-Za-z][A-Za-z0-9_-]{0,31})([ \t]+))?([^\s"',;]+)/gi;

/** Whether a line's name is an Authorization header (its value keeps its scheme: handled by maskAuthorization). */
function isAuthorization(name: string): boolean {
  return /^(?:proxy-)?authorization$/i.test(name);
}

/**
 * "name=value" lines (multi-line text only: a single line is a query or a
 * form body, see PARAM in valueShapes) and "name: value" lines whose name is a
 * secret: the value goes, up to the end of the line.
 */
export function maskSecretLines(text: string, isSecretName: SecretName): string {
  const multiline = text.includes("\n");
  return text.replace(LINE, (match, lead: string, name: string, sep: string, rest: string) => {
    if (!multiline && sep.includes("=")) return match;
    const value = rest.trimEnd();
    if (value === "" || value.startsWith(MARKER) || isAuthorization(name)) return match;
    const bare = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
    if (bare === "" || !isSecretName(name, bare)) return match;
    return `${lead}${name}${sep}${MARKER}${rest.slice(value.length)}`;
  });
}

/** Authorization: Token x -> Authorization: Token [redacted], whatever the scheme. */
export function maskAuthorization(text: string): string {
  return text.replace(AUTHORIZATION, (match, name: string, sep: string, scheme: string | undefined, space: string | undefined, credential: string) =>
    credential === MARKER ? match : `${name}${sep}${scheme === undefined ? "" : scheme + space}${MARKER}`,
  );
}
