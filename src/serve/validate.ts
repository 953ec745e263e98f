import { z } from "zod";
import { CONTROL_TYPES, MAX_CONTROL_MESSAGE_BYTES, type ControlMessage, type ErrorCode } from "./protocol.ts";

const id = z.number().int().optional();
const finite = z.number().finite();

const controlSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hello"), version: z.number().int(), id }).strict(),
  z.object({ type: z.literal("ping"), id }).strict(),
  z.object({ type: z.literal("pause"), paused: z.boolean(), id }).strict(),
  z.object({ type: z.literal("step"), id }).strict(),
  z.object({ type: z.literal("reset"), seed: z.number().int().min(0).max(0xffffffff).optional(), id }).strict(),
  z.object({ type: z.literal("speed"), speed: finite.min(0.05).max(16), id }).strict(),
  z.object({ type: z.literal("push"), impulse: z.tuple([finite.min(-1e3).max(1e3), finite.min(-1e3).max(1e3), finite.min(-1e3).max(1e3)]), id }).strict(),
  z.object({ type: z.literal("noise"), obs: finite.min(0).max(10).optional(), action: finite.min(0).max(10).optional(), id }).strict(),
  z.object({ type: z.literal("disableLeg"), leg: z.number().int().min(0).max(63).nullable(), id }).strict(),
  z.object({ type: z.literal("terrain"), kind: z.string().min(1).max(64), id }).strict(),
]);

export type ParsedControl = { ok: true; message: ControlMessage } | { ok: false; code: ErrorCode; message: string; id: number | null };

/** Validate one client text message. Never throws. */
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
  if (!(CONTROL_TYPES as readonly string[]).includes(rec.type)) {
    return { ok: false, code: "unknown-type", message: `unknown message type '${rec.type.slice(0, 64)}'`, id: msgId };
  }
  const parsed = controlSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join(".") || "(message)";
    return { ok: false, code: "invalid", message: `${rec.type}.${path}: ${issue.message}`, id: msgId };
  }
  return { ok: true, message: parsed.data as ControlMessage };
}
