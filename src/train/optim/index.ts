export { Adam, type AdamOptions, type AdamState } from "./adam.ts";
export { ClipUp, type ClipUpOptions } from "./clipup.ts";
