import { controlSchema, isControlType, type ControlMessage } from "./wire/controls.ts";
import { MAX_CONTROL_MESSAGE_BYTES, type ErrorCode } from "./wire/protocol.ts";

export type ParsedControl = { ok: true; message: ControlMessage } | { ok: false; code: ErrorCode; message: string; id: number | null };

/** Validate one client text message against the control table (wire/controls.ts). Never throws. */
export function parseControlMessage(text: string): ParsedControl {
  if (Buffer.byteLength(text, "utf8") > MAX_CONTROL_MESSAGE_BYTES) {
    return { ok: false, code: "too-large", message: `message exceeds ${MAX_CONTROL_MESSAGE_BYTES} bytes`, id: null };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: "malformed", message: "message is not valid JSON", id: null };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, code: "malformed", message: "message must be a JSON object with a 'type'", id: null };
  }
  const rec = value as Record<string, unknown>;
  const msgId = typeof rec.id === "number" && Number.isInteger(rec.id) ? rec.id : null;
  if (typeof rec.type !== "string") return { ok: false, code: "malformed", message: "message has no string 'type'", id: msgId };
  if (!isControlType(rec.type)) {
    return { ok: false, code: "unknown-type", message: `unknown message type '${rec.type.slice(0, 64)}'`, id: msgId };
  }
  const parsed = controlSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join(".") || "(message)";
    return { ok: false, code: "invalid", message: `${rec.type}.${path}: ${issue.message}`, id: msgId };
  }
  return { ok: true, message: parsed.data as ControlMessage };
}
