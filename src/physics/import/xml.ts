/**
 * A small element tree over saxes (a maintained streaming XML parser): every element keeps its tag,
 * attributes, children and the line it starts on, so import errors can name `<joint name="knee"> (line 42)`.
 */
import { SaxesParser } from "saxes";
import { SpikelocoError } from "../../core/errors.ts";
import type { Vec3 } from "../math.ts";

export interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  line: number;
  parent: XmlElement | undefined;
}

/** Parse XML text; malformed input -> SpikelocoError with the parser's line and column. */
export function parseXml(text: string, source: string): XmlElement {
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let startLine = 1;
  let failure: string | undefined;
  parser.on("error", (e) => {
    failure ??= e.message;
  });
  parser.on("opentagstart", () => {
    startLine = parser.line;
  });
  parser.on("opentag", (node) => {
    const parent = stack[stack.length - 1];
    const el: XmlElement = { tag: node.name, attrs: { ...(node.attributes as Record<string, string>) }, children: [], line: startLine, parent };
    if (parent) parent.children.push(el);
    else root ??= el;
    if (!node.isSelfClosing) stack.push(el);
  });
  parser.on("closetag", (node) => {
    if (!node.isSelfClosing) stack.pop();
  });
  try {
    parser.write(text).close();
  } catch (e) {
    failure ??= (e as Error).message;
  }
  if (failure !== undefined) throw new SpikelocoError(`malformed XML: ${failure.replace(/\s+/g, " ").trim()}`, source);
  if (!root) throw new SpikelocoError("malformed XML: no root element", source);
  return root;
}

/** `<joint name="knee"> (line 42)`: how errors and warnings name an element. */
export function describe(el: XmlElement): string {
  const name = el.attrs.name !== undefined ? ` name="${el.attrs.name}"` : "";
  return `<${el.tag}${name}> (line ${el.line})`;
}

export function fail(el: XmlElement, message: string, source: string): never {
  throw new SpikelocoError(`${describe(el)}: ${message}`, source);
}

export function childrenNamed(el: XmlElement, tag: string): XmlElement[] {
  return el.children.filter((c) => c.tag === tag);
}

export function childNamed(el: XmlElement, tag: string): XmlElement | undefined {
  return el.children.find((c) => c.tag === tag);
}

/** Whitespace-separated numbers; every one must be finite and, when `count` is given, exactly that many. */
export function parseNumbers(value: string, el: XmlElement, attr: string, source: string, count?: number | number[]): number[] {
  const parts = value.trim().split(/\s+/).filter(Boolean);
  const nums = parts.map(Number);
  const bad = parts.findIndex((p, i) => !Number.isFinite(nums[i]) || p === "");
  if (bad >= 0) fail(el, `${attr}="${value}" is not a list of numbers ('${parts[bad]}')`, source);
  const counts = count === undefined ? undefined : Array.isArray(count) ? count : [count];
  if (counts && !counts.includes(nums.length)) fail(el, `${attr}="${value}" must have ${counts.join(" or ")} numbers, has ${nums.length}`, source);
  return nums;
}

export function numberAttr(el: XmlElement, attr: string, source: string, fallback?: number): number {
  const v = el.attrs[attr];
  if (v === undefined) {
    if (fallback === undefined) fail(el, `missing attribute ${attr}`, source);
    return fallback;
  }
  return parseNumbers(v, el, attr, source, 1)[0]!;
}

export function vec3Attr(el: XmlElement, attr: string, source: string, fallback: Vec3): Vec3 {
  const v = el.attrs[attr];
  if (v === undefined) return [...fallback];
  const n = parseNumbers(v, el, attr, source, 3);
  return [n[0]!, n[1]!, n[2]!];
}
