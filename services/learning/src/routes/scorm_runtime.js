// The SCORM run-time of the Zorgklas package player (SCORM 1.2 `window.API` and SCORM 2004
// `window.API_1484_11`). It runs in the player page on the member's package host, next to the
// SCO's frame (same origin, so the SCO finds the API in its parent). The SCO's data lives here;
// every commit sends the whole data model the SCO has set (with the unit and this page load's
// id) to the platform with the play session's token (in the commit address), which checks and
// stores it. Commits go out one at a time; `Commit` answers at once and the data goes out in the
// background (browsers refuse the synchronous requests SCORM was designed around). Nothing is
// lost when the learner closes the tab: on `pagehide` and when the page is hidden, what is not
// yet stored goes out with `fetch(…, {keepalive: true})`.
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("zk-boot").textContent);
  var v12 = boot.standard === "scorm12";
  var frame = document.getElementById("zk-sco");
  var statusEl = document.getElementById("zk-status");
  var loadId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  var seq = 0;

  // Per unit: what the SCO set (`data`) and what the platform sets (`platform`, read-only).
  var units = boot.units.map(function (u) {
    return { id: u.id, title: u.title, sco: u.sco, au: u.au, launch: u.launch, done: u.done,
             data: Object.assign({}, u.data || {}), platform: u.platform || {} };
  });
  var current = -1;     // the unit whose SCO talks to the API now
  var pending = -1;     // the unit being loaded (its SCO's Initialize makes it current)
  var state = 0;        // 0 not initialized, 1 running, 2 terminated
  var lastError = "0";
  var dirty = false;    // the current unit has data not yet sent
  var inFlight = null;  // the commit under way (a promise)
  var again = false;    // another commit was asked for while one was under way
  var stopped = false;  // the session expired: nothing more can be stored

  function say(text, error) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = error ? "status error" : "status";
  }

  // ---- the data model -------------------------------------------------------------------
  var S12 = ["passed", "completed", "failed", "incomplete", "browsed", "not attempted"];
  var RULES_12 = {
    "cmi.core.student_id": "r", "cmi.core.student_name": "r", "cmi.core.credit": "r",
    "cmi.core.entry": "r", "cmi.core.total_time": "r", "cmi.core.lesson_mode": "r",
    "cmi.launch_data": "r", "cmi.comments_from_lms": "r", "cmi.student_data.mastery_score": "r",
    "cmi.student_data.max_time_allowed": "r", "cmi.student_data.time_limit_action": "r",
    "cmi.core.lesson_location": "rw", "cmi.core.lesson_status": "rw", "cmi.core.score.raw": "rw",
    "cmi.core.score.min": "rw", "cmi.core.score.max": "rw", "cmi.suspend_data": "rw",
    "cmi.comments": "rw", "cmi.student_preference.audio": "rw",
    "cmi.student_preference.language": "rw", "cmi.student_preference.speed": "rw",
    "cmi.student_preference.text": "rw",
    "cmi.core.exit": "w", "cmi.core.session_time": "w",
    "cmi.objectives.n.id": "rw", "cmi.objectives.n.score.raw": "rw",
    "cmi.objectives.n.score.min": "rw", "cmi.objectives.n.score.max": "rw",
    "cmi.objectives.n.status": "rw",
    "cmi.interactions.n.id": "w", "cmi.interactions.n.objectives.n.id": "w",
    "cmi.interactions.n.time": "w", "cmi.interactions.n.type": "w",
    "cmi.interactions.n.correct_responses.n.pattern": "w", "cmi.interactions.n.weighting": "w",
    "cmi.interactions.n.student_response": "w", "cmi.interactions.n.result": "w",
    "cmi.interactions.n.latency": "w"
  };
  var CHILDREN_12 = {
    "cmi._children": "core,suspend_data,launch_data,comments,objectives,student_data,student_preference,interactions",
    "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time",
    "cmi.core.score._children": "raw,min,max",
    "cmi.objectives._children": "id,score,status",
    "cmi.objectives.n.score._children": "raw,min,max",
    "cmi.student_data._children": "mastery_score,max_time_allowed,time_limit_action",
    "cmi.student_preference._children": "audio,language,speed,text",
    "cmi.interactions._children": "id,objectives,time,type,correct_responses,weighting,student_response,result,latency"
  };
  var RULES_2004 = {
    "cmi.completion_threshold": "r", "cmi.credit": "r", "cmi.entry": "r", "cmi.launch_data": "r",
    "cmi.learner_id": "r", "cmi.learner_name": "r", "cmi.max_time_allowed": "r", "cmi.mode": "r",
    "cmi.scaled_passing_score": "r", "cmi.time_limit_action": "r", "cmi.total_time": "r",
    "cmi.comments_from_lms.n.comment": "r", "cmi.comments_from_lms.n.location": "r",
    "cmi.comments_from_lms.n.timestamp": "r", "adl.data.n.id": "r",
    "cmi.exit": "w", "cmi.session_time": "w",
    "cmi.completion_status": "rw", "cmi.success_status": "rw", "cmi.location": "rw",
    "cmi.progress_measure": "rw", "cmi.suspend_data": "rw", "cmi.score.scaled": "rw",
    "cmi.score.raw": "rw", "cmi.score.min": "rw", "cmi.score.max": "rw",
    "cmi.learner_preference.audio_level": "rw", "cmi.learner_preference.language": "rw",
    "cmi.learner_preference.delivery_speed": "rw", "cmi.learner_preference.audio_captioning": "rw",
    "cmi.comments_from_learner.n.comment": "rw", "cmi.comments_from_learner.n.location": "rw",
    "cmi.comments_from_learner.n.timestamp": "rw",
    "cmi.interactions.n.id": "rw", "cmi.interactions.n.type": "rw",
    "cmi.interactions.n.objectives.n.id": "rw", "cmi.interactions.n.timestamp": "rw",
    "cmi.interactions.n.correct_responses.n.pattern": "rw", "cmi.interactions.n.weighting": "rw",
    "cmi.interactions.n.learner_response": "rw", "cmi.interactions.n.result": "rw",
    "cmi.interactions.n.latency": "rw", "cmi.interactions.n.description": "rw",
    "cmi.objectives.n.id": "rw", "cmi.objectives.n.score.scaled": "rw",
    "cmi.objectives.n.score.raw": "rw", "cmi.objectives.n.score.min": "rw",
    "cmi.objectives.n.score.max": "rw", "cmi.objectives.n.success_status": "rw",
    "cmi.objectives.n.completion_status": "rw", "cmi.objectives.n.progress_measure": "rw",
    "cmi.objectives.n.description": "rw", "adl.data.n.store": "rw", "adl.nav.request": "rw"
  };
  var CHILDREN_2004 = {
    "cmi.comments_from_learner._children": "comment,location,timestamp",
    "cmi.comments_from_lms._children": "comment,location,timestamp",
    "cmi.interactions._children": "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,latency,description",
    "cmi.learner_preference._children": "audio_level,language,delivery_speed,audio_captioning",
    "cmi.objectives._children": "id,score,success_status,completion_status,progress_measure,description",
    "cmi.objectives.n.score._children": "scaled,raw,min,max",
    "cmi.score._children": "scaled,raw,min,max",
    "adl.data._children": "id,store"
  };
  var VOCAB = {
    "cmi.core.lesson_status": S12, "cmi.objectives.n.status": S12,
    "cmi.core.exit": ["time-out", "suspend", "logout", ""],
    "cmi.completion_status": ["completed", "incomplete", "not attempted", "unknown"],
    "cmi.objectives.n.completion_status": ["completed", "incomplete", "not attempted", "unknown"],
    "cmi.success_status": ["passed", "failed", "unknown"],
    "cmi.objectives.n.success_status": ["passed", "failed", "unknown"],
    "cmi.exit": ["time-out", "suspend", "logout", "normal", ""]
  };
  var RANGE = {
    "cmi.core.score.raw": [0, 100, true], "cmi.core.score.min": [0, 100, true],
    "cmi.core.score.max": [0, 100, true], "cmi.objectives.n.score.raw": [0, 100, true],
    "cmi.objectives.n.score.min": [0, 100, true], "cmi.objectives.n.score.max": [0, 100, true],
    "cmi.score.scaled": [-1, 1], "cmi.objectives.n.score.scaled": [-1, 1],
    "cmi.progress_measure": [0, 1], "cmi.objectives.n.progress_measure": [0, 1]
  };
  var RULES = v12 ? RULES_12 : RULES_2004;
  var CHILDREN = v12 ? CHILDREN_12 : CHILDREN_2004;

  // Error codes: [SCORM 1.2, SCORM 2004].
  var E = {
    none: ["0", "0"], general: ["101", "101"], notInit: ["301", "122"], afterEnd: ["101", "123"],
    getNotInit: ["301", "132"], setNotInit: ["301", "132"], commitNotInit: ["301", "142"],
    againInit: ["101", "103"], afterTermInit: ["101", "104"], undefinedEl: ["201", "401"],
    noChildren: ["202", "301"], noCount: ["203", "301"], readOnly: ["403", "404"],
    writeOnly: ["404", "405"], keyword: ["402", "404"], type: ["405", "406"],
    range: ["405", "407"], order: ["201", "351"], notSet: ["0", "403"], arg: ["201", "201"]
  };
  var MESSAGES = {
    "0": "No error", "101": "General exception", "103": "Already initialized",
    "104": "Content instance terminated", "122": "Retrieve data before initialization",
    "123": "Store data after termination", "132": "Data model element access before initialization",
    "142": "Commit before initialization", "201": "Invalid argument error",
    "202": "Element cannot have children", "203": "Element not an array. Cannot have count",
    "301": v12 ? "Not initialized" : "General get failure",
    "351": "General set failure", "401": v12 ? "Not implemented error" : "Undefined data model element",
    "402": "Invalid set value, element is a keyword", "403": v12 ? "Element is read only" : "Data model element value not initialized",
    "404": v12 ? "Element is write only" : "Data model element is read only",
    "405": v12 ? "Incorrect data type" : "Data model element is write only",
    "406": "Data model element type mismatch", "407": "Data model element value out of range"
  };
  function fail(code) { lastError = code[v12 ? 0 : 1]; return "false"; }
  function ok(value) { lastError = "0"; return value; }

  // `cmi.interactions.3.id` → {pattern: "cmi.interactions.n.id", idx: [["cmi.interactions", 3]]}
  function parse(el) {
    var parts = String(el).split("."), pattern = [], idx = [];
    for (var i = 0; i < parts.length; i++) {
      if (parts[i] === "") return null;
      if (/^\d+$/.test(parts[i])) {
        if (parts[i].length > 1 && parts[i][0] === "0") return null;
        idx.push([parts.slice(0, i).join("."), parseInt(parts[i], 10)]);
        pattern.push("n");
      } else {
        pattern.push(parts[i]);
      }
    }
    return { pattern: pattern.join("."), idx: idx };
  }

  function unit() { return units[current]; }

  // How many members a collection has: one more than the highest index the SCO set, or that
  // the platform knows.
  function count(collection) {
    var n = 0, prefix = collection + ".";
    var maps = [unit().data, unit().platform];
    for (var m = 0; m < maps.length; m++) {
      for (var key in maps[m]) {
        if (key.indexOf(prefix) === 0) {
          var rest = key.slice(prefix.length), dot = rest.indexOf(".");
          var i = parseInt(dot < 0 ? rest : rest.slice(0, dot), 10);
          if (!isNaN(i) && i + 1 > n) n = i + 1;
        }
      }
    }
    return n;
  }

  function getValue(el) {
    if (state === 0) return fail(E.getNotInit), "";
    if (state === 2) return fail(E.afterEnd), "";
    if (el === "" || el == null) return fail(E.arg), "";
    if (el === "cmi._version") return ok(v12 ? "3.4" : "1.0");
    var p = parse(el);
    if (!p) return fail(E.undefinedEl), "";
    if (/\._children$/.test(p.pattern)) {
      if (CHILDREN[p.pattern]) return ok(CHILDREN[p.pattern]);
      var base = p.pattern.replace(/\._children$/, "");
      return fail(RULES[base] || hasChildren(base) ? E.noChildren : E.undefinedEl), "";
    }
    if (/\._count$/.test(el)) {
      var coll = el.replace(/\._count$/, "");
      if (CHILDREN[parse(coll).pattern + "._children"] || /(objectives|interactions|correct_responses|comments_from_learner|comments_from_lms|adl\.data)$/.test(coll)) {
        return ok(String(count(coll)));
      }
      return fail(E.noCount), "";
    }
    var rule = RULES[p.pattern];
    if (!rule) return fail(hasChildren(p.pattern) ? E.general : E.undefinedEl), "";
    if (rule === "w") return fail(E.writeOnly), "";
    var u = unit();
    if (Object.prototype.hasOwnProperty.call(u.data, el)) return ok(u.data[el]);
    if (Object.prototype.hasOwnProperty.call(u.platform, el)) return ok(u.platform[el]);
    if (!v12) {
      // An element of a collection member that does not exist is out of range.
      for (var i = 0; i < p.idx.length; i++) {
        if (p.idx[i][1] >= count(p.idx[i][0])) return fail(["301", "301"]), "";
      }
      if (el === "cmi.location" || el === "cmi.suspend_data" || el === "cmi.launch_data") return ok("");
      return fail(E.notSet), "";
    }
    return ok("");
  }

  function hasChildren(pattern) {
    for (var k in RULES) if (k.indexOf(pattern + ".") === 0) return true;
    return false;
  }

  function number(v) { return /^-?(\d+\.?\d*|\.\d+)$/.test(v) ? parseFloat(v) : NaN; }

  function setValue(el, value) {
    if (state === 0) return fail(E.setNotInit);
    if (state === 2) return fail(E.afterEnd);
    if (el === "" || el == null) return fail(E.arg);
    value = value == null ? "" : String(value);
    var p = parse(el);
    if (!p) return fail(E.undefinedEl);
    if (/\._(children|count|version)$/.test(el)) {
      return fail(RULES[p.pattern.replace(/\._(children|count|version)$/, "")] || CHILDREN[p.pattern] || /_count$/.test(el) || el === "cmi._version" ? E.keyword : E.undefinedEl);
    }
    var rule = RULES[p.pattern];
    if (!rule && !v12 && el.indexOf("adl.nav.request_valid.") === 0) return fail(E.readOnly);
    if (!rule) return fail(E.undefinedEl);
    if (rule === "r") return fail(E.readOnly);
    // Collections fill from 0 without a gap.
    for (var i = 0; i < p.idx.length; i++) {
      if (p.idx[i][1] > count(p.idx[i][0])) return fail(E.order);
    }
    var vocab = VOCAB[p.pattern];
    if (vocab && vocab.indexOf(value) < 0) return fail(E.type);
    var range = RANGE[p.pattern];
    if (range) {
      if (!(range[2] && value === "")) {
        var n = number(value);
        if (isNaN(n)) return fail(E.type);
        if (n < range[0] || n > range[1]) return fail(E.range);
      }
    }
    if (!v12 && /\.(id)$/.test(p.pattern) && value === "") return fail(E.type);
    var u = unit();
    if (u.data[el] !== value) {
      u.data[el] = value;
      dirty = true;
      soon();
    }
    return ok("true");
  }

  // ---- storing --------------------------------------------------------------------------
  var timer = null;
  function soon() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { timer = null; store(false); }, 4000);
  }

  function payload(i) {
    seq += 1;
    return JSON.stringify({ unit: units[i].id, session: loadId, seq: seq, values: units[i].data });
  }

  // Sends the current unit's data (one commit at a time; a request while one is under way
  // sends again after it). `leaving`: the page goes away, so the request must outlive it.
  function store(leaving) {
    if (stopped || current < 0) return Promise.resolve();
    var i = current;
    if (leaving) {
      if (!dirty) return Promise.resolve();
      dirty = false;
      var body = payload(i);
      // Browsers keep at most 64 kB of keepalive requests in flight.
      return send(i, body, body.length < 60000);
    }
    if (inFlight) { again = true; return inFlight; }
    dirty = false;
    inFlight = send(i, payload(i), false).then(function () {
      inFlight = null;
      if (again) { again = false; if (dirty) return store(false); }
    });
    return inFlight;
  }

  function send(i, body, keepalive, retried) {
    return fetch(boot.commit, {
      method: "POST", body: body, keepalive: keepalive, credentials: "omit",
      headers: { "Content-Type": "application/json" }
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (answer) {
        if (res.ok) return answered(i, answer);
        var error = answer && answer.error || {};
        if (res.status === 410 || res.status === 404) {
          stopped = true;
          say(error.message || "Deze sessie is verlopen. Open de e-learning opnieuw vanuit de module.", true);
          return;
        }
        if (res.status === 422 && error.field && units[i].data[error.field] !== undefined && !retried) {
          // One element the platform refuses: keep the rest, without it.
          delete units[i].data[error.field];
          say("Niet bewaard: " + error.field + " (" + (error.message || "ongeldig") + ")", true);
          return send(i, payload(i), keepalive, true);
        }
        throw new Error(error.message || ("HTTP " + res.status));
      });
    }).catch(function (e) {
      if (stopped) return;
      dirty = true;
      say("Opslaan is niet gelukt (" + e.message + "). We proberen het zo opnieuw.", true);
      if (!keepalive) setTimeout(function () { store(false); }, 5000);
    });
  }

  function answered(i, a) {
    var u = units[i];
    if (a.unit_done && !u.done) { u.done = true; markToc(); }
    if (a.module_completed) say("Deze module is afgerond. Goed gedaan!");
    else if (a.block_done) say("Deze e-learning is afgerond.");
    else say("Opgeslagen.");
    // A later launch of this unit in this page resumes from what is stored now.
    u.platform[v12 ? "cmi.core.entry" : "cmi.entry"] = "resume";
  }

  // ---- the API objects ------------------------------------------------------------------
  function initialize(arg) {
    if (arg !== "" && arg !== undefined) return fail(E.arg);
    if (state === 1) return fail(E.againInit);
    if (pending >= 0) { current = pending; pending = -1; }
    if (current < 0) return fail(E.general);
    if (state === 2 && !v12) {
      // A SCO that terminated does not start again in the same launch.
      if (frame.getAttribute("data-launched") === String(current)) return fail(E.afterTermInit);
    }
    frame.setAttribute("data-launched", String(current));
    state = 1;
    return ok("true");
  }

  function commit(arg) {
    if (arg !== "" && arg !== undefined) return fail(E.arg);
    if (state === 0) return fail(E.commitNotInit);
    if (state === 2) return fail(E.afterEnd);
    store(false);
    return ok("true");
  }

  function terminate(arg) {
    if (arg !== "" && arg !== undefined) return fail(E.arg);
    if (state === 0) return fail(E.notInit);
    if (state === 2) return fail(E.afterEnd);
    var u = unit();
    dirty = true;
    var request = v12 ? "" : (u.data["adl.nav.request"] || "");
    delete u.data["adl.nav.request"];
    state = 2;
    var stored = store(false);
    if (v12) say("Onderdeel afgesloten.");
    // SCORM 2004 navigation the SCO asks for.
    var to = null;
    if (request === "continue") to = current + 1;
    else if (request === "previous") to = current - 1;
    else if (/^\{target=.+\}choice$/.test(request) || /^\{target=.+\}jump$/.test(request)) {
      var target = request.slice(8, request.indexOf("}"));
      units.forEach(function (x, k) { if (x.id === target) to = k; });
    } else if (/^(exit|exitAll|suspendAll|abandon|abandonAll)$/.test(request)) {
      say("U kunt terug naar de module.");
    }
    if (to !== null && to >= 0 && to < units.length) {
      stored.then(function () { go(to); });
    }
    return ok("true");
  }

  var api12 = {
    LMSInitialize: initialize, LMSFinish: terminate, LMSGetValue: getValue,
    LMSSetValue: setValue, LMSCommit: commit,
    LMSGetLastError: function () { return lastError; },
    LMSGetErrorString: function (c) { return MESSAGES[String(c)] || ""; },
    LMSGetDiagnostic: function (c) { return MESSAGES[String(c == null || c === "" ? lastError : c)] || ""; }
  };
  var api2004 = {
    Initialize: initialize, Terminate: terminate, GetValue: getValue,
    SetValue: setValue, Commit: commit,
    GetLastError: function () { return lastError; },
    GetErrorString: function (c) { return MESSAGES[String(c)] || ""; },
    GetDiagnostic: function (c) { return MESSAGES[String(c == null || c === "" ? lastError : c)] || ""; }
  };
  if (boot.standard === "scorm12") window.API = api12;
  else if (boot.standard === "scorm2004") window.API_1484_11 = api2004;

  // ---- units and navigation -------------------------------------------------------------
  var toc = document.getElementById("zk-inhoud");
  var prev = document.getElementById("zk-vorige");
  var next = document.getElementById("zk-volgende");

  function markToc() {
    if (!toc) return;
    var shown = current >= 0 ? current : pending;
    Array.prototype.forEach.call(toc.querySelectorAll("button[data-unit]"), function (b) {
      var k = parseInt(b.getAttribute("data-unit"), 10);
      b.setAttribute("aria-current", k === shown ? "true" : "false");
      b.textContent = (units[k].done ? "✓ " : "") + units[k].title + (units[k].done ? " (afgerond)" : "");
    });
    if (prev) prev.disabled = shown <= 0;
    if (next) next.disabled = shown >= units.length - 1;
  }

  function go(k) {
    if (k < 0 || k >= units.length) return;
    var leaving = current >= 0 && state === 1 ? store(false) : Promise.resolve();
    leaving.then(function () {
      state = 0;
      var u = units[k];
      if (u.au) {
        // cmi5: the platform launches the AU (its address carries the launch parameters).
        current = k; pending = -1;
        fetch(boot.au, {
          method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ unit: u.id })
        }).then(function (res) {
          return res.json().then(function (a) {
            if (!res.ok) throw new Error(a && a.error && a.error.message || ("HTTP " + res.status));
            frame.src = a.url;
          });
        }).catch(function (e) { say("Openen is niet gelukt: " + e.message, true); });
        frame.title = u.title;
        markToc();
        say(u.title);
        return;
      }
      if (u.sco) {
        pending = k;
      } else {
        // An asset reports nothing: opening it is doing it.
        current = k; pending = -1; dirty = true; store(false);
      }
      frame.title = u.title;
      frame.src = u.launch;
      markToc();
      say(u.title);
    });
  }

  if (toc) {
    toc.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-unit]");
      if (b) go(parseInt(b.getAttribute("data-unit"), 10));
    });
  }
  if (prev) prev.addEventListener("click", function () { go((current >= 0 ? current : pending) - 1); });
  if (next) next.addEventListener("click", function () { go((current >= 0 ? current : pending) + 1); });

  // Closing the tab (or leaving it for another app on a phone) loses nothing.
  window.addEventListener("pagehide", function () { store(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") store(true);
  });

  go(Math.min(boot.start || 0, units.length - 1));
})();
