/**
 * Text for a terminal: control characters that came from data (an event key, an ERP value) are shown
 * escaped (`\x1b`), never sent raw, so a value cannot move the cursor, retitle the window or hide a
 * line. Newlines (also CRLF) and tabs of our own layout stay.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]|\r(?!\n)/g;

/** `text` with every control character but newline and tab written as `\xHH` (or `\uHHHH`). */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff
      ? `\\u${code.toString(16).padStart(4, '0')}`
      : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}
