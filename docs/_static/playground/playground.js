// The playground page: reads the form, asks the worker (Python) for the result, shows it.
// Everything the user typed is shown as text (textContent), never as markup.

const $ = (id) => document.getElementById(id);
const form = $("pg-form");
const expression = $("pg-expression");
const values = $("pg-values");
const seed = $("pg-seed");
const runButton = $("pg-run");
const stopButton = $("pg-stop");
const status = $("pg-status");
const error = $("pg-error");
const result = $("pg-result");

let worker = null;
let ready = false;
let pending = null; // the request being computed
let queued = null; // the latest request asked for while another one runs
let nextId = 1;
let startedAt = 0;
let stepperURL = null;

function fmt(x) {
  // Four significant digits, with the minus sign U+2212 of the diagram and the stepper.
  const text = Number.isFinite(x) ? String(Number.parseFloat(x.toPrecision(4))) : String(x);
  return text.replace(/-/g, "\u2212");
}

function say(text) {
  status.textContent = text;
}

function fail(kind, message) {
  const what = {
    expression: "Not an expression the parser accepts",
    values: "Check the values",
    maths: "Undefined at these values",
    refused: "Too large to show here",
    internal: "Something went wrong",
    startup: "Python did not start",
    stopped: "Stopped",
  }[kind] || "Error";
  error.replaceChildren();
  const strong = document.createElement("strong");
  strong.textContent = `${what}: `;
  error.append(strong, document.createTextNode(message));
  error.dataset.kind = kind;
  error.hidden = false;
}

function startWorker() {
  ready = false;
  startedAt = performance.now();
  runButton.disabled = true;
  say("Starting Python in the page…");
  worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
  worker.onmessage = (event) => receive(event.data);
  worker.onerror = (event) => {
    fail("startup", event.message || "the worker could not be loaded");
    say("Python is not available.");
  };
}

function receive(message) {
  if (message.type === "failed") {
    fail("startup", message.message);
    say("Python is not available.");
    return;
  }
  if (message.type === "ready") {
    ready = true;
    const a = message.about;
    document.body.dataset.python = a.python;
    $("pg-about").textContent =
      `Python ${a.python} (Pyodide ${a.pyodide}), autograd_lite ${a.autograd_lite}, ` +
      `Graphviz ${a.graphviz}`;
    say(`Python ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s.`);
    runButton.disabled = false;
    if (queued) send(queued);
    return;
  }
  if (message.type === "answer" && pending && message.id === pending.id) {
    const request = pending;
    pending = null;
    stopButton.hidden = true;
    show(JSON.parse(message.answer), request, message.ms);
    if (queued) send(queued);
  }
}

function currentRequest() {
  const sweep = form.querySelector("input[name=sweep]:checked").value;
  return {
    expression: expression.value,
    values: values.value,
    sweep,
    seed: sweep === "forward" ? seed.value : "",
  };
}

function send(request) {
  queued = null;
  if (!ready || pending) {
    queued = request;
    return;
  }
  pending = { ...request, id: nextId++ };
  error.hidden = true;
  say("Computing…");
  stopButton.hidden = false;
  worker.postMessage({ id: pending.id, request });
}

function shareLink(request) {
  const params = new URLSearchParams({ expr: request.expression, values: request.values });
  if (request.sweep === "forward") {
    params.set("sweep", "forward");
    if (request.seed) params.set("seed", request.seed);
  }
  return `${location.pathname}?${params}`;
}

function cell(row, text, tag = "td") {
  const c = document.createElement(tag);
  c.textContent = text;
  row.append(c);
  return c;
}

function fillSeeds(names, chosen) {
  const keep = chosen || seed.value;
  seed.replaceChildren(
    ...names.map((n) => {
      const option = document.createElement("option");
      option.value = n;
      option.textContent = n;
      return option;
    }),
  );
  if (names.includes(keep)) seed.value = keep;
}

function show(answer, request, ms) {
  document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
  if (!answer.ok) {
    result.hidden = true;
    fail(answer.kind, answer.message);
    say(`Nothing to show (${Math.round(ms)} ms).`);
    return;
  }
  error.hidden = true;
  history.replaceState(null, "", shareLink(request));
  $("pg-link").href = location.href;
  $("pg-link").textContent = location.href;
  fillSeeds(answer.names, answer.seed);

  const root = answer.table.root;
  $("pg-value").textContent = `${root} = ${fmt(answer.value)}`;
  $("pg-value").dataset.value = String(answer.value);
  const grads = $("pg-grads");
  grads.replaceChildren();
  const head = document.createElement("tr");
  for (const h of ["name", "value", `∂${root}/∂name`]) cell(head, h, "th");
  grads.append(head);
  for (const name of answer.names) {
    const row = document.createElement("tr");
    row.dataset.name = name;
    row.dataset.grad = String(answer.gradients[name]);
    cell(row, name, "th");
    cell(row, fmt(answer.values[name]));
    cell(row, fmt(answer.gradients[name]));
    grads.append(row);
  }

  // The SVG comes from Graphviz, which escapes every label; it is parsed as XML and
  // adopted, never assigned as HTML.
  const svg = new DOMParser().parseFromString(answer.svg, "image/svg+xml").documentElement;
  $("pg-diagram").replaceChildren(document.importNode(svg, true));

  const table = $("pg-table");
  table.replaceChildren();
  const header = document.createElement("tr");
  for (const h of [
    "step", "node", `∂${root}/∂node`, "input", "local derivative", "contribution",
    `∂${root}/∂input so far`,
  ]) cell(header, h, "th");
  table.append(header);
  for (const r of answer.table.rows) {
    const row = document.createElement("tr");
    row.dataset.step = String(r.step);
    row.dataset.input = r.input;
    row.dataset.local = String(r.local);
    cell(row, r.first ? String(r.step) : "");
    cell(row, r.first ? `${r.node} (${r.op})` : "");
    cell(row, r.first ? fmt(r.upstream) : "");
    cell(row, r.input);
    cell(row, fmt(r.local));
    cell(row, `${fmt(r.upstream)} × ${fmt(r.local)} = ${fmt(r.contribution)}`);
    cell(row, fmt(r.total));
    table.append(row);
  }
  if (!answer.table.rows.length) {
    const row = document.createElement("tr");
    cell(row, "No operations: nothing flows backward.").colSpan = 7;
    table.append(row);
  }

  $("pg-stepper-title").textContent =
    answer.sweep === "forward" ? `Forward sweep, seeded at ${answer.seed}` : "Backward pass";
  // The stepper page is its own document, from a Blob URL (so its #step=N links stay its
  // own), in a sandboxed frame: scripts run, but it cannot reach this page.
  if (stepperURL) URL.revokeObjectURL(stepperURL);
  stepperURL = URL.createObjectURL(new Blob([answer.stepper], { type: "text/html" }));
  $("pg-stepper").src = stepperURL;
  result.hidden = false;
  say(`Computed by autograd_lite in ${Math.round(ms)} ms.`);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  send(currentRequest());
});

form.addEventListener("change", (event) => {
  if (event.target.name === "sweep") seed.disabled = event.target.value !== "forward";
});

stopButton.addEventListener("click", () => {
  worker.terminate();
  pending = null;
  queued = null;
  stopButton.hidden = true;
  fail("stopped", "Python restarts in a few seconds; a smaller graph is quicker");
  startWorker();
});

for (const button of document.querySelectorAll("#pg-examples button")) {
  button.addEventListener("click", () => {
    expression.value = button.dataset.expression;
    values.value = button.dataset.values;
    form.querySelector("input[name=sweep][value=backward]").checked = true;
    seed.disabled = true;
    send(currentRequest());
  });
}

$("pg-copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("pg-link").href);
    say("Link copied.");
  } catch (e) {
    say("Copy the link below by hand.");
  }
});

// A shared link: ?expr=…&values=…[&sweep=forward&seed=…] fills the form and runs it.
const params = new URLSearchParams(location.search);
if (params.has("expr")) {
  expression.value = params.get("expr");
  values.value = params.get("values") || "";
  if (params.get("sweep") === "forward") {
    form.querySelector("input[name=sweep][value=forward]").checked = true;
    seed.disabled = false;
    const s = params.get("seed");
    if (s) fillSeeds([s], s);
  }
  startWorker();
  send(currentRequest());
} else {
  startWorker();
}
