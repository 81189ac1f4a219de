// Summary of a V8 .cpuprofile of the server: self time per function, per package and per
// layer, bundled frames resolved through the build's source maps.
import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { round } from "./stats";

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };
type Frame = { function: string; url: string; where: string; group: string };

function packageOf(file: string): string | null {
  const at = file.lastIndexOf("node_modules/");
  if (at < 0) return null;
  const parts = file.slice(at + "node_modules/".length).split("/");
  return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function makeResolver(buildDir: string): (frame: CallFrame) => { where: string; group: string } {
  const maps = new Map<string, SourceMap | null>();
  const mapFor = (url: string): SourceMap | null => {
    if (maps.has(url)) return maps.get(url) ?? null;
    let map: SourceMap | null = null;
    try {
      const file = fileURLToPath(url);
      if (file.startsWith(path.join(buildDir, ".next")) && fs.existsSync(`${file}.map`)) {
        map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")));
      }
    } catch {
      map = null;
    }
    maps.set(url, map);
    return map;
  };
  return ({ url, lineNumber, columnNumber, functionName }) => {
    if (!url)
      return {
        where: "(native)",
        group: ["(idle)", "(program)", "(garbage collector)"].includes(functionName)
          ? functionName
          : "(V8 builtins / native code)",
      };
    if (url.startsWith("node:")) return { where: url, group: "node: core modules" };
    if (url.startsWith("wasm://")) return { where: url, group: "WebAssembly" };
    let where = url.replace(/^file:\/\//, "");
    const map = url.startsWith("file:") ? mapFor(url) : null;
    if (map) {
      const entry = map.findEntry(lineNumber, columnNumber);
      if (entry && "originalSource" in entry && entry.originalSource) {
        let original = entry.originalSource.replace(/^turbopack:\/\/\/?/, "").replace(/^\[project\]\/?/, "");
        // Relative to the chunk: make it absolute, then relative to the project copy.
        if (original.startsWith("../")) original = path.resolve(path.dirname(fileURLToPath(url)), original);
        if (original.startsWith(buildDir)) original = path.relative(buildDir, original);
        const modules = original.lastIndexOf("node_modules/");
        if (modules >= 0) original = original.slice(modules);
        where = `${original}:${entry.originalLine + 1} (bundled)`;
      }
    } else {
      where = `${where}:${lineNumber + 1}`;
    }
    const pkg = packageOf(where);
    if (pkg) return { where, group: pkg };
    if (where.includes(".next/server/edge")) return { where, group: "edge bundle (middleware)" };
    if (where.includes(".next/")) return { where, group: "app server bundle" };
    const app = where
      .split("/")
      .slice(0, 2)
      .join("/")
      .replace(/:\d+.*$/, "");
    return { where, group: `app: ${app}` };
  };
}

// Layers, outermost last: a sample belongs to the first layer found anywhere on its stack,
// so "database driver" is all time under a driver call, whoever called it.
const LAYERS: Array<[string, (f: Frame) => boolean]> = [
  [
    "database driver: SQLite / pg calls, incl. blocking file I/O",
    (f) => /better-sqlite3|adapter-pg|^pg$|pg-protocol/.test(f.group),
  ],
  ["Prisma client: query planning, interpretation, result mapping", (f) => f.group.startsWith("@prisma/")],
  ["rate-limiter-flexible", (f) => f.group === "rate-limiter-flexible"],
  ["jose (JWT signing)", (f) => f.group === "jose"],
  ["app code (lib/, app/, middleware)", (f) => /^(lib|app)\/|^(middleware|proxy)\./.test(f.where)],
  ["Next.js (routing, request/response, edge sandbox)", (f) => f.group === "next" || f.group.includes("bundle")],
  ["Node.js core (http, streams, crypto, async hooks)", (f) => f.group === "node: core modules"],
];

export type ProfileWindow = { startMicros: number; endMicros?: number };

export type ProfileSummary = ReturnType<typeof summariseProfile>;

export function summariseProfile(file: string, buildDir: string, window: ProfileWindow | null, top = 15) {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  const resolve = makeResolver(buildDir);
  const frames = new Map<number, Frame>();
  const frameOf = (node: ProfileNode): Frame => {
    let frame = frames.get(node.id);
    if (!frame) {
      const { where, group } = resolve(node.callFrame);
      frame = { function: node.callFrame.functionName || "(anonymous)", url: node.callFrame.url, where, group };
      frames.set(node.id, frame);
    }
    return frame;
  };
  const layers = new Map<number, string>();
  const layerOf = (node: ProfileNode): string => {
    const known = layers.get(node.id);
    if (known) return known;
    const special = ["(idle)", "(garbage collector)", "(program)"].find((name) => node.callFrame.functionName === name);
    let layer = special;
    if (!layer) {
      const stack: Frame[] = [];
      for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id))
        stack.push(frameOf(nodes.get(id)!));
      layer = LAYERS.find(([, test]) => stack.some(test))?.[0] ?? "other (V8 builtins, native, unattributed)";
    }
    layers.set(node.id, layer);
    return layer;
  };

  // Keep the samples taken while the load ran (V8's clock and process.hrtime are both
  // CLOCK_MONOTONIC), so server start-up does not count; fall back to all of them.
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const end = window?.endMicros ?? Number.POSITIVE_INFINITY;
  let inWindow = (i: number) => !window || (times[i]! >= window.startMicros && times[i]! <= end);
  const kept = profile.samples.filter((_, i) => inWindow(i)).length;
  const windowed = Boolean(window) && kept > profile.samples.length * 0.1;
  if (!windowed) inWindow = () => true;

  const byFunction = new Map<string, Frame & { micros: number; samples: number }>();
  const byGroup = new Map<string, number>();
  const byLayer = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    if (!inWindow(i)) continue;
    const node = nodes.get(profile.samples[i]!)!;
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const frame = frameOf(node);
    if (frame.function === "(idle)") idle += micros;
    const key = `${frame.function}\u0000${frame.url}`;
    const entry = byFunction.get(key) ?? { ...frame, micros: 0, samples: 0 };
    entry.micros += micros;
    entry.samples += 1;
    byFunction.set(key, entry);
    const layer = layerOf(node);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + micros);
  }
  for (const entry of byFunction.values()) byGroup.set(entry.group, (byGroup.get(entry.group) ?? 0) + entry.micros);
  const busy = total - idle;
  const row = (micros: number) => ({ selfMs: round(micros / 1000, 1), percentOfBusy: round((100 * micros) / busy, 1) });
  const ranked = (map: Map<string, number>, n: number) =>
    [...map]
      .filter(([name]) => name !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, n);
  return {
    file: path.basename(file),
    window: windowed ? "samples taken while the load ran" : "all samples (start-up included)",
    totalMs: round(total / 1000, 0),
    idleMs: round(idle / 1000, 0),
    busyMs: round(busy / 1000, 0),
    topFunctions: [...byFunction.values()]
      .filter((e) => e.function !== "(idle)")
      .sort((a, b) => b.micros - a.micros)
      .slice(0, top)
      .map((e) => ({ ...row(e.micros), function: e.function, where: e.where, group: e.group, samples: e.samples })),
    byGroup: ranked(byGroup, 15).map(([group, micros]) => ({ group, ...row(micros) })),
    byLayer: ranked(byLayer, 20).map(([layer, micros]) => ({ layer, ...row(micros) })),
  };
}
