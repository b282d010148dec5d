// @noble/curves builds a few constant byte strings with TextEncoder when it loads; XS on
// Moddable has no global TextEncoder, only the `text/encoder` module. Imported (for its
// effect) before @noble so the global is there when noble evaluates.
import TextEncoder from "text/encoder";

const g = globalThis as unknown as { TextEncoder?: unknown };
if (g.TextEncoder === undefined) g.TextEncoder = TextEncoder;
