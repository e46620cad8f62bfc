// What replaces a secret found inside a text or bytes, and how a text's
// names are judged: shared by the shape detectors (valueShapes, lineShapes).

/** What replaces a secret. It is not a secret, and no detector matches it again. */
export const MARKER = "[redacted]";

/** Decides whether a parameter or JSON key names a secret, given its value as text. */
export type SecretName = (name: string, value: string) => boolean;
