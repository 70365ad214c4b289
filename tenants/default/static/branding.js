// The branding page: a live preview (name, colours, logo, the welcome text rendered) that the
// form's changes show at once; a hex field beside each colour picker; the WCAG contrast of each
// colour against white, as an alert with a darker colour to use when it is too low (the server
// refuses < 4.5:1 too). The Markdown toolbar and preview come from markdown.js. Without
// JavaScript the form works as it is.
(function () {
  "use strict";
  var form = document.getElementById("branding-form");
  var preview = document.getElementById("preview");
  if (!form || !preview) return;
  var primary = document.getElementById("primary_color");
  var accent = document.getElementById("accent_color");
  var name = document.getElementById("name");
  var welcome = document.getElementById("welcome_markdown");
  var out = document.getElementById("preview-contrast");
  var nl = document.documentElement.lang !== "en";

  function rgb(hex) {
    var m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return null;
    var v = parseInt(m[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  function hexOf(c) {
    return "#" + c.map(function (v) { return ("0" + v.toString(16)).slice(-2); }).join("");
  }
  function ratio(c) {
    var ch = c.map(function (v) {
      v = v / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 1.05 / (0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2] + 0.05);
  }
  // The same hue, darker step by step until white on it reaches 4.5:1 (as the server suggests).
  function darker(c) {
    for (var f = 1; f >= 0; f -= 0.01) {
      var d = c.map(function (v) { return Math.floor(v * f); });
      if (ratio(d) >= 4.5) return d;
    }
    return [0, 0, 0];
  }
  function number(r) {
    var n = r.toFixed(1);
    return (nl ? n.replace(".", ",") : n) + ":1";
  }

  // Hex fields beside the pickers, kept in step both ways.
  document.querySelectorAll("[data-hex-for]").forEach(function (hex) {
    var picker = document.getElementById(hex.dataset.hexFor);
    hex.hidden = false;
    hex.addEventListener("input", function () {
      var v = hex.value.trim();
      if (v && v.charAt(0) !== "#") v = "#" + v;
      var ok = rgb(v) !== null;
      hex.setAttribute("aria-invalid", ok ? "false" : "true");
      if (ok) { picker.value = v.toLowerCase(); update(); }
    });
    picker.addEventListener("input", function () {
      hex.value = picker.value;
      hex.setAttribute("aria-invalid", "false");
    });
  });

  function contrastLine(label, input) {
    var c = rgb(input.value);
    if (!c) return null;
    var r = ratio(c);
    if (r >= 4.5) {
      var p = document.createElement("p");
      p.className = "contrast-ok";
      p.textContent = label + ": " + number(r) + (nl ? " contrast met wit (voldoende)" : " contrast with white (sufficient)");
      return p;
    }
    var suggestion = hexOf(darker(c));
    var box = document.createElement("div");
    box.className = "alert";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = label + ": " + number(r) + (nl
      ? " contrast met wit, te weinig (minimaal 4,5:1). Witte tekst is hierop slecht leesbaar. Een donkerdere tint die wel voldoet: " + suggestion + "."
      : " contrast with white, too low (at least 4.5:1). White text is hard to read on it. A darker shade that passes: " + suggestion + ".");
    var use = document.createElement("button");
    use.type = "button";
    use.className = "button secondary";
    use.dataset.useColour = input.id;
    use.textContent = (nl ? "Gebruik " : "Use ") + suggestion;
    use.addEventListener("click", function () {
      input.value = suggestion;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.focus();
    });
    var swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.backgroundColor = suggestion;
    use.prepend(swatch);
    box.append(text, use);
    return box;
  }

  function update() {
    var ok = rgb(primary.value), ak = rgb(accent.value);
    if (ok) {
      preview.style.setProperty("--zk-primary", primary.value);
      document.getElementById("preview-header").style.backgroundColor = primary.value;
      var button = document.getElementById("preview-button");
      button.style.backgroundColor = primary.value;
      button.style.borderColor = primary.value;
    }
    if (ak) {
      preview.style.setProperty("--zk-accent", accent.value);
      document.getElementById("preview-link").style.color = accent.value;
    }
    document.getElementById("preview-name").textContent = name.value;
    if (welcome && window.zkMarkdown) {
      window.zkMarkdown.render(document.getElementById("preview-welcome"), welcome.value, accent.value);
    }
    out.replaceChildren();
    [contrastLine(nl ? "Hoofdkleur" : "Primary colour", primary),
     contrastLine(nl ? "Accentkleur" : "Accent colour", accent)].forEach(function (el) { if (el) out.append(el); });
  }
  [primary, accent, name, welcome].forEach(function (el) { if (el) el.addEventListener("input", update); });
  update();
})();
