(function () {
  "use strict";
  // Grades as check() does in Python: the same tolerance test, the same candidate
  // wrong values and messages, precomputed there and read here from the page's data.
  function $(id) { return document.getElementById(id); }
  var DATA = JSON.parse($("quiz-data").textContent);
  var rules = {};
  DATA.blanks.forEach(function (b) { rules[b.id] = b; });
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-blank]"));
  var panel = $("explanation"), score = $("score"), right = {};

  function close(x, v) {
    // math.isclose(x, v, rel_tol, abs_tol)
    if (x === v) { return true; }
    var d = Math.abs(x - v);
    return d <= Math.max(DATA.rel * Math.max(Math.abs(x), Math.abs(v)), DATA.abs);
  }
  function show(x) {
    // Python's number_text: integers without a point, else "%.4g"; the minus sign U+2212.
    return gfmt(x).replace(/-/g, "\u2212");
  }
  function gfmt(x) {
    if (Math.abs(x) < 1e15 && x === Math.trunc(x)) { return String(x); }
    var m = x.toExponential(3).split("e"), e = parseInt(m[1], 10);
    function trim(s) { return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, ""); }
    if (e < -4 || e >= 4) {
      return trim(m[0]) + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    }
    return trim(x.toFixed(3 - e));
  }
  function parse(text) {
    var t = text.trim().replace(/\u2212/g, "-").replace(/,/g, ".");
    if (t === "") { return null; }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) { return NaN; }
    return parseFloat(t);
  }
  function judge(rule, x) {
    if (close(x, rule.answer)) { return null; }
    for (var i = 0; i < rule.candidates.length; i++) {
      if (close(x, rule.candidates[i][0])) { return rule.context + ": " + rule.candidates[i][1]; }
    }
    return rule.context + ": " + show(x) + " " + rule.generic;
  }
  function update() {
    var n = 0;
    DATA.blanks.forEach(function (b) { if (right[b.id]) { n++; } });
    score.textContent = n + " of " + DATA.blanks.length + " correct";
    score.classList.toggle("done", n === DATA.blanks.length);
  }
  function grade(input) {
    var id = input.getAttribute("data-blank"), rule = rules[id];
    var box = input.parentNode, fb = $("fb-" + id), x = parse(input.value), msg;
    box.classList.remove("right", "wrong");
    right[id] = false;
    if (x === null) { fb.textContent = ""; update(); return; }
    if (isNaN(x)) {
      msg = rule.context + ": type a number, such as -0.25";
    } else {
      msg = judge(rule, x);
    }
    if (msg === null) {
      right[id] = true;
      box.classList.add("right");
      fb.textContent = "\u2713 right";
      panel.textContent = "\u2713 " + rule.context + ": right.";
    } else {
      box.classList.add("wrong");
      fb.textContent = msg;
      panel.textContent = msg;
    }
    update();
  }
  function focusCard(input) {
    Array.prototype.forEach.call(document.querySelectorAll(".card.current"), function (c) {
      c.classList.remove("current");
    });
    var card = input.closest(".card");
    if (card) { card.classList.add("current"); }
  }
  inputs.forEach(function (input) {
    input.addEventListener("input", function () { grade(input); });
    input.addEventListener("focus", function () { focusCard(input); });
    input.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      var i = inputs.indexOf(input);
      if (i + 1 < inputs.length) { inputs[i + 1].focus(); }
      e.preventDefault();
    });
  });
  $("reset").addEventListener("click", function () {
    inputs.forEach(function (input) { input.value = ""; grade(input); });
    panel.textContent = "Answers cleared.";
  });
  $("next-wrong").addEventListener("click", function () {
    var open = inputs.filter(function (i) { return !right[i.getAttribute("data-blank")]; });
    if (open.length) { open[0].focus(); open[0].scrollIntoView({block: "center"}); }
    else { panel.textContent = "Every blank is right."; }
  });
  update();
})();
