(function () {
  "use strict";
  var DATA = /*DATA*/null;
  var MIN_PX = 11.05, MARGINS = [28, 16, 6], MAX_SCALE = 1.6, PLAY_MS = 1200;
  function $(id) { return document.getElementById(id); }
  var texts = JSON.parse($("texts").textContent);
  var view = $("frames"), figure = $("frame"), svg = figure.querySelector("svg");
  var text = $("explanation"), counter = $("counter"), jump = $("jump");
  var prev = $("prev"), next = $("next"), play = $("play");
  var n = texts.length, k = 0, timer = null, lit = [];
  var base = svg.viewBox.baseVal;
  var whole = {x: base.x, y: base.y, w: base.width, h: base.height};
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  var cam = {x: whole.x + whole.w / 2, y: whole.y + whole.h / 2, s: 4 / 3};

  function last(el) {
    var t = el.querySelectorAll("text");
    return t.length ? t[t.length - 1] : null;
  }
  var byBox = {};
  var table = DATA.nodes.map(function (d, j) {
    d[0].forEach(function (id) { byBox[id] = j; });
    var boxes = d[0].map($).filter(Boolean), main = d[0][0] || "";
    var parts = [$(main + "_op"), $(main + "_out")];
    for (var i = 0; i < d[1]; i++) { parts.push($(main + "_in" + i)); }
    return {boxes: boxes, parts: parts.filter(Boolean),
            grads: d[2] ? boxes.map(last).filter(Boolean) : []};
  });

  // ---------------------------------------------------------- state of step i
  function paint(i) {
    var grad = {}, j;
    grad[DATA.root] = DATA.rootGrad;
    for (j = 0; j <= i && j < DATA.steps.length; j++) {
      DATA.steps[j].e.forEach(function (e) { grad[e[2]] = e[3]; });
    }
    table.forEach(function (t, j) {
      var off = !(j in grad);
      t.boxes.concat(t.parts).forEach(function (el) { el.classList.toggle("unreached", off); });
      var shown = off ? "grad ?" : "grad " + grad[j];
      t.grads.forEach(function (g) { if (g.textContent !== shown) { g.textContent = shown; } });
    });
    var wrong = DATA.wrong || {};
    table.forEach(function (t, j) {
      var bad = (j in grad) && (j in wrong);
      t.boxes.forEach(function (el) { el.classList.toggle("mistaken", bad); });
    });
    lit.forEach(function (el) { el.classList.remove("highlight", "current", "input-node"); });
    lit = [];
    var step = DATA.steps[i];
    if (!step) { return null; }
    var t = table[step.n], main = t.boxes[0];
    if (!main) { return null; }
    var core = [main, $(main.id + "_op"), $(main.id + "_out")].filter(Boolean);
    var edges = step.e.map(function (e) { return $(main.id + "_in" + e[0]); }).filter(Boolean);
    var inputs = step.e.map(function (e) { return e[1] && $(e[1]); }).filter(Boolean);
    core.concat(edges).forEach(function (el) { el.classList.add("highlight"); });
    main.classList.add("current");
    inputs.forEach(function (el) { el.classList.add("input-node"); });
    lit = core.concat(edges, inputs);
    return {core: core, all: lit};
  }

  // ---------------------------------------------------------- the camera
  function size() { return {w: Math.max(view.clientWidth, 1), h: Math.max(view.clientHeight, 1)}; }
  function apply() {
    var v = size(), w = v.w / cam.s, h = v.h / cam.s;
    svg.setAttribute("viewBox", [cam.x - w / 2, cam.y - h / 2, w, h].join(" "));
    figure.setAttribute("data-scale", cam.s.toFixed(4));
  }
  function toSvg(el) {
    // The element's box in the SVG's own units, whatever the current view.
    var b = el.getBBox(), m = svg.getScreenCTM().inverse().multiply(el.getScreenCTM());
    var xs = [], ys = [];
    [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]]
      .forEach(function (c) {
        xs.push(m.a * c[0] + m.c * c[1] + m.e);
        ys.push(m.b * c[0] + m.d * c[1] + m.f);
      });
    return {l: Math.min.apply(null, xs), r: Math.max.apply(null, xs),
            t: Math.min.apply(null, ys), b: Math.max.apply(null, ys)};
  }
  function union(els) {
    var u = {l: Infinity, r: -Infinity, t: Infinity, b: -Infinity};
    els.forEach(function (el) {
      var q = toSvg(el);
      u.l = Math.min(u.l, q.l); u.r = Math.max(u.r, q.r);
      u.t = Math.min(u.t, q.t); u.b = Math.max(u.b, q.b);
    });
    return u;
  }
  function smallestFont(els) {
    var f = Infinity;
    els.forEach(function (el) {
      if (!el.classList.contains("node")) { return; }
      Array.prototype.forEach.call(el.querySelectorAll("text"), function (t) {
        var s = parseFloat(t.getAttribute("font-size")) || 14;
        f = Math.min(f, s);
      });
    });
    return isFinite(f) ? f : 11;
  }
  function clampCentre(want, lo, hi, half, margin) {
    // Centre on `want`, but keep [lo, hi] (the node and its op) inside the view.
    var a = hi + margin / cam.s - half, b = lo - margin / cam.s + half;
    return a <= b ? Math.min(Math.max(want, a), b) : (lo + hi) / 2;
  }
  function fitStep(focus) {
    if (!focus) { fitWhole(); return; }
    var v = size(), box = union(focus.all), core = union(focus.core);
    // Never smaller than readable (no text of the step's nodes under MIN_PX), never a
    // thumbnail; margins shrink before the text does.
    var floor = MIN_PX / smallestFont(focus.all), margin = MARGINS[0], fit = 0;
    for (var i = 0; i < MARGINS.length; i++) {
      margin = MARGINS[i];
      fit = Math.min((v.w - 2 * margin) / (box.r - box.l), (v.h - 2 * margin) / (box.b - box.t));
      if (fit >= floor) { break; }
    }
    cam.s = Math.max(Math.min(fit, MAX_SCALE), floor);
    cam.x = clampCentre((box.l + box.r) / 2, core.l, core.r, v.w / 2 / cam.s, margin);
    cam.y = clampCentre((box.t + box.b) / 2, core.t, core.b, v.h / 2 / cam.s, margin);
    apply();
  }
  function wholeScale() {
    var v = size();
    return Math.min((v.w - 2 * MARGINS[0]) / whole.w, (v.h - 2 * MARGINS[0]) / whole.h, MAX_SCALE);
  }
  function fitWhole() {
    cam.s = wholeScale();
    cam.x = whole.x + whole.w / 2;
    cam.y = whole.y + whole.h / 2;
    apply();
  }
  function zoom(f, px, py) {
    var r = view.getBoundingClientRect();
    var dx = (px === undefined ? r.width / 2 : px - r.left) - r.width / 2;
    var dy = (py === undefined ? r.height / 2 : py - r.top) - r.height / 2;
    var ux = cam.x + dx / cam.s, uy = cam.y + dy / cam.s;
    cam.s = Math.min(Math.max(cam.s * f, Math.min(wholeScale(), 0.5)), 8);
    cam.x = ux - dx / cam.s;
    cam.y = uy - dy / cam.s;
    apply();
  }

  // ---------------------------------------------------------- stepping
  var focus = null;
  function show(i) {
    k = Math.max(0, Math.min(n - 1, i));
    focus = paint(k);
    text.textContent = selected === null ? texts[k] : texts[k] + "\n\n" + pathText_;
    text.scrollLeft = 0;
    counter.textContent = "Step " + (k + 1) + " of " + n;
    prev.disabled = k === 0;
    next.disabled = k === n - 1;
    jump.value = String(k);
    var opt = jump.options[k];
    figure.setAttribute("data-step", String(k + 1));
    figure.setAttribute("data-node", opt ? opt.getAttribute("data-node") : "");
    document.body.setAttribute("data-step", String(k + 1));
    writeHash();
    fitStep(focus);
  }
  // The address follows the step only on a page of its own (http, https or file). In
  // an iframe's srcdoc, a blob: or a sandboxed frame the address is the host's or cannot
  // change: the step stays in memory. Nothing here ever navigates.
  var addressed = /^(https?|file):$/.test(location.protocol);
  function readHash() {
    if (!addressed) { return null; }
    var m = /step=(\d+)/.exec(location.hash);
    return m ? parseInt(m[1], 10) - 1 : null;
  }
  function writeHash() {
    if (!addressed) { return; }
    var h = "#step=" + (k + 1);
    if (location.hash === h) { return; }
    try { history.replaceState(null, "", h); } catch (e) { addressed = false; }
  }
  // ---------------------------------------------------------- paths to a node
  // DATA.graph[j]: node j's inputs as [input, its drawn box, local derivative];
  // DATA.paths[j]: what explain_paths found for node j (count, listed, total,
  // gradient, uses). The script walks the graph to list the paths, as explain_paths does.
  function fmt(x) {
    // Python's number_text: fmt_number with the minus sign U+2212, as the text beside it.
    return typeof x === "string" ? x : gfmt(x).replace(/-/g, "\u2212");
  }
  function gfmt(x) {
    // Python's fmt_number: integers bare, otherwise %g with DATA.precision digits.
    if (Math.abs(x) < 1e15 && x === Math.trunc(x)) { return String(x === 0 ? 0 : x); }
    var p = DATA.precision, e = parseInt(x.toExponential(p - 1).split("e")[1], 10);
    if (e < -4 || e >= p) {
      var parts = x.toExponential(p - 1).split("e"), m = parts[0];
      if (m.indexOf(".") >= 0) { m = m.replace(/0+$/, "").replace(/\.$/, ""); }
      var ex = parseInt(parts[1], 10);
      return m + "e" + (ex < 0 ? "-" : "+") + (Math.abs(ex) < 10 ? "0" : "") + Math.abs(ex);
    }
    var f = x.toFixed(Math.max(0, p - 1 - e));
    if (f.indexOf(".") >= 0) { f = f.replace(/0+$/, "").replace(/\.$/, ""); }
    return f;
  }
  function factor(x) { return (typeof x === "number" && x < 0) ? "(" + fmt(x) + ")" : fmt(x); }
  function d(top, bottom) { return "\u2202" + DATA.dnames[top] + "/\u2202" + DATA.dnames[bottom]; }
  function leadsTo(target) {
    // Every node from which `target` can be reached (itself included): inputs come
    // before their users in DATA.graph's topological order.
    var leads = {};
    leads[target] = true;
    for (var c = target + 1; c < DATA.graph.length; c++) {
      if (DATA.graph[c].some(function (e) { return leads[e[0]]; })) { leads[c] = true; }
    }
    return leads;
  }
  function listPaths(target, leads) {
    var found = [], route = [DATA.root], slots = [], factors = [];
    function walk(n) {
      if (n === target) {
        var product = 1;
        factors.forEach(function (f) { product *= f; });
        found.push({nodes: route.slice(), slots: slots.slice(), factors: factors.slice(),
                    product: product});
        return;
      }
      DATA.graph[n].forEach(function (e, i) {
        if (!leads[e[0]]) { return; }
        route.push(e[0]); slots.push(i); factors.push(e[2]);
        walk(e[0]);
        route.pop(); slots.pop(); factors.pop();
      });
    }
    walk(DATA.root);
    return found;
  }
  function pathText(target, leads) {
    var info = DATA.paths[target], r = DATA.root, name = DATA.names[target];
    var plural = info.c === 1 ? " path" : " paths", lines = [], terms = [];
    lines.push("Paths from " + DATA.names[r] + " down to " + name + ": " + info.c + plural +
               (info.l ? "" : ", more than the limit of " + DATA.limit + ": grouped by the uses of " + name));
    if (info.l) {
      listPaths(target, leads).forEach(function (p, k) {
        var way = DATA.names[p.nodes[0]];
        for (var i = 1; i < p.nodes.length; i++) {
          var upper = DATA.graph[p.nodes[i - 1]];
          var twice = upper.filter(function (e) { return e[0] === p.nodes[i]; }).length > 1;
          way += (twice ? " →(input " + (p.slots[i - 1] + 1) + ") " : " → ") + DATA.names[p.nodes[i]];
        }
        var prod = p.factors.length ? p.factors.map(factor).join(" × ") : "(no edge)";
        lines.push("  " + (k + 1) + ". " + way + ": " + prod + " = " + fmt(p.product));
        terms.push(p.product);
      });
    } else {
      info.u.forEach(function (u, k) {
        lines.push("  use " + (k + 1) + ": " + DATA.names[u[0]] + " (input " + (u[1] + 1) + "), " +
                   u[2] + (u[2] === 1 ? " path" : " paths") + ": " + d(r, u[0]) + " × " +
                   d(u[0], target) + " = " + fmt(u[3]) + " × " + factor(u[4]) + " = " + fmt(u[5]));
        terms.push(u[5]);
      });
    }
    var sum = terms.length > 1 ? terms.map(function (t, i) { return i ? factor(t) : fmt(t); })
      .join(" + ") + " = " + fmt(info.t) : fmt(info.t);
    lines.push("Sum of the " + (info.l ? "products" : "contributions") + ": " + sum);
    lines.push(d(r, target) + " from backward: " + fmt(info.g));
    return lines.join("\n");
  }
  var selected = null, pathLit = [], pathText_ = "", targets = $("paths-to");
  DATA.targets.forEach(function (t) {
    var o = document.createElement("option");
    o.value = String(t[0]);
    o.textContent = t[1];
    targets.appendChild(o);
  });
  function select(j) {
    pathLit.forEach(function (el) { el.classList.remove("path", "path-end"); });
    pathLit = [];
    selected = (j !== null && DATA.paths[j]) ? j : null;
    targets.value = selected === null ? "" : String(selected);
    figure.setAttribute("data-paths", selected === null ? "" : DATA.names[selected]);
    pathText_ = "";
    if (selected !== null) {
      var leads = leadsTo(selected), lit = [];
      Object.keys(leads).forEach(function (key) {
        var c = parseInt(key, 10), main = table[c].boxes[0];
        if (c === selected || !main) { return; }
        lit.push(main, $(main.id + "_op"), $(main.id + "_out"));
        DATA.graph[c].forEach(function (e, i) {
          if (!leads[e[0]]) { return; }
          lit.push($(main.id + "_in" + i), e[1] ? $(e[1]) : table[e[0]].boxes[0]);
        });
      });
      lit.filter(Boolean).forEach(function (el) { el.classList.add("path"); pathLit.push(el); });
      table[selected].boxes.forEach(function (el) { el.classList.add("path-end"); pathLit.push(el); });
      pathText_ = pathText(selected, leads);
    }
    text.textContent = selected === null ? texts[k] : texts[k] + "\n\n" + pathText_;
    if (selected !== null) {  // the view moves to the node, its paths as far as readable
      fitStep({core: table[selected].boxes.slice(0, 1), all: pathLit});
    }
  }
  targets.addEventListener("change", function () {
    select(targets.value === "" ? null : parseInt(targets.value, 10));
  });
  function nodeOf(el) {
    var g = el && el.closest ? el.closest("g.node") : null;
    return g && (g.id in byBox) ? byBox[g.id] : null;
  }
  Object.keys(byBox).forEach(function (id) {
    var el = $(id), j = byBox[id];
    if (!el || !DATA.paths[j]) { return; }
    el.setAttribute("tabindex", "0");
    el.setAttribute("role", "button");
    el.setAttribute("aria-label", "show the paths down to " + DATA.names[j]);
    el.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        e.stopPropagation();
        select(selected === j ? null : j);
      }
    });
  });

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "Play";
  }
  function start() {
    if (k === n - 1) { show(0); }
    play.textContent = "Pause";
    timer = setInterval(function () {
      show(k + 1);
      if (k >= n - 1) { stop(); }
    }, PLAY_MS);
  }
  function go(i) { stop(); show(i); }
  prev.addEventListener("click", function () { go(k - 1); });
  next.addEventListener("click", function () { go(k + 1); });
  play.addEventListener("click", function () { if (timer === null) { start(); } else { stop(); } });
  jump.addEventListener("change", function () { go(parseInt(jump.value, 10)); });
  $("zoom-in").addEventListener("click", function () { zoom(1.25); });
  $("zoom-out").addEventListener("click", function () { zoom(0.8); });
  $("fit").addEventListener("click", function () { fitStep(focus); });
  $("whole").addEventListener("click", fitWhole);
  window.addEventListener("hashchange", function () {
    var i = readHash();
    if (i !== null && i !== k) { go(i); }
  });
  window.addEventListener("resize", function () { fitStep(focus); });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.target === jump || e.target === targets) {
      return;
    }
    var key = e.key;
    if (key === "Escape") { select(null); }
    else if (key === "ArrowRight" || key === "j") { go(k + 1); }
    else if (key === "ArrowLeft" || key === "k") { go(k - 1); }
    else if (key === "Home") { go(0); }
    else if (key === "End") { go(n - 1); }
    else if (key === "+" || key === "=") { zoom(1.25); }
    else if (key === "-" || key === "_") { zoom(0.8); }
    else if (key === "0") { fitStep(focus); }
    else { return; }
    e.preventDefault();
  });
  view.addEventListener("wheel", function (e) {
    e.preventDefault();
    zoom(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), e.clientX, e.clientY);
  }, {passive: false});
  var drag = null;
  view.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) { return; }
    drag = {x: e.clientX, y: e.clientY, cx: cam.x, cy: cam.y, node: nodeOf(e.target)};
    view.setPointerCapture(e.pointerId);
    view.classList.add("dragging");
  });
  view.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    cam.x = drag.cx - (e.clientX - drag.x) / cam.s;
    cam.y = drag.cy - (e.clientY - drag.y) / cam.s;
    apply();
  });
  function release() { drag = null; view.classList.remove("dragging"); }
  view.addEventListener("pointerup", function (e) {
    // A click (a press and release that barely moved) on a node selects it.
    if (drag && Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) < 5) {
      var j = drag.node;
      if (j !== null && DATA.paths[j]) { select(selected === j ? null : j); }
    }
    release();
  });
  view.addEventListener("pointercancel", release);
  var first = readHash();
  show(first === null ? 0 : first);
})();
