// The playground's Python, in a Web Worker so that a long computation never freezes the page.
// Pyodide runs autograd_lite itself (the wheel the docs build made); @viz-js/viz (Graphviz
// compiled to WebAssembly) lays out the diagrams, installed with the package's public hook
// autograd_lite.teach.viz.set_renderer. Every file comes from this site.
import { loadPyodide } from "../pyodide/pyodide.mjs";
import { instance as vizInstance } from "../viz/viz.js";

const here = new URL("./", import.meta.url);

async function fetchOk(url, how) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  return how === "json" ? response.json() : how === "text" ? response.text() : response.arrayBuffer();
}

async function start() {
  const t0 = performance.now();
  const [pyodide, viz, manifest, code] = await Promise.all([
    loadPyodide({ indexURL: new URL("../pyodide/", here).href }),
    vizInstance(),
    fetchOk(new URL("assets.json", here), "json"),
    fetchOk(new URL("playground.py", here), "text"),
  ]);
  const wheels = await Promise.all(
    manifest.wheels.map((name) => fetchOk(new URL(`wheels/${name}`, here), "buffer")),
  );
  for (const wheel of wheels) pyodide.unpackArchive(wheel, "wheel");
  // The renderer Python calls: DOT text and a format in, the rendered text out.
  self.renderDot = (source, format) => viz.renderString(source, { format });
  const ns = pyodide.globals.get("dict")();
  pyodide.runPython("import importlib; importlib.invalidate_caches()", { globals: ns });
  pyodide.runPython(code, { globals: ns });
  pyodide.runPython(
    "import js\nfrom autograd_lite.teach.viz import set_renderer\n" +
      "set_renderer(lambda source, fmt: js.renderDot(source, fmt))",
    { globals: ns },
  );
  const run = ns.get("run");
  const about = JSON.parse(ns.get("about")());
  about.pyodide = pyodide.version;
  about.graphviz = viz.graphvizVersion;
  return { run, about, ms: performance.now() - t0 };
}

const ready = start();

ready.then(
  ({ about, ms }) => self.postMessage({ type: "ready", about, ms }),
  (error) => self.postMessage({ type: "failed", message: String(error && error.message || error) }),
);

self.onmessage = async (event) => {
  const { id, request } = event.data;
  let python;
  try {
    python = await ready;
  } catch (error) {
    return; // "failed" was already posted
  }
  const t0 = performance.now();
  const answer = python.run(JSON.stringify(request));
  self.postMessage({ type: "answer", id, answer, ms: performance.now() - t0 });
};
